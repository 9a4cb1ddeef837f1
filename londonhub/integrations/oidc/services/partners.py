"""Partner organisations: their settings, the domains they vouch for, members and identities."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from londonhub.platform.core import audit, http
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User, normalise_email

from ..models import (
    DEFAULT_SCOPES,
    PartnerDomain,
    PartnerIdentity,
    PartnerKind,
    PartnerMembership,
    PartnerOrganisation,
    PartnerRole,
)
from .errors import PartnerError
from .secrets import encrypt_secret

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SLUG_CLEAN = re.compile(r"[^a-z0-9]+")


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
    """https to a public address; plain http to this machine only where the settings allow
    it (development and tests). The guard checks again, by address, whenever it connects."""
    url = (url or "").strip()
    parts = urlsplit(url)
    try:
        http.check_url(url)
    except http.OutboundRefused as exc:
        raise PartnerError(f"{exc}", field_name) from exc
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
    allow_foreign_endpoints: bool = False,
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
        allow_foreign_endpoints=bool(allow_foreign_endpoints),
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


PROVIDER_FIELDS = ("issuer", "discovery_url", "client_id", "scopes", "allow_foreign_endpoints")


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
    allow_foreign_endpoints: bool = False,
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
        "allow_foreign_endpoints": bool(allow_foreign_endpoints),
    }
    changed = [k for k in PROVIDER_FIELDS if getattr(partner, k) != new[k]]
    kept_domains = [normalise_domain(d) for d in domains]
    removed_domains = {d.domain for d in partner.domains} - set(kept_domains)
    _set_domains(partner, kept_domains)
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
    _end_links_at(partner, removed_domains)
    if not is_enabled:
        _end_sign_in_memberships(partner)
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


def _end_link(partner: PartnerOrganisation, identity: PartnerIdentity, reason: str) -> None:
    """Unlink an identity: the membership it made ends with it, and so do the person's
    sessions (one may have come through the link)."""
    db.session.execute(
        delete(PartnerMembership).where(PartnerMembership.identity_id == identity.id)
    )
    identity.user.end_all_sessions()
    db.session.delete(identity)
    db.session.flush()
    audit.record(
        "partner.identity_revoked",
        f"Sign-in link of {identity.email} to {partner.name} revoked",
        partner_id=partner.id,
        user_id=identity.user_id,
        reason=reason,
    )


def revoke_identity(partner: PartnerOrganisation, identity_id: int) -> PartnerIdentity | None:
    """Unlink one identity of this partner (a hub admin's decision)."""
    identity = db.session.scalar(
        select(PartnerIdentity)
        .where(PartnerIdentity.id == identity_id, PartnerIdentity.partner_id == partner.id)
        .options(selectinload(PartnerIdentity.user))
    )
    if identity is None:
        return None
    _end_link(partner, identity, "revoked")
    return identity


def _end_links_at(partner: PartnerOrganisation, removed_domains: set[str]) -> int:
    """The organisation no longer vouches for these domains: the links (and the memberships
    they made) of people whose vouched-for email is there end."""
    if not removed_domains:
        return 0
    identities = [
        identity
        for identity in db.session.scalars(
            select(PartnerIdentity)
            .where(PartnerIdentity.partner_id == partner.id)
            .options(selectinload(PartnerIdentity.user))
        )
        if identity.email.rpartition("@")[2] in removed_domains
    ]
    for identity in identities:
        _end_link(partner, identity, "domain_removed")
    return len(identities)


def _end_sign_in_memberships(partner: PartnerOrganisation) -> int:
    """Sign-in is turned off: the memberships it made end (the links stay, so turning it on
    again lets people back in through their organisation)."""
    ended = db.session.execute(
        delete(PartnerMembership).where(
            PartnerMembership.partner_id == partner.id, PartnerMembership.identity_id.is_not(None)
        )
    ).rowcount
    if ended:
        audit.record(
            "partner.memberships_ended",
            f"Sign-in to {partner.name} turned off: {ended} memberships through it ended",
            partner_id=partner.id,
            count=ended,
        )
    return ended
