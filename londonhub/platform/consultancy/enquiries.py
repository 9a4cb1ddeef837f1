"""Enquiries: what an organisation needs, sent to an associate or to the hub to match; read
only by the client who sent it, the associate it is addressed to, and hub admins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

from .associates import ConsultancyError, NotAllowed, NotFound
from .models import (
    BOROUGHS,
    INCOME_BANDS,
    Associate,
    AssociateStatus,
    Enquiry,
    EnquiryStatus,
    Offer,
)
from .scope import mine


@dataclass
class EnquiryDraft:
    organisation: str
    needs: str
    borough: str = ""
    income_band: str = ""
    budget_pence: int | None = None
    timescale: str = ""


def send_enquiry(
    client: User, draft: EnquiryDraft, associate_slug: str = "", offer_id: int | None = None
) -> Enquiry:
    """To an associate taking work, or (no associate) to the hub to match."""
    associate = None
    if associate_slug:
        associate = db.session.scalar(select(Associate).where(Associate.slug == associate_slug))
        if associate is None or not associate.listed:
            raise NotFound("No such associate")
        if not associate.taking_work:
            raise ConsultancyError(
                f"{associate.name} is not taking new work just now: send your enquiry to "
                "the hub instead and we will match you with someone",
                "needs",
            )
        if associate.user_id == client.id:
            raise ConsultancyError("You cannot send an enquiry to yourself", "needs")
    offer = None
    if offer_id is not None:
        offer = db.session.get(Offer, offer_id)
        if offer is None or not offer.published or associate is None:
            raise NotFound("No such offer")
        if offer.associate_id != associate.id:
            raise NotFound("No such offer")
    if not draft.organisation.strip():
        raise ConsultancyError("Enter the name of your organisation", "organisation")
    if not draft.needs.strip():
        raise ConsultancyError("Tell us what you need help with", "needs")
    if draft.borough and draft.borough not in BOROUGHS:
        raise ConsultancyError("Choose a London borough", "borough")
    if draft.income_band and draft.income_band not in INCOME_BANDS:
        raise ConsultancyError("Choose your organisation's annual income", "income_band")
    if draft.budget_pence is not None and draft.budget_pence < 0:
        raise ConsultancyError("Enter a budget of £0 or more", "budget")
    enquiry = Enquiry(
        client_user_id=client.id,
        associate_id=associate.id if associate else None,
        offer_id=offer.id if offer else None,
        organisation=draft.organisation.strip()[:200],
        borough=draft.borough,
        income_band=draft.income_band,
        needs=draft.needs.strip()[:10_000],
        budget_pence=draft.budget_pence,
        timescale=draft.timescale.strip()[:200],
    )
    db.session.add(enquiry)
    db.session.flush()
    return enquiry


def get_enquiry(user: User, enquiry_id: int) -> Enquiry:
    enquiry = db.session.scalar(
        select(Enquiry).where(
            Enquiry.id == enquiry_id,
            mine(user, Enquiry.client_user_id, Enquiry.associate_id),
        )
    )
    if enquiry is None:
        raise NotFound("No such enquiry")
    return enquiry


def list_enquiries(user: User) -> list[tuple[Enquiry, Associate | None]]:
    rows = db.session.execute(
        select(Enquiry, Associate)
        .outerjoin(Associate, Associate.id == Enquiry.associate_id)
        .where(mine(user, Enquiry.client_user_id, Enquiry.associate_id))
        .order_by(Enquiry.created_at.desc(), Enquiry.id.desc())
        .limit(200)
    ).all()
    return [(e, a) for e, a in rows]


def assign_enquiry(actor: User, enquiry_id: int, associate_id: int | None) -> Enquiry:
    """The hub matches an enquiry sent to it with an approved associate."""
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins match enquiries with associates")
    enquiry = get_enquiry(actor, enquiry_id)
    associate = db.session.get(Associate, associate_id) if associate_id else None
    if associate is None or associate.status != AssociateStatus.APPROVED:
        raise ConsultancyError("Choose an approved associate", "associate_id")
    if enquiry.status not in (EnquiryStatus.OPEN,):
        raise ConsultancyError("This enquiry already has a quote")
    enquiry.associate_id = associate.id
    db.session.flush()
    return enquiry


def enquiries_for_hub() -> list[Enquiry]:
    return list(
        db.session.scalars(
            select(Enquiry)
            .where(Enquiry.associate_id.is_(None), Enquiry.status == EnquiryStatus.OPEN)
            .order_by(Enquiry.created_at)
        )
    )
