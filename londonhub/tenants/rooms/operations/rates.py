"""Which rate a person pays for a room, and why.

The rate follows from who the person is, never from what they choose on the form: a verified
membership of a partner organisation whose kind has a rate (a council or NHS body: public; a
national charity: community; a business: business), the workspace's own approval of their
self-declared community group (checked against the charity or company number it asks for),
or else the standard rate. A claim waiting for approval lowers nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from londonhub.integrations.oidc.services import partner_of
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import utcnow

from ..models import EVIDENCE_KINDS, ClaimStatus, CustomerType, RateClaim
from .errors import NotFound, RoomError, require_role

#: What a person pays when nothing verifies a lower rate.
STANDARD_RATE = CustomerType.BUSINESS
#: Charity numbers: England and Wales (6 or 7 digits, a linked charity's "-1" suffix),
#: Scotland (SC and 6 digits), Northern Ireland (NIC and 6 digits).
CHARITY_NUMBER = re.compile(r"\d{6,7}(-\d{1,2})?|SC\d{6}|NIC\d{6}")
#: Companies House numbers: 8 digits, or 2 letters (SC, NI, OC...) and 6 digits.
COMPANY_NUMBER = re.compile(r"\d{8}|[A-Z]{2}\d{6}")


@dataclass(frozen=True)
class Rate:
    customer: CustomerType
    #: Why this rate applies, for the buyer and for the workspace's staff.
    basis: str
    #: The person's own claim to this workspace, if any (its status says where it stands).
    claim: RateClaim | None = None


def _evidence(claim: RateClaim) -> str:
    return f"{EVIDENCE_KINDS.get(claim.evidence_kind, 'number')} {claim.evidence_number}"


def get_claim(workspace: Workspace, user: User) -> RateClaim | None:
    """The person's community-rate claim to this workspace."""
    with tenant_context(workspace.id):
        return db.session.scalar(select(RateClaim).where(RateClaim.user_id == user.id))


def rate_for(user: User, workspace: Workspace, claimed: CustomerType | None = None) -> Rate:
    """The rate this person pays in this workspace; `claimed` (what they said) only words the
    reason when it is not verified."""
    partner = partner_of(user)
    if partner is not None and partner.kind.customer_type:
        return Rate(
            CustomerType(partner.kind.customer_type),
            f"Verified member of {partner.name} ({partner.kind.label})",
        )
    claim = get_claim(workspace, user)
    if claim is not None and claim.status == ClaimStatus.APPROVED:
        return Rate(
            CustomerType.COMMUNITY,
            f"{claim.organisation_name}: community group approved by {workspace.name} "
            f"({_evidence(claim)})",
            claim,
        )
    basis = "Standard rate: no verified community or public-sector status"
    if claimed == CustomerType.COMMUNITY and claim is not None:
        if claim.status == ClaimStatus.PENDING:
            basis = (
                f"Standard rate: {claim.organisation_name} asked for the community rate "
                f"({_evidence(claim)}); {workspace.name} has not approved it yet"
            )
        else:
            basis = (
                f"Standard rate: {workspace.name} did not approve {claim.organisation_name} "
                "for the community rate"
            )
    elif claimed is not None and claimed != STANDARD_RATE:
        basis = f"Standard rate: said {claimed.label.lower()}, not verified"
    return Rate(STANDARD_RATE, basis, claim)


def normalise_number(kind: str, number: str) -> str:
    """The registration number in its usual form; raises RoomError naming the field."""
    if kind not in EVIDENCE_KINDS:
        raise RoomError("Choose a charity number or a company number", "evidence_kind")
    cleaned = re.sub(r"\s+", "", number or "").upper()
    pattern = CHARITY_NUMBER if kind == "charity" else COMPANY_NUMBER
    if not pattern.fullmatch(cleaned):
        example = "1234567 or SC012345" if kind == "charity" else "01234567 or SC123456"
        raise RoomError(
            f"Enter a real {EVIDENCE_KINDS[kind].lower()}, like {example}", "evidence_number"
        )
    return cleaned


def claim_community_rate(
    user: User, workspace: Workspace, organisation_name: str, kind: str, number: str
) -> RateClaim:
    """Ask the workspace to approve this person's group for the community rate. A new or
    changed claim waits for staff; an approved one is left as it is."""
    name = (organisation_name or "").strip()
    if not name or len(name) > 200:
        raise RoomError("Enter the name of your group, up to 200 characters", "organisation_name")
    number = normalise_number(kind, number)
    claim = get_claim(workspace, user)
    if claim is not None and claim.status == ClaimStatus.APPROVED:
        raise RoomError(
            f"{workspace.name} has already approved {claim.organisation_name} "
            "for the community rate",
            "organisation_name",
        )
    with tenant_context(workspace.id):
        if claim is None:
            claim = RateClaim(user_id=user.id)
            db.session.add(claim)
        claim.organisation_name = name
        claim.evidence_kind = kind
        claim.evidence_number = number
        claim.status = ClaimStatus.PENDING
        claim.decided_by_user_id = None
        claim.decided_at = None
        db.session.flush()
    record(
        "rooms.rate_claimed",
        f"{user.email} asked for the community rate for {name} ({_evidence(claim)})",
        workspace=workspace,
        actor=user,
        claim_id=claim.id,
    )
    return claim


def list_claims(user: User, workspace: Workspace) -> list[RateClaim]:
    """Claims to this workspace, waiting ones first, for its staff."""
    require_role(user, workspace, Role.STAFF)
    with tenant_context(workspace.id):
        claims = db.session.scalars(select(RateClaim).order_by(RateClaim.created_at.desc()))
        return sorted(claims, key=lambda c: c.status != ClaimStatus.PENDING)


def claimants(workspace: Workspace, claims: list[RateClaim]) -> dict[int, User]:
    """The people who made these claims, by user id."""
    ids = {c.user_id for c in claims}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def decide_claim(user: User, workspace: Workspace, claim_id: int, approve: bool) -> RateClaim:
    """An admin approves (or refuses, or withdraws approval of) a community-rate claim; it
    applies to the person's next quotes and bookings."""
    require_role(user, workspace, Role.ADMIN, write=True)
    with tenant_context(workspace.id):
        claim = db.session.scalar(select(RateClaim).where(RateClaim.id == claim_id))
        if claim is None:
            raise NotFound("There is no such request")
        claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        claim.decided_by_user_id = user.id
        claim.decided_at = utcnow()
        db.session.flush()
    record(
        "rooms.rate_decided",
        f"{'Approved' if approve else 'Did not approve'} {claim.organisation_name} "
        f"({_evidence(claim)}) for the community rate",
        workspace=workspace,
        actor=user,
        claim_id=claim.id,
    )
    return claim
