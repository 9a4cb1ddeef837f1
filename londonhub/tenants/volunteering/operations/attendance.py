"""Attendance: after a session has started, the workspace records who came, and each person
gets the session's time as verified hours (once per person and session; never past 24 hours
in a day for anyone, across London)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import as_utc, in_london, utcnow

from ..models import (
    HoursStatus,
    OpportunitySession,
    ResponseStatus,
    VolunteerHours,
    VolunteerResponse,
)
from . import VolunteeringError
from .coordinators import require_manager
from .hours import DAY_MINUTES, check_day, lock_person
from .opportunities import get_opportunity, get_session

#: Responses whose people may be marked as having come.
EXPECTED = (ResponseStatus.ACCEPTED, ResponseStatus.PENDING)


@dataclass
class Attendee:
    user_id: int
    name: str
    recorded: bool


def attendees(workspace: Workspace, opportunity_id: int, session_id: int) -> list[Attendee]:
    """People holding a place on the session, and whether their attendance is recorded."""
    recorded = (
        select(VolunteerHours.id)
        .where(
            VolunteerHours.tenant_id == workspace.id,
            VolunteerHours.session_id == session_id,
            VolunteerHours.user_id == VolunteerResponse.user_id,
        )
        .exists()
    )
    query = (
        select(User.id, User.name, recorded)
        .join(VolunteerResponse, VolunteerResponse.user_id == User.id)
        .where(
            VolunteerResponse.tenant_id == workspace.id,
            VolunteerResponse.opportunity_id == opportunity_id,
            VolunteerResponse.session_id == session_id,
            VolunteerResponse.status.in_(EXPECTED),
        )
        .order_by(User.name, User.id)
    )
    with tenant_context(workspace.id):
        return [Attendee(*row) for row in db.session.execute(query)]


def session_minutes(session: OpportunitySession) -> int:
    length = as_utc(session.ends_at) - as_utc(session.starts_at)
    return min(int(length.total_seconds() // 60), DAY_MINUTES)


def record_attendance(
    user: User, workspace: Workspace, opportunity_id: int, session_id: int, came: list[int]
) -> int:
    """Give each person in `came` (who held a place) the session's time as verified hours;
    people already recorded are left as they are. Returns how many were recorded."""
    require_manager(user, workspace, opportunity_id)
    opportunity = get_opportunity(workspace, opportunity_id)
    session = get_session(workspace, opportunity_id, session_id)
    if as_utc(session.starts_at) > utcnow():
        raise VolunteeringError("Record who came once the session has started", "came")
    expected = {a.user_id: a for a in attendees(workspace, opportunity_id, session_id)}
    if set(came) - set(expected):
        raise VolunteeringError("Choose people who had a place on this session", "came")
    day, minutes = in_london(session.starts_at).date(), session_minutes(session)
    added = 0
    for person_id in sorted(set(came)):
        if expected[person_id].recorded:
            continue
        lock_person(person_id)
        # Someone else may have recorded them while we waited for the lock.
        if _recorded(workspace, session.id, person_id):
            continue
        check_day(person_id, day, minutes, who=expected[person_id].name)
        with tenant_context(workspace.id):
            db.session.add(
                VolunteerHours(
                    opportunity_id=opportunity.id,
                    session_id=session.id,
                    user_id=person_id,
                    day=day,
                    minutes=minutes,
                    note="Came to the session",
                    status=HoursStatus.VERIFIED,
                    verified_by_id=user.id,
                    verified_at=utcnow(),
                )
            )
            db.session.flush()
        added += 1
    record(
        "volunteering.attendance_recorded",
        f"Recorded {added} people at a session of {opportunity.title}",
        workspace=workspace,
        actor=user,
        opportunity_id=opportunity.id,
        session_id=session.id,
    )
    return added


def _recorded(workspace: Workspace, session_id: int, user_id: int) -> bool:
    query = select(VolunteerHours.id).where(
        VolunteerHours.tenant_id == workspace.id,
        VolunteerHours.session_id == session_id,
        VolunteerHours.user_id == user_id,
    )
    with tenant_context(workspace.id):
        return db.session.scalar(query.limit(1)) is not None
