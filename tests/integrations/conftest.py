"""Fixtures: real OpenID Connect providers on 127.0.0.1 and partner organisations using them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import PartnerKind
from londonhub.platform.core.extensions import db

from .provider import Provider, callback_path, run_provider

TEST_CALLBACK = "http://localhost/login/sso/callback"


@pytest.fixture(autouse=True)
def allow_loopback_providers(app_config: dict) -> dict:
    """The test providers serve plain http on 127.0.0.1: the outbound guard allows that
    only when told to (never in production)."""
    app_config["OUTBOUND_ALLOW_LOOPBACK"] = True
    return app_config


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider's own check
    with run_provider() as running:
        yield running


@pytest.fixture
def second_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with run_provider() as running:
        yield running


@dataclass
class PartnerSetup:
    id: int
    slug: str
    name: str
    client_id: str
    client_secret: str
    provider: Provider


@pytest.fixture
def make_partner(app) -> Callable[..., PartnerSetup]:
    def factory(
        provider: Provider,
        name: str = "Camden Council",
        domains: tuple[str, ...] = ("camden.gov.uk",),
        *,
        role_rules: list[dict[str, str]] | None = None,
        kind: PartnerKind = PartnerKind.COUNCIL,
        learn_origin: bool = True,
        extra_redirect_uris: tuple[str, ...] = (),
    ) -> PartnerSetup:
        client_id, secret = provider.register_client(TEST_CALLBACK, *extra_redirect_uris)
        partner = services.create_partner(
            name=name,
            kind=kind,
            domains=list(domains),
            issuer=provider.issuer,
            client_id=client_id,
            client_secret=secret,
            role_rules=role_rules,
        )
        if learn_origin:  # as "Test connection" does
            partner.authorization_origin = provider.base_url
        db.session.commit()
        return PartnerSetup(partner.id, partner.slug, partner.name, client_id, secret, provider)

    return factory


def start_sso(client: FlaskClient, email: str) -> str:
    """POST the work email; returns the provider's authorization URL."""
    response = client.post("/login/sso", data={"email": email})
    if response.status_code == 302:
        return response.headers["Location"]
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    match = re.search(r'<a class="button" href="([^"]+)">Continue to', response.get_data(True))
    assert match, response.get_data(as_text=True)[-2000:]
    return match.group(1).replace("&amp;", "&")


def sso_sign_in(client: FlaskClient, provider: Provider, email: str, sub: str):
    """The whole authorisation-code flow; returns our callback's response."""
    authorization_url = start_sso(client, email)
    return client.get(callback_path(provider.authorize(authorization_url, sub)))
