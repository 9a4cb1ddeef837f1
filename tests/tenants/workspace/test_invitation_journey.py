"""Someone without an account follows an invitation: sign-in, sign-up and verification keep
the destination (same-site paths only), the invited address is prefilled, and they land on
the workspace they joined (issue 10, journey 2)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from londonhub.platform.core.identity import Role

from ...conftest import PASSWORD
from .helpers import ALPHA_OWNER
from .test_members import NEWCOMER, invite, membership_of


def _invitation_link(client, auth, outbox) -> str:
    auth.login(ALPHA_OWNER)
    assert invite(client, NEWCOMER, "admin").status_code == 302
    auth.logout()
    return outbox.link(outbox.to(NEWCOMER)[-1])


def _value_of(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no {name} field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_newcomer_signs_up_from_an_invitation_and_lands_on_the_workspace(
    client, auth, team, outbox
) -> None:
    link = _invitation_link(client, auth, outbox)
    assert "create one with this email address" in outbox.body(outbox.to(NEWCOMER)[-1])

    opened = client.get(link)
    assert opened.status_code == 302
    login_url = opened.headers["Location"]
    query = parse_qs(urlsplit(login_url).query)
    assert urlsplit(login_url).path == "/login"
    assert query == {"next": [link], "email": [NEWCOMER]}

    login_page = client.get(login_url).get_data(as_text=True)
    assert _value_of(login_page, "email") == NEWCOMER
    register_href = re.search(r'href="(/register\?[^"]+)"', login_page).group(1)
    register_url = register_href.replace("&amp;", "&")
    assert parse_qs(urlsplit(register_url).query) == {"next": [link], "email": [NEWCOMER]}

    register_page = client.get(register_url).get_data(as_text=True)
    assert _value_of(register_page, "email") == NEWCOMER
    response = client.post(
        register_url,
        data={"name": "New Comer", "email": NEWCOMER, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)

    verification = [m for m in outbox.to(NEWCOMER) if "Confirm" in m["Subject"]][-1]
    verified = client.get(outbox.link(verification))
    assert verified.status_code == 302
    back_to_login = verified.headers["Location"]
    assert urlsplit(back_to_login).path == "/login"
    assert parse_qs(urlsplit(back_to_login).query) == {"next": [link], "email": [NEWCOMER]}

    signed_in = client.post(back_to_login, data={"email": NEWCOMER, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == link

    assert "Join Alpha CVS" in client.get(link).get_data(as_text=True)
    accepted = client.post(link)
    assert accepted.headers["Location"].endswith("/b/alpha/admin/")
    assert membership_of(NEWCOMER, team.alpha_id).role == Role.ADMIN


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_up_never_carries_an_off_site_destination(client, outbox, target) -> None:
    response = client.post(
        "/register",
        query_string={"next": target},
        data={"name": "Eve", "email": NEWCOMER, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 200
    assert "evil" not in response.get_data(as_text=True)
    verified = client.get(outbox.link(outbox.to(NEWCOMER)[-1]))
    assert verified.headers["Location"] == "/login"


def test_a_bad_invitation_link_still_sends_to_sign_in_without_an_address(client, team) -> None:
    response = client.get("/invites/not-a-token")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "next": ["/invites/not-a-token"]
    }
