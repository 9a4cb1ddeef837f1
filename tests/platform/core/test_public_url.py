"""Absolute links (reset, confirmation, invitation, Stripe, feeds) come from PUBLIC_URL, never
from the Host a request names; requests for hosts that are not configured are refused."""

from __future__ import annotations

import pytest
from flask import url_for

from londonhub import create_app
from londonhub.platform.core.config import ConfigError, load_config
from londonhub.platform.core.extensions import db

PUBLIC = "https://hub.example.org"


@pytest.fixture
def person(make_user):
    return make_user("ada@example.org")


def forgot(client, **kwargs):
    return client.post("/password/forgot", data={"email": "ada@example.org"}, **kwargs)


def test_a_forged_host_header_is_refused_and_no_reset_link_is_sent(client, person, outbox):
    response = forgot(client, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert outbox.messages == []


def test_a_forged_forwarded_host_behind_a_proxy_is_refused(app_config, database_urls, outbox):
    app_config["PROXY_COUNT"] = 1
    application = create_app(app_config)
    with application.app_context():
        from londonhub.platform.core.accounts import create_user

        create_user("ada@example.org", "Ada", "correct horse battery staple", verified=True)
        db.session.commit()
        response = forgot(
            application.test_client(),
            headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"},
        )
        assert response.status_code == 400
        assert outbox.messages == []
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def public_app_config(app_config: dict) -> dict:
    app_config["PUBLIC_URL"] = PUBLIC
    return app_config


def test_reset_link_starts_with_public_url_whatever_host_the_request_used(
    public_app_config, client, person, outbox
):
    assert forgot(client).status_code == 200  # the test client's localhost, trusted in tests
    [message] = outbox.to("ada@example.org")
    assert f"{PUBLIC}/password/reset/" in outbox.body(message)
    assert "localhost" not in outbox.body(message)


def test_confirmation_link_starts_with_public_url(public_app_config, client, outbox):
    new = "three unrelated words here"
    data = {"name": "Grace", "email": "grace@example.org", "password": new, "confirm": new}
    assert client.post("/register", data=data).status_code == 200
    [message] = outbox.to("grace@example.org")
    assert f"{PUBLIC}/verify-email/" in outbox.body(message)


def test_invitation_link_starts_with_public_url(
    public_app_config, client, auth, make_workspace, make_user, outbox
):
    hackney = make_workspace("hackney")
    make_user("owner@example.org", workspace=hackney, role="owner")
    auth.login("owner@example.org")
    response = client.post(
        "/b/hackney/admin/members/invite",
        data={"invite-email": "new@example.org", "invite-role": "staff"},
    )
    assert response.status_code == 302
    [message] = outbox.to("new@example.org")
    assert f"{PUBLIC}/invites/" in outbox.body(message)
    assert "localhost" not in outbox.body(message)


def test_external_urls_use_public_url_in_a_request_and_in_a_job(public_app_config, app):
    with app.test_request_context("/", base_url="http://localhost"):
        assert url_for("auth.login", _external=True) == f"{PUBLIC}/login"
    # A job runs with an app context only (no request, no SERVER_NAME).
    assert url_for("auth.login", _external=True) == f"{PUBLIC}/login"


@pytest.fixture
def alias_app_config(public_app_config: dict) -> dict:
    public_app_config["EXTRA_TRUSTED_HOSTS"] = ["www.hub.example.org"]
    return public_app_config


def test_another_configured_host_is_served_but_links_still_use_public_url(
    alias_app_config, client, person, outbox
):
    assert forgot(client, headers={"Host": "evil.example"}).status_code == 400
    response = forgot(client, headers={"Host": "www.hub.example.org"})
    assert response.status_code == 200
    assert f"{PUBLIC}/password/reset/" in outbox.body(outbox.to("ada@example.org")[0])


# --- configuration -----------------------------------------------------------------------------

PRODUCTION_SECRET = "a-production-secret-that-is-long-enough-123456"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("LONDONHUB_ENV", "PUBLIC_URL", "TRUSTED_HOSTS", "MAIL_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def production(env: pytest.MonkeyPatch, **values: str) -> None:
    env.setenv("LONDONHUB_ENV", "production")
    env.setenv("SECRET_KEY", PRODUCTION_SECRET)
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setenv("MAIL_URL", "smtp://mail.example.org:587")
    for name, value in values.items():
        env.setenv(name, value)


def test_production_refuses_to_start_without_public_url(clean_env, tmp_path):
    production(clean_env)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_config(str(tmp_path))


def test_production_trusts_only_public_url_and_trusted_hosts(clean_env, tmp_path):
    production(clean_env, PUBLIC_URL=f"{PUBLIC}/", TRUSTED_HOSTS="www.hub.example.org, 10.0.0.5")
    settings = load_config(str(tmp_path))
    assert settings["PUBLIC_URL"] == PUBLIC
    assert settings["TRUSTED_HOSTS"] == ["hub.example.org", "www.hub.example.org", "10.0.0.5"]


def test_development_defaults_to_the_local_server_and_trusts_local_hosts(clean_env, tmp_path):
    settings = load_config(str(tmp_path))
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert settings["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


@pytest.mark.parametrize(
    "value", ["hub.example.org", "ftp://hub.example.org", "https://hub.example.org/app", "https://"]
)
def test_a_public_url_that_is_not_an_origin_is_a_clear_error(clean_env, tmp_path, value):
    clean_env.setenv("PUBLIC_URL", value)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_config(str(tmp_path))
