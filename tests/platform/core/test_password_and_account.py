"""Password reset by emailed link, and the /account page (name and password)."""

from __future__ import annotations

import re

import pytest

from londonhub.platform.core.accounts import RESET
from londonhub.platform.core.identity import make_token

from ...conftest import PASSWORD
from .helpers import client_with_cookie, field_error, reload_user, session_cookie, signed_in

NEW_PASSWORD = "a fresh and longer phrase"


@pytest.fixture
def person(make_user):
    return make_user("ada@example.org", name="Ada Lovelace")


def ask_for_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def choose(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(link, data={"password": password, "confirm": confirm or password})


def same_page(a: str, b: str) -> bool:
    def strip_nonce(html: str) -> str:
        return re.sub(r'nonce="[^"]*"', "", html)

    return strip_nonce(a) == strip_nonce(b)


# --- reset ---------------------------------------------------------------------------------


def test_unknown_email_gets_the_same_page_and_nothing_is_sent(client, person, outbox):
    known = ask_for_reset(client, "ada@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert same_page(
        known.text.replace("ada@example.org", "X"), unknown.text.replace("nobody@example.org", "X")
    )
    assert [m["To"] for m in outbox.messages] == ["ada@example.org"]


def test_disabled_account_gets_no_reset_link(client, make_user, outbox):
    from londonhub.platform.core.extensions import db

    user = make_user("gone@example.org")
    user.is_disabled = True
    db.session.commit()
    assert ask_for_reset(client, "gone@example.org").status_code == 200
    assert outbox.messages == []


def test_reset_link_works_once_ends_old_sessions_and_the_new_password_works(
    app, client, other_client, auth, person, outbox
):
    # Signed in elsewhere, with the old password.
    other_client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    old_cookie = session_cookie(other_client)
    assert signed_in(other_client)

    ask_for_reset(client, "ada@example.org")
    [message] = outbox.to("ada@example.org")
    assert message["Subject"] == "Reset your password"
    link = outbox.link(message)

    assert client.get(link).status_code == 200
    response = choose(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    # Once only.
    again = client.get(link)
    assert again.status_code == 400
    assert "This password reset link is not valid or has already been used" in again.text
    assert 'href="/password/forgot"' in again.text
    assert choose(client, link, "yet another good phrase").status_code == 400

    # Old sessions have ended, even a replayed cookie.
    assert not signed_in(other_client)
    assert not signed_in(client_with_cookie(app, old_cookie))

    # Old password refused, new one works.
    assert auth.login("ada@example.org", PASSWORD).status_code == 400
    assert auth.login("ada@example.org", NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_reset_with_a_weak_password_keeps_the_link_usable(client, person, outbox):
    ask_for_reset(client, "ada@example.org")
    link = outbox.link(outbox.to("ada@example.org")[0])
    response = choose(client, link, "short")
    assert response.status_code == 400
    assert field_error(response.text, "password") == "Password must be at least 12 characters"
    assert choose(client, link).status_code == 302


def test_expired_reset_link_answers_400(app, client, person, outbox):
    ask_for_reset(client, "ada@example.org")
    app.config["RESET_TOKEN_MAX_AGE_SECONDS"] = -1
    response = client.get(outbox.link(outbox.to("ada@example.org")[0]))
    assert response.status_code == 400
    assert "This password reset link has expired" in response.text


def test_tampered_or_foreign_reset_link_answers_400(client, person):
    verify_token = make_token("verify-email", {"uid": person.id, "pw": "x"})
    assert client.get(f"/password/reset/{verify_token}").status_code == 400
    forged = make_token(RESET, {"uid": person.id, "pw": "not-the-fingerprint"})
    assert client.get(f"/password/reset/{forged}").status_code == 400
    assert client.get("/password/reset/garbage.token.here").status_code == 400
    assert reload_user("ada@example.org").check_password(PASSWORD)


def test_reset_confirms_an_unconfirmed_address(client, make_user, outbox):
    make_user("new@example.org", verified=False)
    ask_for_reset(client, "new@example.org")
    choose(client, outbox.link(outbox.to("new@example.org")[0]))
    assert reload_user("new@example.org").email_verified


# --- /account ----------------------------------------------------------------------------


def test_account_needs_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_account_without_memberships_says_so(client, auth, person):
    auth.login("ada@example.org")
    assert "You do not belong to any borough workspace" in client.get("/account").text


def test_hub_admin_sees_the_hub_role(client, auth, make_user):
    make_user("hub@example.org", hub_admin=True)
    auth.login("hub@example.org")
    assert "Hub admin" in client.get("/account").text


def test_change_name(client, auth, person):
    auth.login("ada@example.org")
    response = client.post("/account", data={"details-name": "  Ada King  "})
    assert response.status_code == 302
    assert reload_user("ada@example.org").name == "Ada King"
    assert "Your name has been updated" in client.get("/account").text


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_is_an_error(client, auth, person, name):
    auth.login("ada@example.org")
    response = client.post("/account", data={"details-name": name})
    assert response.status_code == 400
    assert field_error(response.text, "details-name") == "Enter your name"
    assert reload_user("ada@example.org").name == "Ada Lovelace"


def test_change_password_with_wrong_current_password_is_an_error(client, auth, person):
    auth.login("ada@example.org")
    response = client.post(
        "/account",
        data={
            "password-current_password": "not my password",
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert (
        field_error(response.text, "password-current_password")
        == "Your current password is not correct"
    )
    assert reload_user("ada@example.org").check_password(PASSWORD)
    assert signed_in(client)


def test_change_password_keeps_this_session_and_ends_the_others(client, other_client, auth, person):
    auth.login("ada@example.org")
    other_client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    response = client.post(
        "/account",
        data={
            "password-current_password": PASSWORD,
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Other sessions have been signed out" in client.get("/account").text
    assert signed_in(client)
    assert not signed_in(other_client)
    assert reload_user("ada@example.org").check_password(NEW_PASSWORD)


def test_change_password_to_a_weak_one_is_refused(client, auth, person):
    auth.login("ada@example.org")
    response = client.post(
        "/account",
        data={
            "password-current_password": PASSWORD,
            "password-password": "password1234",
            "password-confirm": "password1234",
        },
    )
    assert response.status_code == 400
    assert field_error(response.text, "password-password") == "Choose a less common password"
    assert reload_user("ada@example.org").check_password(PASSWORD)


def test_emails_and_pages_state_how_long_links_work(app, client, make_user, outbox):
    app.config["TOKEN_MAX_AGE_SECONDS"] = 2 * 3600
    app.config["RESET_TOKEN_MAX_AGE_SECONDS"] = 30 * 60
    make_user("new@example.org", verified=False)
    client.post("/verify-email/new", data={"email": "new@example.org"})
    page = ask_for_reset(client, "new@example.org")
    assert "The link works for 30 minutes." in page.text
    verify, reset = outbox.to("new@example.org")
    assert "The link works for 2 hours." in outbox.body(verify)
    assert "The link works for 30 minutes and once only." in outbox.body(reset)
