"""Sign-in, sign-out, `next`, and sessions that end (replayed cookies are refused)."""

from __future__ import annotations

import re

import pytest

from londonhub.platform.core.extensions import db

from ...conftest import PASSWORD
from .helpers import client_with_cookie, field_error, reload_user, session_cookie, signed_in


def test_correct_password_signs_in_and_account_shows_name_email_organisations_roles(
    client, auth, member
):
    response = auth.login("ada@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"

    page = client.get("/account")
    assert page.status_code == 200
    html = page.text
    assert "Ada Lovelace" in html
    assert "ada@example.org" in html
    assert "Hackney CVS" in html and "Camden CVS" in html
    # Each organisation with its role, in one row.
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert any("Hackney CVS" in row and "<td>Admin</td>" in row for row in rows)
    assert any("Camden CVS" in row and "<td>Staff</td>" in row for row in rows)
    assert "You are signed in as ada@example.org" in html


def test_sign_in_ignores_case_and_spaces_in_the_email(client, auth, member):
    response = auth.login("  ADA@Example.org ")
    assert response.status_code == 302
    assert signed_in(client)


def test_wrong_password_answers_400_with_the_error_next_to_the_field(client, auth, member):
    response = auth.login("ada@example.org", "not the right password")
    assert response.status_code == 400
    assert field_error(response.text, "email") == "Enter a correct email address and password"
    assert 'href="#email"' in response.text  # the error summary links to the field
    assert not signed_in(client)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, auth, member):
    response = auth.login("nobody@example.org")
    assert response.status_code == 400
    assert field_error(response.text, "email") == "Enter a correct email address and password"


def test_empty_form_answers_400_with_messages(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert field_error(response.text, "email") == "Enter your email address"
    assert field_error(response.text, "password") == "Enter your password"


def test_unknown_email_costs_a_password_check_too(client, member, monkeypatch):
    """No timing difference tells an attacker which emails have accounts."""
    from londonhub.platform.core import accounts

    calls = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    assert len(calls) == 1


def test_unverified_email_is_refused_with_a_clear_message(client, auth, make_user):
    make_user("new@example.org", verified=False)
    response = auth.login("new@example.org")
    assert response.status_code == 400
    assert field_error(response.text, "email").startswith("Confirm your email address first")
    assert "Send me a new confirmation link" in response.text
    assert not signed_in(client)


def test_disabled_account_cannot_sign_in(client, auth, make_user):
    user = make_user("gone@example.org")
    user.is_disabled = True
    db.session.commit()
    response = auth.login("gone@example.org")
    assert response.status_code == 400
    assert not signed_in(client)


def test_disabling_an_account_ends_its_sessions(client, auth, make_user):
    make_user("gone@example.org")
    auth.login("gone@example.org")
    assert signed_in(client)
    user = reload_user("gone@example.org")
    user.is_disabled = True
    db.session.commit()
    assert not signed_in(client)


@pytest.mark.parametrize("target", ["/b/hackney/", "/account?tab=orders"])
def test_next_sends_the_person_on_to_a_same_site_path(client, member, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "account",
    ],
)
def test_next_never_redirects_off_site(client, member, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_protected_page_sends_to_sign_in_and_back(client, member):
    response = client.get("/account?tab=orders")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    back = client.post(login_url, data={"email": member.email, "password": PASSWORD})
    assert back.headers["Location"] == "/account?tab=orders"


def test_sign_out_is_post_only(client, auth, member):
    auth.login(member.email)
    response = client.get("/logout")
    assert response.status_code == 303  # sent to the home page, still signed in
    assert response.headers["Location"] == "/"
    assert signed_in(client)


def test_sign_out_ends_the_session(client, auth, member):
    auth.login(member.email)
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert not signed_in(client)


def test_sign_in_starts_a_fresh_session(client, member):
    """No session fixation: whatever session existed before sign-in is not carried over."""
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{member.id}:")


def test_replayed_session_cookie_is_refused_after_sign_out(app, client, auth, member):
    auth.login(member.email)
    stolen = session_cookie(client)
    assert stolen and signed_in(client_with_cookie(app, stolen))

    auth.logout()

    replay = client_with_cookie(app, stolen)
    response = replay.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_replayed_session_cookie_is_refused_after_password_change(app, client, auth, member):
    auth.login(member.email)
    stolen = session_cookie(client)
    response = client.post(
        "/account",
        data={
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    # This browser stays signed in ...
    assert signed_in(client)
    # ... but the old cookie, wherever it is, no longer works.
    replay = client_with_cookie(app, stolen)
    assert replay.get("/account").headers["Location"].startswith("/login")


def test_session_cookie_is_httponly_and_samesite_lax(client, member):
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    cookie = next(
        v for v in response.headers.getlist("Set-Cookie") if v.startswith("londonhub_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing over http; production is checked in test_config


def test_session_ends_after_its_lifetime(app, client, auth, member):
    auth.login(member.email)
    assert signed_in(client)
    app.config["PERMANENT_SESSION_LIFETIME"] = -1  # every cookie is now too old
    assert not signed_in(client)


def test_sign_in_page_has_the_contract_fields(app_config, client):
    html = client.get("/login").text
    for name in ("email", "password"):
        assert f'name="{name}"' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
