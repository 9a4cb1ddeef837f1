"""Hours: volunteers record the time they gave to an opportunity they were accepted on; the
workspace verifies it. Never a future date, never more than 24 hours in a day for one person
across London. Verified hours are the person's record, downloadable as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_today, utcnow

from ..models import (
    AnonymousHours,
    HoursStatus,
    Opportunity,
    ResponseStatus,
    VolunteerHours,
    VolunteerResponse,
)
from . import NotFound, VolunteeringError
from .coordinators import require_manager

DAY_MINUTES = 24 * 60


@dataclass
class Placement:
    """An opportunity the person may record hours for (they were accepted on it)."""

    workspace_id: int
    workspace_slug: str
    workspace_name: str
    opportunity_id: int
    title: str

    @property
    def key(self) -> str:
        return f"{self.workspace_slug}:{self.opportunity_id}"


def placements(user: User) -> list[Placement]:
    """The person's accepted opportunities across London (their own rows: not audited)."""
    query = (
        select(Workspace.id, Workspace.slug, Workspace.name, Opportunity.id, Opportunity.title)
        .select_from(VolunteerResponse)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerResponse.tenant_id)
            & (Opportunity.id == VolunteerResponse.opportunity_id),
        )
        .join(Workspace, Workspace.id == VolunteerResponse.tenant_id)
        .where(
            VolunteerResponse.user_id == user.id,
            VolunteerResponse.status == ResponseStatus.ACCEPTED,
        )
        .distinct()
        .order_by(Opportunity.title, Opportunity.id)
    )
    with hub_scope("a volunteer's own placements", audit=False):
        return [Placement(*row) for row in db.session.execute(query)]


def lock_person(user_id: int) -> None:
    """Hold the person's account row until the transaction ends, so checks of their day's
    total and the insert after them happen one transaction at a time (PostgreSQL): two
    entries recorded at once cannot together pass 24 hours. SQLite has one writer anyway."""
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def check_day(user_id: int, day: date, minutes: int, who: str = "you") -> None:
    """Refuse `minutes` more on `day` when the person's London-wide total would pass 24 hours
    (call `lock_person` first)."""
    already = _minutes_on(user_id, day)
    if already + minutes > DAY_MINUTES:
        left = (DAY_MINUTES - already) / 60
        have = "you have" if who == "you" else f"{who} has"
        raise VolunteeringError(
            f"That would be more than 24 hours on {day:%-d %B %Y}: {have} {left:g} hours "
            "left that day",
            "hours",
        )


def minutes_on(user: User, day: date) -> int:
    """Minutes the person recorded on `day` anywhere in London (rejected ones do not count)."""
    return _minutes_on(user.id, day)


def _minutes_on(user_id: int, day: date) -> int:
    with hub_scope("a volunteer's own hours", audit=False):
        return db.session.scalar(
            select(func.coalesce(func.sum(VolunteerHours.minutes), 0)).where(
                VolunteerHours.user_id == user_id,
                VolunteerHours.day == day,
                VolunteerHours.status != HoursStatus.REJECTED,
            )
        )


def verified_minutes(user: User) -> int:
    """The person's verified time across London."""
    with hub_scope("a volunteer's own hours", audit=False):
        return db.session.scalar(
            select(func.coalesce(func.sum(VolunteerHours.minutes), 0)).where(
                VolunteerHours.user_id == user.id,
                VolunteerHours.status == HoursStatus.VERIFIED,
            )
        )


def record_hours(
    user: User, workspace: Workspace, opportunity_id: int, day: date, minutes: int, note: str = ""
) -> VolunteerHours:
    if day > london_today():
        raise VolunteeringError("You cannot record hours for a date in the future", "day")
    if minutes <= 0:
        raise VolunteeringError("Enter the time you gave, like 2 or 1.5 hours", "hours")
    if minutes > DAY_MINUTES:
        raise VolunteeringError("A day has only 24 hours", "hours")
    allowed = {(p.workspace_id, p.opportunity_id) for p in placements(user)}
    if (workspace.id, opportunity_id) not in allowed:
        raise VolunteeringError(
            "Record hours only for opportunities you were accepted on", "placement"
        )
    lock_person(user.id)
    check_day(user.id, day, minutes)
    with tenant_context(workspace.id):
        entry = VolunteerHours(
            opportunity_id=opportunity_id,
            user_id=user.id,
            day=day,
            minutes=minutes,
            note=note.strip()[:500],
        )
        db.session.add(entry)
        db.session.flush()
    record(
        "volunteering.hours_recorded",
        f"{user.name} recorded {minutes / 60:g} hours",
        workspace=workspace,
        actor=user,
        hours_id=entry.id,
    )
    return entry


@dataclass
class HoursRow:
    hours: VolunteerHours
    opportunity_title: str
    volunteer_name: str


def list_hours(workspace: Workspace, status: HoursStatus | None = None) -> list[HoursRow]:
    """The workspace's recorded hours with opportunity and person, in one query."""
    query = (
        select(VolunteerHours, Opportunity.title, User.name)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerHours.tenant_id)
            & (Opportunity.id == VolunteerHours.opportunity_id),
        )
        .join(User, User.id == VolunteerHours.user_id)
        .where(VolunteerHours.tenant_id == workspace.id)
        .order_by(VolunteerHours.day.desc(), VolunteerHours.id.desc())
        .limit(500)
    )
    if status is not None:
        query = query.where(VolunteerHours.status == status)
    with tenant_context(workspace.id):
        return [HoursRow(*row) for row in db.session.execute(query)]


def get_hours(workspace: Workspace, hours_id: int) -> VolunteerHours:
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(VolunteerHours).where(
                VolunteerHours.tenant_id == workspace.id, VolunteerHours.id == hours_id
            )
        )
    if found is None:
        raise NotFound("There are no such hours")
    return found


def verify(user: User, workspace: Workspace, hours_id: int, verified: bool) -> VolunteerHours:
    entry = get_hours(workspace, hours_id)
    require_manager(user, workspace, entry.opportunity_id)
    with tenant_context(workspace.id):
        entry.status = HoursStatus.VERIFIED if verified else HoursStatus.REJECTED
        entry.verified_by_id = user.id
        entry.verified_at = utcnow()
        db.session.flush()
    record(
        "volunteering.hours_verified",
        f"{'Verified' if verified else 'Did not verify'} {entry.minutes / 60:g} hours",
        workspace=workspace,
        actor=user,
        hours_id=entry.id,
    )
    return entry


@dataclass
class MyHours:
    hours: VolunteerHours
    opportunity_title: str
    workspace_name: str


def my_hours(user: User) -> list[MyHours]:
    """The person's own recorded hours across London, newest first (one query)."""
    query = (
        select(VolunteerHours, Opportunity.title, Workspace.name)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerHours.tenant_id)
            & (Opportunity.id == VolunteerHours.opportunity_id),
        )
        .join(Workspace, Workspace.id == VolunteerHours.tenant_id)
        .where(VolunteerHours.user_id == user.id)
        .order_by(VolunteerHours.day.desc(), VolunteerHours.id.desc())
    )
    with hub_scope("a volunteer's own hours", audit=False):
        return [MyHours(*row) for row in db.session.execute(query)]


def verified_csv_rows(user: User) -> list[list[str]]:
    rows = [["Date", "Hours", "Opportunity", "Workspace", "Note"]]
    for item in my_hours(user):
        if item.hours.status == HoursStatus.VERIFIED:
            rows.append(
                [
                    item.hours.day.isoformat(),
                    f"{item.hours.minutes / 60:g}",
                    item.opportunity_title,
                    item.workspace_name,
                    item.hours.note,
                ]
            )
    return rows


def anonymous_minutes(workspace: Workspace) -> int:
    """Verified time kept as anonymous totals after volunteers deleted their profiles."""
    with tenant_context(workspace.id):
        return db.session.scalar(
            select(func.coalesce(func.sum(AnonymousHours.minutes), 0)).where(
                AnonymousHours.tenant_id == workspace.id
            )
        )
