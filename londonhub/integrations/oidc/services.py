"""Partner organisations and their sign-in through OpenID Connect: plain functions, no
`request`. The browser half of the authorisation-code flow lives in views.py.

Rules (DESIGN.md, Identity and roles; PATTERNS.md, Authlib and OpenID Connect):
- an identity is keyed on (issuer, subject), never on email alone;
- a first sign-in creates an account only for an email the provider verified, in a domain
  the organisation vouches for; it never takes over an existing account: the owner links it
  by signing in with their password once;
- each partner's Authlib client is built from its database row, registered under
  `partner{id}v{version}`, and never reads `app.config` defaults.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import FlaskIntegration, OAuth
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from londonhub.platform.core import audit
from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User, get_user_by_email, normalise_email
from londonhub.platform.core.timeutil import utcnow

from .models import (
    DEFAULT_SCOPES,
    PartnerDomain,
    PartnerIdentity,
    PartnerKind,
    PartnerMembership,
    PartnerOrganisation,
    PartnerRole,
    SsoReplayGuard,
)

log = logging.getLogger(__name__)

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SLUG_CLEAN = re.compile(r"[^a-z0-9]+")
#: Discovery documents and keys are fetched again after this long.
METADATA_MAX_AGE_SECONDS = 3600
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class PartnerError(ValueError):
    """Invalid partner settings; `field` names the form field to show it next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ProviderUnavailable(RuntimeError):
    """The organisation's provider could not be reached or answered nonsense."""


class SignInRefused(Exception):
    """A sign-in that must not go ahead. `reason` is a short code for the audit log;
    the message is what the person reads."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class LinkRequired(Exception):  # noqa: N818 - a flow outcome, not an error
    """The provider vouched for an email that already has an account here: its owner must
    sign in with their password once to link the identity."""

    partner_id: int
    issuer: str
    subject: str
    email: str
    role: str


@dataclass
class SignInResult:
    user: User
    partner: PartnerOrganisation
    created: bool = False


# --- the client secret, encrypted at rest ------------------------------------------------------


def _fernet() -> MultiFernet:
    """OIDC_SECRET_KEY: one or more Fernet keys, comma-separated, newest first (rotation).
    Unset (development, tests): a key derived from SECRET_KEY."""
    raw = current_app.config.get("OIDC_SECRET_KEY") or ""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        digest = hashlib.sha256(
            b"londonhub:oidc-client-secret:" + current_app.config["SECRET_KEY"].encode()
        ).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise RuntimeError(
            "OIDC_SECRET_KEY must be Fernet keys (32 url-safe base64-encoded bytes each)"
        ) from exc


def encrypt_secret(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt_secret(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise ProviderUnavailable(
            "The stored client secret cannot be read with the current OIDC_SECRET_KEY"
        ) from exc


# --- partner organisations ---------------------------------------------------------------------


def normalise_domain(value: str) -> str:
    return value.strip().lower().lstrip("@").rstrip(".")


def parse_domains(text: str) -> list[str]:
    """Domains separated by commas, spaces or new lines; each checked."""
    domains = []
    for raw in re.split(r"[\s,;]+", text or ""):
        if not raw.strip():
            continue
        domain = normalise_domain(raw)
        if not DOMAIN_PATTERN.match(domain):
            raise PartnerError(
                f"{raw.strip()} is not an email domain, like council.gov.uk", "domains"
            )
        if domain not in domains:
            domains.append(domain)
    if not domains:
        raise PartnerError("Enter at least one email domain, like council.gov.uk", "domains")
    return domains


def check_provider_url(url: str, field_name: str) -> str:
    """https, or plain http on this machine only (development and tests)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if not parts.netloc or parts.scheme not in ("https", "http"):
        raise PartnerError("Enter a full web address starting with https://", field_name)
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise PartnerError("The provider's address must start with https://", field_name)
    if parts.query or parts.fragment:
        raise PartnerError("The address must not have a query or fragment", field_name)
    return url


def parse_role_rules(text: str) -> list[dict[str, str]]:
    """One rule a line: `CLAIM = VALUE -> ROLE`, e.g. `groups = hub-partners-admin -> admin`."""
    rules = []
    roles = {r.value for r in PartnerRole}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_:.\-/]+)\s*=\s*(.+?)\s*->\s*([a-z]+)", line)
        if not match or match.group(3) not in roles:
            raise PartnerError(
                f"Line {number}: write each rule as claim = value -> admin (or member)",
                "role_rules",
            )
        rules.append({"claim": match.group(1), "value": match.group(2), "role": match.group(3)})
    return rules


def format_role_rules(rules: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['claim']} = {r['value']} -> {r['role']}" for r in rules or [])


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    base = SLUG_CLEAN.sub("-", name.lower()).strip("-")[:50] or "partner"
    slug, n = base, 1
    while True:
        query = select(PartnerOrganisation.id).where(PartnerOrganisation.slug == slug)
        if exclude_id is not None:
            query = query.where(PartnerOrganisation.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _set_domains(partner: PartnerOrganisation, domains: list[str]) -> None:
    taken = db.session.execute(
        select(PartnerDomain.domain, PartnerDomain.partner_id, PartnerOrganisation.name)
        .join(PartnerOrganisation, PartnerDomain.partner_id == PartnerOrganisation.id)
        .where(PartnerDomain.domain.in_(domains))
    ).all()
    for domain, owner_id, owner in taken:
        if owner_id != partner.id:
            raise PartnerError(f"{domain} already belongs to {owner}", "domains")
    keep = [d for d in partner.domains if d.domain in domains]
    existing = {d.domain for d in keep}
    partner.domains = keep + [PartnerDomain(domain=d) for d in domains if d not in existing]


def create_partner(
    *,
    name: str,
    kind: PartnerKind | str,
    domains: list[str],
    issuer: str,
    client_id: str,
    client_secret: str,
    discovery_url: str | None = None,
    scopes: str = DEFAULT_SCOPES,
    role_rules: list[dict[str, str]] | None = None,
) -> PartnerOrganisation:
    name = (name or "").strip()
    if not name:
        raise PartnerError("Enter the organisation's name", "name")
    if not (client_id or "").strip():
        raise PartnerError("Enter the client ID from the organisation's provider", "client_id")
    if not client_secret:
        raise PartnerError(
            "Enter the client secret from the organisation's provider", "client_secret"
        )
    partner = PartnerOrganisation(
        slug=_unique_slug(name),
        name=name,
        kind=PartnerKind(kind),
        issuer=check_provider_url(issuer, "issuer"),
        discovery_url=check_provider_url(discovery_url, "discovery_url") if discovery_url else None,
        client_id=client_id.strip(),
        client_secret_encrypted=encrypt_secret(client_secret),
        scopes=_check_scopes(scopes),
        role_rules=role_rules or [],
        config_version=1,
        domains=[],
    )
    _set_domains(partner, [normalise_domain(d) for d in domains])
    db.session.add(partner)
    db.session.flush()
    audit.record(
        "partner.created",
        f"Partner organisation {partner.name} added",
        partner_id=partner.id,
        domains=[d.domain for d in partner.domains],
    )
    return partner


def _check_scopes(scopes: str) -> str:
    words = (scopes or DEFAULT_SCOPES).split()
    if "openid" not in words:
        raise PartnerError("Scopes must include openid", "scopes")
    if "email" not in words:
        raise PartnerError("Scopes must include email: sign-in needs the verified email", "scopes")
    return " ".join(dict.fromkeys(words))


PROVIDER_FIELDS = ("issuer", "discovery_url", "client_id", "scopes")


def update_partner(
    partner: PartnerOrganisation,
    *,
    name: str,
    kind: PartnerKind | str,
    domains: list[str],
    issuer: str,
    client_id: str,
    client_secret: str | None = None,
    discovery_url: str | None = None,
    scopes: str = DEFAULT_SCOPES,
    role_rules: list[dict[str, str]] | None = None,
    is_enabled: bool = True,
) -> PartnerOrganisation:
    """Change a partner; an empty `client_secret` keeps the stored one. Any change to the
    provider settings bumps `config_version`, so every process builds a fresh client."""
    name = (name or "").strip()
    if not name:
        raise PartnerError("Enter the organisation's name", "name")
    if not (client_id or "").strip():
        raise PartnerError("Enter the client ID from the organisation's provider", "client_id")
    new = {
        "issuer": check_provider_url(issuer, "issuer"),
        "discovery_url": check_provider_url(discovery_url, "discovery_url")
        if discovery_url
        else None,
        "client_id": client_id.strip(),
        "scopes": _check_scopes(scopes),
    }
    changed = [k for k in PROVIDER_FIELDS if getattr(partner, k) != new[k]]
    _set_domains(partner, [normalise_domain(d) for d in domains])
    for key, value in new.items():
        setattr(partner, key, value)
    if client_secret:
        partner.client_secret_encrypted = encrypt_secret(client_secret)
        changed.append("client_secret")
    if changed:
        partner.config_version += 1
        partner.authorization_origin = None
    if partner.name != name:
        partner.name = name
        partner.slug = _unique_slug(name, exclude_id=partner.id)
    partner.kind = PartnerKind(kind)
    partner.role_rules = role_rules or []
    partner.is_enabled = is_enabled
    db.session.flush()
    audit.record(
        "partner.updated",
        f"Partner organisation {partner.name} changed",
        partner_id=partner.id,
        provider_fields_changed=changed,  # the names only, never the values
        enabled=is_enabled,
    )
    return partner


def list_partners() -> list[PartnerOrganisation]:
    return list(db.session.scalars(select(PartnerOrganisation).order_by(PartnerOrganisation.name)))


def get_partner(partner_id: int) -> PartnerOrganisation | None:
    return db.session.get(PartnerOrganisation, partner_id)


def get_partner_by_slug(slug: str) -> PartnerOrganisation | None:
    return db.session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.slug == slug))


def partner_for_email(email: str) -> PartnerOrganisation | None:
    """The organisation vouching for this email's domain, or None."""
    _, _, domain = normalise_email(email).rpartition("@")
    return db.session.scalar(
        select(PartnerOrganisation)
        .join(PartnerDomain, PartnerDomain.partner_id == PartnerOrganisation.id)
        .where(PartnerDomain.domain == normalise_domain(domain))
    )


def member_counts(partner_ids: list[int]) -> dict[int, int]:
    if not partner_ids:
        return {}
    rows = db.session.execute(
        select(PartnerMembership.partner_id, func.count())
        .where(PartnerMembership.partner_id.in_(partner_ids))
        .group_by(PartnerMembership.partner_id)
    )
    return {partner_id: number for partner_id, number in rows}


def members_of(partner: PartnerOrganisation) -> list[PartnerMembership]:
    return list(
        db.session.scalars(
            select(PartnerMembership)
            .where(PartnerMembership.partner_id == partner.id)
            .options(selectinload(PartnerMembership.user))
            .order_by(PartnerMembership.created_at)
        )
    )


def identities_of(partner: PartnerOrganisation) -> list[PartnerIdentity]:
    return list(
        db.session.scalars(
            select(PartnerIdentity)
            .where(PartnerIdentity.partner_id == partner.id)
            .options(selectinload(PartnerIdentity.user))
            .order_by(PartnerIdentity.created_at)
        )
    )


def memberships_of_user(user: User) -> list[PartnerMembership]:
    return list(
        db.session.scalars(
            select(PartnerMembership)
            .where(PartnerMembership.user_id == user.id)
            .options(selectinload(PartnerMembership.partner))
        )
    )


def membership_of(user: Any, partner: PartnerOrganisation) -> PartnerMembership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(PartnerMembership).where(
            PartnerMembership.partner_id == partner.id, PartnerMembership.user_id == user.id
        )
    )


def partner_of(user: Any) -> PartnerOrganisation | None:
    """The partner organisation a signed-in person acts for (their first, if several)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(PartnerOrganisation)
        .join(PartnerMembership, PartnerMembership.partner_id == PartnerOrganisation.id)
        .where(PartnerMembership.user_id == user.id, PartnerOrganisation.is_enabled)
        .order_by(PartnerMembership.created_at, PartnerMembership.id)
        .limit(1)
    )


def revoke_identity(partner: PartnerOrganisation, identity_id: int) -> PartnerIdentity | None:
    """Unlink one identity of this partner; the person's sessions end with it."""
    identity = db.session.scalar(
        select(PartnerIdentity)
        .where(PartnerIdentity.id == identity_id, PartnerIdentity.partner_id == partner.id)
        .options(selectinload(PartnerIdentity.user))
    )
    if identity is None:
        return None
    identity.user.end_all_sessions()
    db.session.delete(identity)
    db.session.flush()
    audit.record(
        "partner.identity_revoked",
        f"Sign-in link of {identity.email} to {partner.name} revoked",
        partner_id=partner.id,
        user_id=identity.user_id,
    )
    return identity


# --- Authlib clients, one per partner and settings version -------------------------------------


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


# --- sign-in -----------------------------------------------------------------------------------


def use_once(kind: str, value: str) -> None:
    """Record a `state` or `nonce` as used; a second use raises SignInRefused."""
    key = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    db.session.execute(
        delete(SsoReplayGuard).where(SsoReplayGuard.created_at < utcnow() - timedelta(days=1))
    )
    if db.session.get(SsoReplayGuard, key) is not None:
        raise SignInRefused(f"replayed_{kind}", "This sign-in link has already been used.")
    db.session.add(SsoReplayGuard(key=key))
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise SignInRefused(f"replayed_{kind}", "This sign-in link has already been used.") from exc


def _claim_matches(claims: dict[str, Any], claim: str, value: str) -> bool:
    found = claims.get(claim)
    if isinstance(found, list | tuple):
        return value in [str(v) for v in found]
    return found is not None and str(found) == value


def role_from_claims(partner: PartnerOrganisation, claims: dict[str, Any]) -> PartnerRole:
    """The strongest role any rule grants; a member when none matches."""
    for rule in partner.role_rules or []:
        if rule.get("role") == PartnerRole.ADMIN and _claim_matches(
            claims, rule["claim"], rule["value"]
        ):
            return PartnerRole.ADMIN
    return PartnerRole.MEMBER


def _email_verified(claims: dict[str, Any]) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _display_name(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name") or " ".join(
        str(claims[k]) for k in ("given_name", "family_name") if claims.get(k)
    )
    return (str(name).strip() or email.partition("@")[0])[:200]


def _ensure_membership(user: User, partner: PartnerOrganisation, role: PartnerRole) -> None:
    membership = db.session.scalar(
        select(PartnerMembership).where(
            PartnerMembership.partner_id == partner.id, PartnerMembership.user_id == user.id
        )
    )
    if membership is None:
        db.session.add(PartnerMembership(partner_id=partner.id, user_id=user.id, role=role))
    elif partner.role_rules and membership.role != role:
        # With claim mapping configured, the provider's claims decide the role every time.
        membership.role = role
    db.session.flush()


def complete_sign_in(partner: PartnerOrganisation, claims: dict[str, Any]) -> SignInResult:
    """Decide who the validated ID token's claims sign in. Raises SignInRefused or
    LinkRequired; creates nothing unless the sign-in goes ahead."""
    subject = str(claims.get("sub") or "")
    issuer = str(claims.get("iss") or "")
    if not subject or issuer != partner.issuer:
        raise SignInRefused("bad_claims", "Your organisation's sign-in did not say who you are.")
    role = role_from_claims(partner, claims)
    identity = db.session.scalar(
        select(PartnerIdentity)
        .where(PartnerIdentity.issuer == issuer, PartnerIdentity.subject == subject)
        .options(selectinload(PartnerIdentity.user))
    )
    if identity is not None:
        if identity.partner_id != partner.id:
            raise SignInRefused(
                "identity_of_other_partner",
                "This account belongs to another organisation's sign-in.",
            )
        user = identity.user
        if user.is_disabled:
            raise SignInRefused("account_disabled", "This account has been disabled.")
        identity.last_sign_in_at = utcnow()
        _ensure_membership(user, partner, role)
        return SignInResult(user=user, partner=partner)

    email = normalise_email(str(claims.get("email") or ""))
    if not email or "@" not in email:
        raise SignInRefused(
            "no_email", "Your organisation's sign-in did not share your email address."
        )
    if not _email_verified(claims):
        raise SignInRefused(
            "email_not_verified",
            "Your organisation's sign-in has not verified your email address, so we cannot "
            "create an account from it. Ask your organisation's IT team to verify it.",
        )
    domain = email.rpartition("@")[2]
    if domain not in {d.domain for d in partner.domains}:
        raise SignInRefused(
            "domain_not_vouched",
            f"{partner.name} does not vouch for email addresses at {domain}.",
        )
    existing = get_user_by_email(email)
    if existing is not None:
        raise LinkRequired(
            partner_id=partner.id, issuer=issuer, subject=subject, email=email, role=role.value
        )
    user = create_user(email, _display_name(claims, email), None, verified=True)
    db.session.add(
        PartnerIdentity(
            partner_id=partner.id,
            user_id=user.id,
            issuer=issuer,
            subject=subject,
            email=email,
            last_sign_in_at=utcnow(),
        )
    )
    _ensure_membership(user, partner, role)
    audit.record(
        "partner_sso.provisioned",
        f"Account created for {email} through {partner.name}'s sign-in",
        actor=user,
        partner_id=partner.id,
    )
    return SignInResult(user=user, partner=partner, created=True)


def link_identity(user: User, link: LinkRequired) -> PartnerOrganisation:
    """Link a provider identity to the signed-in `user`, whose email it vouched for."""
    partner = get_partner(link.partner_id)
    if partner is None or not partner.is_enabled:
        raise SignInRefused("partner_unavailable", "This organisation's sign-in is not available.")
    if user.email != normalise_email(link.email):
        raise SignInRefused(
            "link_wrong_account",
            f"You are signed in as {user.email}, but your organisation vouched for "
            f"{link.email}. Sign in with that account to link it.",
        )
    taken = db.session.scalar(
        select(PartnerIdentity).where(
            PartnerIdentity.issuer == link.issuer, PartnerIdentity.subject == link.subject
        )
    )
    if taken is not None:
        if taken.user_id == user.id:
            return partner
        raise SignInRefused("identity_taken", "That sign-in is already linked to another account.")
    db.session.add(
        PartnerIdentity(
            partner_id=partner.id,
            user_id=user.id,
            issuer=link.issuer,
            subject=link.subject,
            email=user.email,
            last_sign_in_at=utcnow(),
        )
    )
    _ensure_membership(user, partner, PartnerRole(link.role))
    audit.record(
        "partner_sso.linked",
        f"{user.email} linked their account to {partner.name}'s sign-in",
        actor=user,
        partner_id=partner.id,
    )
    return partner
