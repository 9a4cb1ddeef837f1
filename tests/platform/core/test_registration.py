"""Registration, the confirmation email and its link."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from londonhub.platform.core.accounts import VERIFY
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User, make_token

from ...conftest import PASSWORD
from .helpers import field_error, reload_user, signed_in

NEW_PASSWORD = "three unrelated words here"


def register(client, email="grace@example.org", password=NEW_PASSWORD, confirm=None, name="Grace"):
    return client.post(
        "/register",
        data={
            "name": name,
            "email": email,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]*"', "", html)


def users_called(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_registration_sends_a_link_that_verifies_and_then_sign_in_works(client, auth, outbox):
    response = register(client, email="Grace@Example.org")
    assert response.status_code == 200
    assert "Check your email" in response.text
    assert "grace@example.org" in response.text

    user = reload_user("grace@example.org")
    assert user is not None and not user.email_verified
    # Not yet: the address is unconfirmed.
    assert auth.login("grace@example.org", NEW_PASSWORD).status_code == 400

    [message] = outbox.to("grace@example.org")
    assert message["Subject"] == "Confirm your email address"
    link = outbox.link(message)
    assert link.startswith("/verify-email/")

    confirmed = client.get(link)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == "/login"
    assert reload_user("grace@example.org").email_verified

    assert auth.login("grace@example.org", NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_verification_link_can_be_opened_twice(client, outbox):
    register(client)
    link = outbox.link(outbox.to("grace@example.org")[0])
    assert client.get(link).status_code == 302
    assert client.get(link).status_code == 302


def test_registering_a_taken_email_answers_as_for_a_new_one_and_tells_the_owner(
    client, make_user, outbox
):
    make_user("grace@example.org", name="Grace Owner")
    taken = register(client, email="GRACE@example.org ")
    fresh = register(client, email="ada@example.org")
    assert taken.status_code == fresh.status_code == 200
    assert without_nonce(taken.text).replace("grace@example.org", "ada@example.org") == (
        without_nonce(fresh.text)
    )
    assert users_called("grace@example.org") == 1
    [message] = outbox.to("grace@example.org")
    assert message["Subject"] == "Someone tried to register with your email address"
    body = outbox.body(message)
    assert "Hello Grace Owner" in body
    assert "http://localhost/login" in body and "http://localhost/password/forgot" in body


def test_weak_passwords_are_field_errors(client, outbox):
    for password, message in [
        ("short", "Password must be at least 12 characters"),
        ("password1234", "Choose a less common password"),
        ("aaaaaaaaaaaaaaaa", "Choose a less common password"),
    ]:
        response = register(client, password=password)
        assert response.status_code == 400
        assert field_error(response.text, "password") == message
    assert users_called("grace@example.org") == 0
    assert outbox.messages == []


def test_confirmation_must_match(client):
    response = register(client, confirm="something else entirely")
    assert response.status_code == 400
    assert field_error(response.text, "confirm") == "Passwords do not match"
    assert users_called("grace@example.org") == 0


def test_malformed_email_is_a_field_error(client):
    response = register(client, email="not-an-email")
    assert response.status_code == 400
    assert field_error(response.text, "email").startswith("Enter an email address in the correct")


def test_expired_link_answers_400_and_offers_a_new_one(app, client, outbox):
    register(client)
    app.config["TOKEN_MAX_AGE_SECONDS"] = -1  # any age is too old
    response = client.get(outbox.link(outbox.to("grace@example.org")[0]))
    assert response.status_code == 400
    assert "This confirmation link has expired" in response.text
    assert 'href="/verify-email/new"' in response.text
    assert not reload_user("grace@example.org").email_verified


def test_tampered_link_answers_400(client, outbox):
    register(client)
    link = outbox.link(outbox.to("grace@example.org")[0])
    tampered = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.text
    assert not reload_user("grace@example.org").email_verified


def test_a_token_for_another_purpose_does_not_verify(client, make_user):
    user = make_user("grace@example.org", verified=False)
    reset_token = make_token("reset-password", {"uid": user.id, "email": user.email})
    assert client.get(f"/verify-email/{reset_token}").status_code == 400
    assert not reload_user("grace@example.org").email_verified


def test_a_link_for_an_old_email_address_does_not_verify_the_new_one(client, make_user):
    user = make_user("grace@example.org", verified=False)
    token = make_token(VERIFY, {"uid": user.id, "email": "previous@example.org"})
    assert client.get(f"/verify-email/{token}").status_code == 400
    assert not reload_user("grace@example.org").email_verified


def test_new_link_is_sent_only_to_unconfirmed_accounts(client, make_user, outbox):
    make_user("waiting@example.org", verified=False)
    make_user("done@example.org", verified=True)
    for email in ("waiting@example.org", "done@example.org", "nobody@example.org"):
        response = client.post("/verify-email/new", data={"email": email})
        assert response.status_code == 200
        assert "Check your email" in response.text
    assert [m["To"] for m in outbox.messages] == ["waiting@example.org"]
    # The new link works.
    assert client.get(outbox.link(outbox.messages[0])).status_code == 302
    assert reload_user("waiting@example.org").email_verified


def test_registration_does_not_sign_in(client, auth):
    register(client)
    assert not signed_in(client)
    # An unrelated existing password does not match the new account.
    assert auth.login("grace@example.org", PASSWORD).status_code == 400
