"""With CSRF protection on (as in production), every form post needs its token."""

from __future__ import annotations

import pytest

from ...conftest import PASSWORD
from .helpers import csrf_token_in, reload_user, signed_in


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def sign_in(client) -> None:
    token = csrf_token_in(client.get("/login").text)
    response = client.post(
        "/login", data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_login_without_token_is_a_branded_400_and_nothing_happens(app, client, make_user):
    make_user("ada@example.org")
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form expired or was sent from another page" in response.text
    assert "Connecting Londoners" in response.text
    assert not signed_in(client)
    # Not even counted as a failed attempt.
    counter = app.extensions["londonhub_failures"]
    assert counter.count("login-account:ada@example.org|127.0.0.1") == 0
    assert counter.count("login-client:127.0.0.1") == 0


def test_login_with_the_token_from_the_form_works(client, make_user):
    make_user("ada@example.org")
    sign_in(client)
    assert signed_in(client)


def test_a_token_from_another_browser_is_refused(app, client, make_user):
    make_user("ada@example.org")
    foreign = csrf_token_in(app.test_client().get("/login").text)
    client.get("/login")
    response = client.post(
        "/login", data={"email": "ada@example.org", "password": PASSWORD, "csrf_token": foreign}
    )
    assert response.status_code == 400
    assert not signed_in(client)


def test_sign_out_needs_the_token(client, make_user):
    make_user("ada@example.org")
    sign_in(client)
    assert client.post("/logout").status_code == 400
    assert signed_in(client)
    token = csrf_token_in(client.get("/account").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not signed_in(client)


def test_account_forms_need_the_token(client, make_user):
    make_user("ada@example.org", name="Ada Lovelace")
    sign_in(client)
    assert client.post("/account", data={"details-name": "Mallory"}).status_code == 400
    assert reload_user("ada@example.org").name == "Ada Lovelace"
    token = csrf_token_in(client.get("/account").text)
    response = client.post(
        "/account", data={"details-name": "Ada King", "details-csrf_token": token}
    )
    assert response.status_code == 302
    assert reload_user("ada@example.org").name == "Ada King"
