"""Security headers, cookie flags, and configuration that refuses unsafe production settings."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from londonhub import create_app
from londonhub.platform.core.config import (
    DEFAULT_SECRET_KEY,
    ConfigError,
    load_config,
    normalise_database_url,
)
from londonhub.platform.core.extensions import db

PRODUCTION_SECRET = "a-production-secret-that-is-long-enough-0123456789"


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/no-such-page"])
def test_security_headers_on_every_answer(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in csp
    assert "unsafe-inline" not in directives["style-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http in tests


def test_style_nonce_is_fresh_per_request_and_matches_the_page(client):
    nonces = []
    for _ in range(2):
        response = client.get("/login")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        assert f'nonce="{nonce}"' in response.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_html_pages_are_not_cached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"


# --- configuration --------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "LONDONHUB_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "SESSION_COOKIE_SECURE",
        "REDIS_URL",
        "MIGRATION_DATABASE_URL",
        "PUBLIC_URL",
        "TRUSTED_HOSTS",
        "MAIL_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_with_the_default_secret_key_refuses_to_start(clean_env, tmp_path):
    clean_env.setenv("LONDONHUB_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    clean_env.setenv("SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    clean_env.setenv("SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    with pytest.raises(ConfigError):
        create_app()


def test_production_needs_secure_cookies(clean_env, tmp_path):
    clean_env.setenv("LONDONHUB_ENV", "production")
    clean_env.setenv("SECRET_KEY", PRODUCTION_SECRET)
    clean_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    clean_env.setenv("PUBLIC_URL", "https://hub.example.org")
    clean_env.setenv("MAIL_URL", "smtp://mail.example.org:587")
    assert load_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is True
    clean_env.setenv("SESSION_COOKIE_SECURE", "0")
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        load_config(str(tmp_path))


def test_production_named_in_overrides_also_defaults_to_secure_cookies(clean_env, tmp_path):
    settings = load_config(
        str(tmp_path),
        {
            "ENV_NAME": "production",
            "SECRET_KEY": PRODUCTION_SECRET,
            "REDIS_URL": "redis://r",
            "PUBLIC_URL": "https://hub.example.org",
            "MAIL_URL": "smtp://mail.example.org",
        },
    )
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_redis(clean_env, tmp_path):
    clean_env.setenv("LONDONHUB_ENV", "production")
    clean_env.setenv("SECRET_KEY", PRODUCTION_SECRET)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_config(str(tmp_path))


def test_development_defaults(clean_env, tmp_path):
    settings = load_config(str(tmp_path))
    assert settings["ENV_NAME"] == "development"
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["REDIS_URL"] is None
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'londonhub.sqlite3'}"


def test_bad_numbers_in_the_environment_are_a_clear_error(clean_env, tmp_path):
    clean_env.setenv("LOGIN_MAX_FAILURES", "five")
    with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES must be a whole number"):
        load_config(str(tmp_path))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/hub", "postgresql+psycopg://u:p@db.example:5432/hub"),
        ("postgresql://u@db/hub", "postgresql+psycopg://u@db/hub"),
        ("postgresql+psycopg://u@db/hub", "postgresql+psycopg://u@db/hub"),
        ("sqlite:///instance/x.sqlite3", "sqlite:///instance/x.sqlite3"),
    ],
)
def test_database_urls_are_normalised_to_psycopg(given, expected):
    assert normalise_database_url(given) == expected


def test_database_url_from_the_environment_is_normalised(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgres://u:p@db.example/hub")
    clean_env.setenv("MIGRATION_DATABASE_URL", "postgres://owner@db.example/hub")
    settings = load_config(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/hub"
    assert settings["MIGRATION_DATABASE_URL"] == "postgresql+psycopg://owner@db.example/hub"


@pytest.fixture
def production_app(app_config: dict, clean_env: pytest.MonkeyPatch, redis_url: str) -> Flask:
    clean_env.setenv("LONDONHUB_ENV", "production")
    config = dict(
        app_config,
        ENV_NAME="production",
        SECRET_KEY=PRODUCTION_SECRET,
        REDIS_URL=redis_url,
        MAIL_URL="smtp://mail.example.org",
    )  # PUBLIC_URL: the test client's http://localhost
    config["WTF_CSRF_ENABLED"] = True
    application = create_app(config)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_production_session_cookie_is_secure_httponly_lax_with_hsts(production_app):
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    response = production_app.test_client().get("/login")  # stores a CSRF token
    [cookie] = [
        v for v in response.headers.getlist("Set-Cookie") if v.startswith("londonhub_session=")
    ]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_proxy_the_forwarded_address_is_the_client(app_config):
    from londonhub import create_app as build

    config = dict(app_config, PROXY_COUNT=1)
    application = build(config)
    seen = []

    @application.get("/_address")
    def address():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    application.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]
    with application.app_context():
        from londonhub.platform.core.extensions import db

        db.engine.dispose()
