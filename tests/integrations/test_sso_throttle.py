"""Anyone can POST a work email to /login/sso: each post writes an audit row and may fetch a
provider's metadata, so posts are throttled per client address before either happens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from londonhub.integrations.oidc import services
from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db

ATTACKER = "203.0.113.66"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    # A first wait long enough that a slow machine still reads "10 minutes" after 50 posts.
    app_config["THROTTLE_BACKOFF_SECONDS"] = 600
    return app_config


def post(client, email: str, address: str = ATTACKER):
    return client.post("/login/sso", data={"email": email}, environ_base={"REMOTE_ADDR": address})


def audit_rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_fifty_anonymous_posts_write_ten_audit_rows_and_then_say_when_to_try_again(client):
    answers = [post(client, f"x{n}@unknown.example").status_code for n in range(50)]
    assert answers == [200] * 10 + [429] * 40
    assert audit_rows() == 10
    slowed = post(client, "someone@unknown.example")
    assert 540 < int(slowed.headers["Retry-After"]) <= 600
    assert "Too many sign-in attempts from your network. Try again in 10 minutes." in slowed.text
    # Someone else is not affected.
    assert post(client, "someone@unknown.example", "198.51.100.7").status_code == 200


def test_throttled_posts_fetch_nothing_from_providers(client, provider, make_partner, monkeypatch):
    make_partner(provider)
    fetches = []
    real = services.provider_metadata

    def counting(partner):
        fetches.append(partner.id)
        return real(partner)

    monkeypatch.setattr(services, "provider_metadata", counting)
    answers = [post(client, "ada@camden.gov.uk").status_code for _ in range(50)]
    assert answers.count(429) == 40
    assert len(fetches) == 10
