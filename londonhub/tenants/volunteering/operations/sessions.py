"""Changing a session after it was added: its date, times, place and number of places.

Never fewer places than people already hold, never into the past; new places go to the
waiting list first (each offered for a time, as when someone withdraws), and everyone with a
live response hears of a new date, time or place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import as_utc, in_london, utcnow
from londonhub.platform.core.urls import public_url

from ..models import OpportunitySession, ResponseStatus, VolunteerResponse
from . import VolunteeringError, next_session
from .coordinators import require_manager
from .opportunities import get_opportunity, get_session
from .waitlist import promote

#: Responses whose people need to hear that a session moved.
_TOLD = (
    ResponseStatus.PENDING,
    ResponseStatus.ACCEPTED,
    ResponseStatus.OFFERED,
    ResponseStatus.WAITLISTED,
)


def update_session(
    user: User,
    workspace: Workspace,
    opportunity_id: int,
    session_id: int,
    starts_at: datetime,
    ends_at: datetime,
    places: int,
    place: str = "",
) -> OpportunitySession:
    """Change a session that has not started yet. Places freed by raising the number are
    offered to the waiting list; a new date, time or place is emailed to its people."""
    require_manager(user, workspace, opportunity_id)
    opportunity = get_opportunity(workspace, opportunity_id)
    session = get_session(workspace, opportunity_id, session_id)
    if as_utc(session.starts_at) <= utcnow():
        raise VolunteeringError("This session has already started: it can no longer change")
    if ends_at <= starts_at:
        raise VolunteeringError("The end time must be after the start time", "ends")
    if starts_at <= utcnow():
        raise VolunteeringError("The session must start in the future", "day")
    if places < 1:
        raise VolunteeringError("A session needs at least one place", "places")
    with tenant_context(workspace.id):
        # Lock the row: a sign-up taking a place meanwhile must be counted before we compare.
        db.session.refresh(session, with_for_update=True)
        if places < session.places_taken:
            raise VolunteeringError(
                f"{session.places_taken} people hold places on this session: offer at least "
                f"{session.places_taken}, or decline someone first",
                "places",
            )
        moved = (
            as_utc(session.starts_at) != as_utc(starts_at)
            or as_utc(session.ends_at) != as_utc(ends_at)
            or session.place != place.strip()
        )
        more = places - session.places
        session.starts_at, session.ends_at = starts_at, ends_at
        session.places, session.place = places, place.strip()
        db.session.flush()
    next_session.refresh(workspace, opportunity_id)
    record(
        "volunteering.session_changed",
        f"Changed a session of {opportunity.title}",
        workspace=workspace,
        actor=user,
        opportunity_id=opportunity.id,
        session_id=session.id,
    )
    if moved:
        _tell_people(workspace, opportunity.title, opportunity.id, session)
    for _ in range(max(more, 0)):
        if promote(workspace, session.id) is None:
            break
    return session


def _tell_people(
    workspace: Workspace, title: str, opportunity_id: int, session: OpportunitySession
) -> None:
    with tenant_context(workspace.id):
        people = db.session.execute(
            select(User.name, User.email)
            .join(VolunteerResponse, VolunteerResponse.user_id == User.id)
            .where(
                VolunteerResponse.tenant_id == workspace.id,
                VolunteerResponse.session_id == session.id,
                VolunteerResponse.status.in_(_TOLD),
            )
        ).all()
    link = public_url(
        "volunteering_public.opportunity", slug=workspace.slug, opportunity_id=opportunity_id
    )
    where = f", at {session.place}" if session.place else ""
    for name, email in people:
        send_email(
            email,
            f"A session has changed: {title}",
            f"Hello {name},\n\n{workspace.name} has changed a session of {title}. It is now on "
            f"{in_london(session.starts_at):%A %-d %B %Y, %H:%M} to "
            f"{in_london(session.ends_at):%H:%M}{where}.\n\n"
            f"If you can no longer come, please withdraw so someone else can have your place: "
            f"{public_url('volunteering_me.responses')}\n\nThe opportunity: {link}\n",
        )
