"""Who a provider's validated claims sign in: provisioning, linking, memberships, replay
guard. Plain functions, no `request`: the browser half lives in views.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from londonhub.platform.core import audit
from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User, get_user_by_email, normalise_email
from londonhub.platform.core.timeutil import utcnow

from ..models import (
    PartnerIdentity,
    PartnerMembership,
    PartnerOrganisation,
    PartnerRole,
    SsoReplayGuard,
)
from .errors import LinkRequired, SignInRefused
from .partners import get_partner


@dataclass
class SignInResult:
    user: User
    partner: PartnerOrganisation
    created: bool = False


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
    """Only a JSON `true` counts; the string "true" does not.

    OpenID Connect Core 1.0 (5.1) makes `email_verified` a boolean. Reading strings invites
    reading "false", a non-empty and so truthy string, as verified, which provisions an
    account (or offers one for linking) for an address nobody verified. A provider that sends
    strings is refused, with its own audit reason (`email_verified_not_boolean`), until it
    sends booleans: a refused sign-in is recoverable, an account for an unverified address is
    not."""
    return claims.get("email_verified") is True


def _display_name(claims: dict[str, Any], email: str) -> str:
    name = claims.get("name") or " ".join(
        str(claims[k]) for k in ("given_name", "family_name") if claims.get(k)
    )
    return (str(name).strip() or email.partition("@")[0])[:200]


def _ensure_membership(
    user: User, partner: PartnerOrganisation, role: PartnerRole, identity: PartnerIdentity
) -> None:
    """The person's place in the organisation, made by this sign-in link (so it ends with
    it). A place given otherwise is kept as it is."""
    membership = db.session.scalar(
        select(PartnerMembership).where(
            PartnerMembership.partner_id == partner.id, PartnerMembership.user_id == user.id
        )
    )
    if membership is None:
        db.session.flush()  # the identity's id
        db.session.add(
            PartnerMembership(
                partner_id=partner.id, user_id=user.id, role=role, identity_id=identity.id
            )
        )
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
        _ensure_membership(user, partner, role, identity)
        return SignInResult(user=user, partner=partner)

    email = normalise_email(str(claims.get("email") or ""))
    if not email or "@" not in email:
        raise SignInRefused(
            "no_email", "Your organisation's sign-in did not share your email address."
        )
    if not _email_verified(claims):
        value = claims.get("email_verified")
        raise SignInRefused(
            "email_not_verified"
            if value is None or isinstance(value, bool)
            else "email_verified_not_boolean",
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
    identity = PartnerIdentity(
        partner_id=partner.id,
        user_id=user.id,
        issuer=issuer,
        subject=subject,
        email=email,
        last_sign_in_at=utcnow(),
    )
    db.session.add(identity)
    _ensure_membership(user, partner, role, identity)
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
    identity = PartnerIdentity(
        partner_id=partner.id,
        user_id=user.id,
        issuer=link.issuer,
        subject=link.subject,
        email=user.email,
        last_sign_in_at=utcnow(),
    )
    db.session.add(identity)
    _ensure_membership(user, partner, PartnerRole(link.role), identity)
    audit.record(
        "partner_sso.linked",
        f"{user.email} linked their account to {partner.name}'s sign-in",
        actor=user,
        partner_id=partner.id,
    )
    return partner
