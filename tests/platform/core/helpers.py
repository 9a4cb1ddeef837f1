"""Helpers shared by the identity, sign-in and core platform tests."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

SESSION_COOKIE = "londonhub_session"


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie is not None else None


def client_with_cookie(app: Flask, value: str) -> FlaskClient:
    """A fresh client (a different browser) carrying a copied session cookie."""
    other = app.test_client()
    other.set_cookie(SESSION_COOKIE, value)
    return other


def signed_in(client: FlaskClient) -> bool:
    """Whether /account answers as a signed-in person (not a redirect to /login)."""
    response = client.get("/account")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def csrf_token_in(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def field_error(html: str, field_id: str) -> str | None:
    """The error message rendered next to a field by the brand's field() macro."""
    match = re.search(
        rf'<span class="error-message" id="{re.escape(field_id)}-error">'
        r'<span class="visually-hidden">Error:</span>\s*([^<]*)</span>',
        html,
    )
    return match.group(1).strip() if match else None


def reload_user(email: str) -> User | None:
    """The user as committed now (the test's session may hold stale copies)."""
    db.session.rollback()
    return db.session.scalar(db.select(User).where(User.email == email))
