"""Authlib clients, one per partner and settings version. Every request they make goes
through core.http's guard (their session class), and they read the discovery document and
keys from discovery.py's shared cache, never from state kept on the client object."""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, current_app
from sqlalchemy import select

from londonhub.platform.core import http
from londonhub.platform.core.extensions import db

from ..models import PartnerOrganisation
from .discovery import ProviderSettings, metadata, signing_keys
from .secrets import decrypt_secret


class GuardedOAuth2Session(OAuth2Session):
    """Authlib's session (discovery, keys, token, user info) routed through the guard, with
    one deadline for a request and its redirects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        deadline = current_app.config.get("OIDC_HTTP_TIMEOUT_SECONDS")
        http.guard(self, http.current_policy(deadline=deadline))

    def request(self, *args: Any, **kwargs: Any) -> Any:
        with http.deadline_for(self):
            return super().request(*args, **kwargs)


class PartnerClient(FlaskOAuth2App):
    client_cls = GuardedOAuth2Session
    #: Set by client_for(): what the discovery document and keys are fetched by.
    provider: ProviderSettings

    def load_server_metadata(self) -> dict[str, Any]:
        return metadata(self.provider)

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        return signing_keys(self.provider, force=force)


class _RowOnlyIntegration(FlaskIntegration):
    """Partner clients take their settings from the partner's row only, never from
    `app.config` (`PARTNER1V1_CLIENT_SECRET` and the like)."""

    @staticmethod
    def load_config(oauth, name, params):
        return {}


class PartnerOAuth(OAuth):
    framework_integration_cls = _RowOnlyIntegration
    oauth2_client_cls = PartnerClient


OAUTH_EXTENSION = "londonhub.partner_oauth"


def init_oauth(app: Flask) -> None:
    """One OAuth registry per app (partner ids belong to that app's database)."""
    app.extensions[OAUTH_EXTENSION] = PartnerOAuth(app)
    # Authlib logs PKCE verifiers at DEBUG: keep it quiet whatever the root level is.
    logging.getLogger("authlib").setLevel(logging.WARNING)


def registry() -> PartnerOAuth:
    return current_app.extensions[OAUTH_EXTENSION]


def client_for(partner: PartnerOrganisation) -> PartnerClient:
    """The partner's Authlib client, built from its row under a versioned name: `register()`
    with an existing name returns the cached client, so a changed secret needs a new name."""
    oauth = registry()
    name = partner.client_name
    client = oauth.create_client(name)
    if client is None:
        prefix = f"partner{partner.id}v"
        for old in [n for n in oauth._registry if n.startswith(prefix) and n != name]:
            oauth._registry.pop(old, None)
            oauth._clients.pop(old, None)
        client = oauth.register(
            name,
            client_id=partner.client_id,
            client_secret=decrypt_secret(partner.client_secret_encrypted),
            client_kwargs={"scope": partner.scopes, "code_challenge_method": "S256"},
        )
    # The same for every caller of this name (the version names every setting it copies).
    client.provider = ProviderSettings.of(partner)
    return client


def provider_metadata(partner: PartnerOrganisation) -> dict[str, Any]:
    """The partner's checked discovery document (from the shared cache when it can be)."""
    return metadata(ProviderSettings.of(partner))


def form_action_origins() -> list[str]:
    """Where the sign-in form may lead (CSP form-action): the providers' authorization
    endpoints learnt so far."""
    return sorted(
        {
            origin
            for origin in db.session.scalars(
                select(PartnerOrganisation.authorization_origin).where(
                    PartnerOrganisation.is_enabled.is_(True),
                    PartnerOrganisation.authorization_origin.is_not(None),
                )
            )
            if origin
        }
    )
