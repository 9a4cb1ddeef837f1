"""Responses: a person expresses interest in an opportunity or signs up for a session; the
workspace accepts, declines or waitlists them, and each change emails the person.

A sign-up takes a place if one is free (`places.take_place`: when two people take the last
place at once exactly one gets it, the other is waitlisted); a place given back is offered
to the first on the waiting list (`waitlist.promote`). Duplicates are refused by unique keys,
also under concurrent requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import as_utc, in_london, london_today, utcnow

from ..models import (
    Opportunity,
    OpportunitySession,
    ResponseStatus,
    VolunteerResponse,
)
from . import NotFound, VolunteeringError, events
from .coordinators import require_manager
from .notify import email_organisers, email_volunteer
from .opportunities import get_public_opportunity, get_session, is_open
from .places import release_place, take_place
from .profiles import age_on, consents, get_profile
from .waitlist import promote

#: Statuses a workspace can set, and the ones that count as a live response.
DECISIONS = (ResponseStatus.ACCEPTED, ResponseStatus.DECLINED, ResponseStatus.WAITLISTED)
LIVE = (
    ResponseStatus.INTERESTED,
    ResponseStatus.PENDING,
    ResponseStatus.ACCEPTED,
    ResponseStatus.WAITLISTED,
)


class NeedsProfile(VolunteeringError):
    """The person has no volunteer profile (or has not agreed to share it) yet."""


def _check_volunteer(
    user: User, opportunity: Opportunity, session: OpportunitySession | None
) -> None:
    profile = get_profile(user)
    if profile is None or not consents(user)["share_profile"]:
        raise NeedsProfile(
            "Fill in your volunteer profile and agree to share it with the organisers first"
        )
    if opportunity.minimum_age:
        if profile.date_of_birth is None:
            raise NeedsProfile(
                f"You must be at least {opportunity.minimum_age}: add your date of birth to "
                "your volunteer profile"
            )
        day = in_london(session.starts_at).date() if session else london_today()
        if age_on(profile.date_of_birth, day) < opportunity.minimum_age:
            raise VolunteeringError(
                f"You must be at least {opportunity.minimum_age} to volunteer here", "session_id"
            )


def respond(
    user: User,
    workspace: Workspace,
    opportunity_id: int,
    session_id: int | None = None,
    message: str = "",
) -> VolunteerResponse:
    """Sign up for a session (a place if one is free, else the waiting list), or express
    interest in the opportunity (no session). Refuses duplicates and people under age."""
    opportunity, group = get_public_opportunity(workspace, opportunity_id)
    if not (is_open(opportunity) and workspace.is_active):
        raise VolunteeringError("This opportunity is not taking volunteers now")
    session = get_session(workspace, opportunity_id, session_id) if session_id else None
    if session is not None and as_utc(session.starts_at) <= utcnow():
        raise VolunteeringError("That session has already started", "session_id")
    _check_volunteer(user, opportunity, session)
    with tenant_context(workspace.id):
        existing = db.session.scalar(
            select(VolunteerResponse).where(
                VolunteerResponse.tenant_id == workspace.id,
                VolunteerResponse.opportunity_id == opportunity_id,
                VolunteerResponse.user_id == user.id,
                VolunteerResponse.session_id.is_(None)
                if session is None
                else VolunteerResponse.session_id == session.id,
            )
        )
        if existing is not None and existing.status != ResponseStatus.WITHDRAWN:
            raise VolunteeringError(_duplicate(session), "session_id")
        response = existing or VolunteerResponse(
            opportunity_id=opportunity_id,
            session_id=session.id if session else None,
            user_id=user.id,
        )
        response.message = message.strip()[:2000]
        response.status = ResponseStatus.INTERESTED
        if existing is None:
            try:
                with db.session.begin_nested():
                    db.session.add(response)
                    db.session.flush()
            except IntegrityError:
                raise VolunteeringError(_duplicate(session), "session_id") from None
        if session is not None:
            taken = take_place(workspace, session.id)
            response.holds_place = taken
            response.status = ResponseStatus.PENDING if taken else ResponseStatus.WAITLISTED
        db.session.flush()
    record(
        "volunteering.responded",
        f"{user.name} {response.status.label.lower()}: {opportunity.title}",
        workspace=workspace,
        actor=user,
        response_id=response.id,
    )
    email_volunteer(user, workspace, opportunity, session, response.status)
    email_organisers(workspace, group, opportunity, session, user, response.status)
    events.signed_up(workspace, opportunity, session, response)
    return response


def _duplicate(session: OpportunitySession | None) -> str:
    if session is None:
        return "You have already said you are interested in this opportunity"
    return "You have already signed up for this session"


def decide(
    user: User, workspace: Workspace, response_id: int, decision: ResponseStatus
) -> VolunteerResponse:
    """Accept, decline or waitlist a response; emails the volunteer. Accepting someone
    without a place takes one (refused when the session is full); declining or waitlisting
    frees their place."""
    response = get_response(workspace, response_id)
    require_manager(user, workspace, response.opportunity_id)
    if decision not in DECISIONS:
        raise VolunteeringError("Choose accept, decline or waiting list", "decision")
    if response.status in (ResponseStatus.WITHDRAWN, ResponseStatus.LAPSED):
        raise VolunteeringError("The volunteer has withdrawn or let their offer lapse")
    if response.status == decision:
        return response
    freed = False
    with tenant_context(workspace.id):
        if decision == ResponseStatus.ACCEPTED:
            if response.session_id is not None and not response.holds_place:
                if not take_place(workspace, response.session_id):
                    raise VolunteeringError(
                        "The session is full: decline someone or add places first"
                    )
                response.holds_place = True
        else:
            freed = response.holds_place
            release_place(workspace, response)
        response.status = decision
        response.offer_expires_at = None
        db.session.flush()
        opportunity = db.session.get(Opportunity, response.opportunity_id)
        session = (
            db.session.get(OpportunitySession, response.session_id) if response.session_id else None
        )
        volunteer = db.session.get(User, response.user_id)
    record(
        "volunteering.decided",
        f"{volunteer.name}: {decision.label.lower()} for {opportunity.title}",
        workspace=workspace,
        actor=user,
        response_id=response.id,
    )
    email_volunteer(volunteer, workspace, opportunity, session, decision)
    if freed:
        promote(workspace, response.session_id, skip=response.id)
    return response


def get_response(workspace: Workspace, response_id: int) -> VolunteerResponse:
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(VolunteerResponse).where(
                VolunteerResponse.tenant_id == workspace.id, VolunteerResponse.id == response_id
            )
        )
    if found is None:
        raise NotFound("There is no such response")
    return found


def _responses_with_listing(*columns: Any) -> Select:
    """Responses with their opportunity's title and session's start, and `columns`."""
    return (
        select(VolunteerResponse, Opportunity.title, OpportunitySession.starts_at, *columns)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerResponse.tenant_id)
            & (Opportunity.id == VolunteerResponse.opportunity_id),
        )
        .outerjoin(
            OpportunitySession,
            (OpportunitySession.tenant_id == VolunteerResponse.tenant_id)
            & (OpportunitySession.id == VolunteerResponse.session_id),
        )
    )


@dataclass
class ResponseRow:
    response: VolunteerResponse
    opportunity_title: str
    session_starts: datetime | None
    volunteer_name: str
    volunteer_email: str


def list_responses(
    workspace: Workspace, opportunity_id: int | None = None, user_id: int | None = None
) -> list[ResponseRow]:
    """The workspace's responses with their opportunity, session and person, in one query.
    Only people who responded here appear: that is what engaging means."""
    query = (
        _responses_with_listing(User.name, User.email)
        .join(User, User.id == VolunteerResponse.user_id)
        .where(VolunteerResponse.tenant_id == workspace.id)
        .order_by(VolunteerResponse.created_at.desc(), VolunteerResponse.id.desc())
    )
    if opportunity_id is not None:
        query = query.where(VolunteerResponse.opportunity_id == opportunity_id)
    if user_id is not None:
        query = query.where(VolunteerResponse.user_id == user_id)
    with tenant_context(workspace.id):
        rows = db.session.execute(query).all()
    return [ResponseRow(*row) for row in rows]


@dataclass
class MyResponse:
    response: VolunteerResponse
    opportunity_title: str
    session_starts: datetime | None
    workspace_slug: str
    workspace_name: str


def my_responses(user: User) -> list[MyResponse]:
    """The person's own responses across London (their own rows: not audited)."""
    query = (
        _responses_with_listing(Workspace.slug, Workspace.name)
        .join(Workspace, Workspace.id == VolunteerResponse.tenant_id)
        .where(VolunteerResponse.user_id == user.id)
        .order_by(VolunteerResponse.created_at.desc(), VolunteerResponse.id.desc())
    )
    with hub_scope("a volunteer's own responses", audit=False):
        rows = db.session.execute(query).all()
    return [MyResponse(*row) for row in rows]


def withdraw(user: User, response_id: int) -> VolunteerResponse:
    """The volunteer withdraws their own response (freeing any place)."""
    with hub_scope("a volunteer's own response", audit=False):
        found = db.session.scalar(
            select(VolunteerResponse).where(
                VolunteerResponse.id == response_id, VolunteerResponse.user_id == user.id
            )
        )
    if found is None:
        raise NotFound("There is no such response in your account")
    workspace = db.session.get(Workspace, found.tenant_id)
    if found.status in (ResponseStatus.WITHDRAWN, ResponseStatus.DECLINED):
        raise VolunteeringError("This response is already closed")
    freed = found.holds_place
    with tenant_context(workspace.id):
        release_place(workspace, found)
        found.status = ResponseStatus.WITHDRAWN
        found.offer_expires_at = None
        db.session.flush()
        opportunity = db.session.get(Opportunity, found.opportunity_id)
    record(
        "volunteering.withdrawn",
        f"{user.name} withdrew from {opportunity.title}",
        workspace=workspace,
        actor=user,
        response_id=found.id,
    )
    if freed:
        promote(workspace, found.session_id)
    return found
