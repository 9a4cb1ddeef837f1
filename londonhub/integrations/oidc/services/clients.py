"""Authlib clients, one per partner and settings version; the discovery document; the hub
admin's connection test."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import FlaskIntegration, OAuth
from flask import Flask, current_app
from sqlalchemy import select

from londonhub.platform.core import audit
from londonhub.platform.core.extensions import db

from ..models import PartnerOrganisation
from .errors import ProviderUnavailable
from .secrets import decrypt_secret

#: Discovery documents and keys are fetched again after this long.
METADATA_MAX_AGE_SECONDS = 3600


class _RowOnlyIntegration(FlaskIntegration):
    """Partner clients take their settings from the partner's row only, never from
    `app.config` (`PARTNER1V1_CLIENT_SECRET` and the like)."""

    @staticmethod
    def load_config(oauth, name, params):  # noqa: ANN001, ANN205
        return {}


class PartnerOAuth(OAuth):
    framework_integration_cls = _RowOnlyIntegration


OAUTH_EXTENSION = "londonhub.partner_oauth"


def init_oauth(app: Flask) -> None:
    """One OAuth registry per app (partner ids belong to that app's database)."""
    app.extensions[OAUTH_EXTENSION] = PartnerOAuth(app)
    # Authlib logs PKCE verifiers at DEBUG: keep it quiet whatever the root level is.
    logging.getLogger("authlib").setLevel(logging.WARNING)


def registry() -> PartnerOAuth:
    return current_app.extensions[OAUTH_EXTENSION]


def client_for(partner: PartnerOrganisation):  # noqa: ANN201
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
            server_metadata_url=partner.metadata_url,
            client_kwargs={
                "scope": partner.scopes,
                "code_challenge_method": "S256",
                "default_timeout": current_app.config.get("OIDC_HTTP_TIMEOUT_SECONDS", 10),
            },
        )
    loaded = client.server_metadata.get("_loaded_at")
    if loaded and time.time() - loaded > METADATA_MAX_AGE_SECONDS:
        client.server_metadata.clear()
    return client


def provider_metadata(partner: PartnerOrganisation) -> dict[str, Any]:
    """The discovery document (cached on the client); its issuer must be the partner's."""
    client = client_for(partner)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        client.server_metadata.clear()
        raise ProviderUnavailable(f"discovery document unavailable ({type(exc).__name__})") from exc
    if metadata.get("issuer") != partner.issuer:
        client.server_metadata.clear()
        raise ProviderUnavailable("the discovery document names another issuer")
    if not metadata.get("authorization_endpoint") or not metadata.get("token_endpoint"):
        client.server_metadata.clear()
        raise ProviderUnavailable("the discovery document lacks its endpoints")
    return metadata


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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


@dataclass
class ConnectionReport:
    ok: bool
    found: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_connection(partner: PartnerOrganisation) -> ConnectionReport:
    """Fetch the discovery document and the keys afresh, and say what they hold."""
    report = ConnectionReport(ok=False)
    timeout = current_app.config.get("OIDC_HTTP_TIMEOUT_SECONDS", 10)
    try:
        response = requests.get(partner.metadata_url, timeout=timeout)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as exc:
        report.problems.append(
            f"Could not read the discovery document at {partner.metadata_url} "
            f"({type(exc).__name__})."
        )
        return report
    issuer = str(metadata.get("issuer", ""))
    report.found.append(("Issuer", issuer or "missing"))
    if issuer != partner.issuer:
        report.problems.append(
            f"The provider says its issuer is {issuer or 'nothing'}, not {partner.issuer}."
        )
    for key, label in (
        ("authorization_endpoint", "Authorization endpoint"),
        ("token_endpoint", "Token endpoint"),
        ("userinfo_endpoint", "User info endpoint"),
        ("end_session_endpoint", "Sign-out endpoint (RP-initiated logout)"),
    ):
        value = metadata.get(key)
        report.found.append((label, str(value) if value else "not offered"))
        if not value and key in ("authorization_endpoint", "token_endpoint"):
            report.problems.append(f"The discovery document has no {key}.")
    algorithms = metadata.get("id_token_signing_alg_values_supported") or []
    report.found.append(("ID token signing", ", ".join(map(str, algorithms)) or "not stated"))
    jwks_uri = metadata.get("jwks_uri")
    if not jwks_uri:
        report.problems.append("The discovery document has no jwks_uri.")
    else:
        try:
            keys_response = requests.get(jwks_uri, timeout=timeout)
            keys_response.raise_for_status()
            keys = keys_response.json().get("keys", [])
        except (requests.RequestException, ValueError, AttributeError) as exc:
            report.problems.append(f"Could not read the signing keys ({type(exc).__name__}).")
        else:
            report.found.append(("Signing keys", str(len(keys))))
            if not keys:
                report.problems.append("The provider publishes no signing keys.")
    report.ok = not report.problems
    if report.ok and metadata.get("authorization_endpoint"):
        partner.authorization_origin = origin_of(metadata["authorization_endpoint"])
    audit.record(
        "partner.connection_tested",
        f"Connection to {partner.name}'s provider tested: {'ok' if report.ok else 'problems'}",
        partner_id=partner.id,
        ok=report.ok,
    )
    return report
