"""The waiting list: when a place is given back, the first person waiting is offered it for a
limited time (`VOLUNTEERING_OFFER_HOURS`, default 48). A job scheduled for the deadline lets
an offer nobody took lapse and offers the place to the next person; without Redis (no
scheduler) `flask volunteering expire-offers` does the same for every offer past its time.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.jobs import enqueue, enqueue_at, job
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import as_utc, in_london, utcnow

from ..models import Opportunity, OpportunitySession, ResponseStatus, VolunteerResponse
from . import NotFound, VolunteeringError
from .notify import email_volunteer
from .places import release_place, take_place


def offer_hours() -> int:
    return int(current_app.config["VOLUNTEERING_OFFER_HOURS"])


def promote(
    workspace: Workspace, session_id: int, skip: int | None = None
) -> VolunteerResponse | None:
    """Offer a free place on the session to the first person waiting for it, if any (not
    `skip`: someone the workspace has just put on the waiting list)."""
    with tenant_context(workspace.id):
        first = db.session.scalar(
            select(VolunteerResponse)
            .where(
                VolunteerResponse.tenant_id == workspace.id,
                VolunteerResponse.session_id == session_id,
                VolunteerResponse.status == ResponseStatus.WAITLISTED,
                VolunteerResponse.id != (skip or 0),
            )
            .order_by(VolunteerResponse.created_at, VolunteerResponse.id)
            .limit(1)
        )
        session = db.session.get(OpportunitySession, session_id)
        if first is None or session is None or as_utc(session.starts_at) <= utcnow():
            return None
        if not take_place(workspace, session_id):
            return None
        expires = min(utcnow() + timedelta(hours=offer_hours()), as_utc(session.starts_at))
        first.status = ResponseStatus.OFFERED
        first.holds_place = True
        first.offer_expires_at = expires
        db.session.flush()
        enqueue_at(expires, expire_offer_job, first.id)
        opportunity = db.session.get(Opportunity, first.opportunity_id)
        person = db.session.get(User, first.user_id)
    record(
        "volunteering.offered",
        f"Offered a freed place on {opportunity.title} to {person.name}",
        workspace=workspace,
        response_id=first.id,
    )
    email_volunteer(
        person,
        workspace,
        opportunity,
        session,
        ResponseStatus.OFFERED,
        extra=f"\nThe place is yours if you take it by {in_london(expires):%A %-d %B at %H:%M}: "
        "open your volunteering page and choose 'Take the place'.\n",
    )
    return first


def accept_offer(user: User, response_id: int) -> VolunteerResponse:
    """The volunteer takes the place offered to them, before the offer runs out."""
    with hub_scope("a volunteer's own response", audit=False):
        found = db.session.scalar(
            select(VolunteerResponse).where(
                VolunteerResponse.id == response_id, VolunteerResponse.user_id == user.id
            )
        )
    if found is None:
        raise NotFound("There is no such response in your account")
    if found.status != ResponseStatus.OFFERED:
        raise VolunteeringError("There is no offer of a place waiting for you here")
    if as_utc(found.offer_expires_at) <= utcnow():
        raise VolunteeringError("Sorry, this offer has lapsed")
    workspace = db.session.get(Workspace, found.tenant_id)
    with tenant_context(workspace.id):
        found.status = ResponseStatus.PENDING
        found.offer_expires_at = None
        db.session.flush()
    record("volunteering.offer_taken", f"{user.name} took an offered place", workspace=workspace)
    return found


def expire_offer(workspace: Workspace, response_id: int) -> str:
    """Let one offer past its time lapse, and offer the place to the next person."""
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(VolunteerResponse).where(
                VolunteerResponse.tenant_id == workspace.id, VolunteerResponse.id == response_id
            )
        )
        if found is None or found.status != ResponseStatus.OFFERED:
            return "not offered"
        if as_utc(found.offer_expires_at) > utcnow():
            return "not yet"
        release_place(workspace, found)
        found.status = ResponseStatus.LAPSED
        found.offer_expires_at = None
        db.session.flush()
        opportunity = db.session.get(Opportunity, found.opportunity_id)
        session = db.session.get(OpportunitySession, found.session_id)
        person = db.session.get(User, found.user_id)
    email_volunteer(person, workspace, opportunity, session, ResponseStatus.LAPSED)
    promote(workspace, found.session_id)
    return "lapsed"


@job
def expire_offer_job(response_id: int) -> str:
    """Runs in the workspace the offer was made in (jobs carry it)."""
    from londonhub.platform.core.tenancy import current_tenant_id

    workspace = db.session.get(Workspace, current_tenant_id())
    return expire_offer(workspace, response_id)


def due_offers() -> list[tuple[int, int]]:
    """(workspace id, response id) of every offer past its time, across London."""
    with hub_scope("expiring lapsed offers of places", audit=False):
        rows = db.session.execute(
            select(VolunteerResponse.tenant_id, VolunteerResponse.id).where(
                VolunteerResponse.status == ResponseStatus.OFFERED,
                VolunteerResponse.offer_expires_at <= utcnow(),
            )
        )
        return [(tenant_id, response_id) for tenant_id, response_id in rows]


def expire_due_offers() -> int:
    """Queue the expiry of every offer past its time (the sweep for running without Redis)."""
    due = due_offers()
    for tenant_id, response_id in due:
        with tenant_context(tenant_id):
            enqueue(expire_offer_job, response_id)
    return len(due)
