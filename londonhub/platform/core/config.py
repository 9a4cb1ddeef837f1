"""Configuration from environment variables: the one typed, documented place for settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"  # refused in production
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
#: Hosts a laptop or a test reaches the app by (the test client's `localhost`, a live server's
#: `127.0.0.1`), trusted outside production on top of PUBLIC_URL's host.
LOCAL_HOSTS = ("localhost", "127.0.0.1")


class ConfigError(RuntimeError):
    """The configuration cannot run safely (for example production with the default secret)."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_flag(name: str, default: bool | None) -> bool | None:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def normalise_public_url(url: str) -> str:
    """`https://hub.example.org` (an origin, no path): what every absolute link starts with."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"PUBLIC_URL must be like https://hub.example.org, got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"PUBLIC_URL must be an origin only (no path or query), got {url!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def trusted_hosts(settings: dict[str, Any]) -> list[str]:
    """Host names requests may name (Flask's TRUSTED_HOSTS): PUBLIC_URL's host, the extra
    `TRUSTED_HOSTS`, and outside production the local ones. Others answer 400."""
    hosts = [urlsplit(settings["PUBLIC_URL"]).hostname or ""]
    hosts += settings.get("EXTRA_TRUSTED_HOSTS") or []
    if settings["ENV_NAME"] != "production":
        hosts += LOCAL_HOSTS
    return list(dict.fromkeys(host.lower() for host in hosts if host))


def normalise_database_url(url: str) -> str:
    """Platforms hand out `postgres://` URLs; SQLAlchemy needs the psycopg 3 dialect named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings dict from the environment, then apply explicit overrides (tests)."""
    env = os.environ
    instance = Path(instance_path)
    default_db = f"sqlite:///{instance / 'londonhub.sqlite3'}"
    settings: dict[str, Any] = {
        # "development", "testing" or "production"; production refuses unsafe defaults.
        "ENV_NAME": env.get("LONDONHUB_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL", default_db)),
        # Migrations connect as the tables' owner; the app as a role owning nothing (RLS).
        "MIGRATION_DATABASE_URL": normalise_database_url(env.get("MIGRATION_DATABASE_URL", ""))
        or None,
        "DATABASE_APP_ROLE": env.get("DATABASE_APP_ROLE", "londonhub_app"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # The origin of every absolute link (emails, Stripe return URLs, calendar feeds, the
        # partner sign-in callback): never taken from a request's Host header. Required in
        # production; see `urls.public_url`.
        "PUBLIC_URL": env.get("PUBLIC_URL") or None,
        # More host names requests may use besides PUBLIC_URL's (comma-separated).
        "EXTRA_TRUSTED_HOSTS": _env_list("TRUSTED_HOSTS"),
        "MAIL_URL": env.get("MAIL_URL") or None,
        "MAIL_FROM": env.get(
            "MAIL_FROM", "Connecting Londoners <no-reply@connecting-londoners.test>"
        ),
        "MAIL_DIR": str(instance / "mail"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        # Uploaded files: unset keeps them in the database; s3://BUCKET?endpoint=...&region=...
        # an S3-compatible object store (see platform/core/storage.py).
        "STORAGE_URL": env.get("STORAGE_URL") or None,
        "RESOURCE_FILE_MAX_BYTES": _env_int("RESOURCE_FILE_MAX_BYTES", 10 * 1024 * 1024),
        "PLATFORM_FEE_PERCENT": _env_int("PLATFORM_FEE_PERCENT", 5),
        # Rooms: dates one person, and one organisation, may hold unpaid at once (London-wide).
        "ROOM_MAX_HELD_DATES_PER_PERSON": _env_int("ROOM_MAX_HELD_DATES_PER_PERSON", 12),
        "ROOM_MAX_HELD_DATES_PER_ORGANISATION": _env_int(
            "ROOM_MAX_HELD_DATES_PER_ORGANISATION", 24
        ),
        "VOLUNTEERING_OFFER_HOURS": _env_int("VOLUNTEERING_OFFER_HOURS", 48),
        # Anonymous public pages cached in Redis (platform/core/pagecache.py); 0 turns it off.
        "PAGE_CACHE_SECONDS": _env_int("PAGE_CACHE_SECONDS", 60),
        # Partner sign-in (OpenID Connect): Fernet key(s), comma-separated, newest first, that
        # encrypt partners' client secrets; unset: derived from SECRET_KEY.
        "OIDC_SECRET_KEY": env.get("OIDC_SECRET_KEY") or None,
        "OIDC_HTTP_TIMEOUT_SECONDS": _env_int("OIDC_HTTP_TIMEOUT_SECONDS", 10),
        # Outbound requests (core.http): one total deadline, a size cap, and plain http to
        # this machine only when allowed (development and tests; refused in production).
        "OUTBOUND_DEADLINE_SECONDS": _env_int("OUTBOUND_DEADLINE_SECONDS", 10),
        "OUTBOUND_MAX_BYTES": _env_int("OUTBOUND_MAX_BYTES", 1024 * 1024),
        "OUTBOUND_ALLOW_LOOPBACK": bool(_env_flag("OUTBOUND_ALLOW_LOOPBACK", False)),
        # Outbound webhooks: Fernet key(s) encrypting signing secrets (unset: derived from
        # SECRET_KEY), and each delivery attempt's total deadline.
        "WEBHOOK_SECRET_KEY": env.get("WEBHOOK_SECRET_KEY") or None,
        "WEBHOOK_DEADLINE_SECONDS": _env_int("WEBHOOK_DEADLINE_SECONDS", 10),
        # How long a person has at their provider before the sign-in must start again.
        "OIDC_LOGIN_MAX_AGE_SECONDS": _env_int("OIDC_LOGIN_MAX_AGE_SECONDS", 600),
        "DEMO_PASSWORD": env.get("DEMO_PASSWORD", "london-demo-2026"),
        # The shared brand: name and colours of the hub.
        "HUB_NAME": env.get("HUB_NAME", "Connecting Londoners"),
        "HUB_PRIMARY_COLOUR": env.get("HUB_PRIMARY_COLOUR", "#1d3557"),
        "HUB_ACCENT_COLOUR": env.get("HUB_ACCENT_COLOUR", "#b5179e"),
        # Uploads and tokens.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "LOGO_MAX_BYTES": _env_int("LOGO_MAX_BYTES", 512 * 1024),
        "TOKEN_MAX_AGE_SECONDS": _env_int("TOKEN_MAX_AGE_SECONDS", 24 * 3600),
        "RESET_TOKEN_MAX_AGE_SECONDS": _env_int("RESET_TOKEN_MAX_AGE_SECONDS", 3600),
        "INVITE_MAX_AGE_SECONDS": _env_int("INVITE_MAX_AGE_SECONDS", 7 * 24 * 3600),
        # Failed sign-ins allowed per (email, client address) within the window (per address
        # alone: four times as many); past them each attempt waits twice as long as the last.
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_FAILURE_WINDOW_SECONDS": _env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60),
        # The first wait once an allowance is used up; it doubles up to the window.
        "THROTTLE_BACKOFF_SECONDS": _env_int("THROTTLE_BACKOFF_SECONDS", 60),
        # Emails anyone may cause (reset, confirmation, "you already have an account"): per
        # recipient and per client address within the window.
        "MAIL_REQUESTS_PER_RECIPIENT": _env_int("MAIL_REQUESTS_PER_RECIPIENT", 3),
        "MAIL_REQUESTS_PER_CLIENT": _env_int("MAIL_REQUESTS_PER_CLIENT", 10),
        "MAIL_REQUEST_WINDOW_SECONDS": _env_int("MAIL_REQUEST_WINDOW_SECONDS", 3600),
        # The API: requests a minute per token, and per address without one.
        "API_TOKEN_PER_MINUTE": _env_int("API_TOKEN_PER_MINUTE", 300),
        "API_ANONYMOUS_PER_MINUTE": _env_int("API_ANONYMOUS_PER_MINUTE", 60),
        # Organisation sign-ins started per client address within the window.
        "SSO_STARTS_PER_CLIENT": _env_int("SSO_STARTS_PER_CLIENT", 10),
        "SSO_START_WINDOW_SECONDS": _env_int("SSO_START_WINDOW_SECONDS", 15 * 60),
        # Session cookie: signed, HttpOnly, SameSite=Lax; Secure unless explicitly local http.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None until the environment is known: see below.
        "SESSION_COOKIE_SECURE": _env_flag("SESSION_COOKIE_SECURE", None),
        "SESSION_COOKIE_NAME": "londonhub_session",
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_LIFETIME_SECONDS", 12 * 3600),
        "WTF_CSRF_TIME_LIMIT": None,
        # Pre-ping replaces connections a database restart closed; a connection attempt or a
        # wait for a pooled connection gives up soon, so requests fail fast (503) while the
        # database is away instead of holding every worker.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_timeout": _env_int("DATABASE_POOL_TIMEOUT_SECONDS", 5),
            "connect_args": {"connect_timeout": _env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 3)},
        },
        "PREFERRED_URL_SCHEME": env.get("PREFERRED_URL_SCHEME", "http"),
        # Reverse proxies in front of the app (load balancer: 1); their X-Forwarded-* headers
        # are trusted, so sign-in limits count the real address.
        "PROXY_COUNT": _env_int("PROXY_COUNT", 0),
        "SERVER_NAME": env.get("SERVER_NAME") or None,
    }
    if overrides:
        settings.update(overrides)
    if settings["SESSION_COOKIE_SECURE"] is None:
        # Secure by default in production, however production was named (env or overrides).
        settings["SESSION_COOKIE_SECURE"] = settings["ENV_NAME"] == "production"
    check_config(settings)
    settings["PUBLIC_URL"] = normalise_public_url(settings["PUBLIC_URL"] or DEFAULT_PUBLIC_URL)
    if settings.get("TRUSTED_HOSTS") is None:
        settings["TRUSTED_HOSTS"] = trusted_hosts(settings)
    return settings


def check_config(settings: dict[str, Any]) -> None:
    """Refuse to start production with settings that are only safe on a laptop."""
    if settings["ENV_NAME"] != "production":
        return
    if settings["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None) or len(settings["SECRET_KEY"]) < 32:
        raise ConfigError(
            "Production needs SECRET_KEY set to a random value of at least 32 characters."
        )
    if not settings["SESSION_COOKIE_SECURE"]:
        raise ConfigError("Production needs secure session cookies (SESSION_COOKIE_SECURE).")
    if settings.get("OUTBOUND_ALLOW_LOOPBACK"):
        raise ConfigError(
            "OUTBOUND_ALLOW_LOOPBACK is for development and tests: production fetches https "
            "from public addresses only."
        )
    if not settings["REDIS_URL"]:
        raise ConfigError(
            "Production needs REDIS_URL: jobs and sign-in limits must be shared by every process."
        )
    if not settings.get("PUBLIC_URL"):
        raise ConfigError(
            "Production needs PUBLIC_URL (e.g. https://hub.example.org): links in emails must "
            "never be built from the Host a request names."
        )
    if not settings.get("MAIL_URL"):
        raise ConfigError(
            "Production needs MAIL_URL: without it emails (with reset and invitation links) "
            "would be written to local files."
        )
