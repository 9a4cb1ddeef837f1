"""The workspace's volunteers and its hours report: who engaged with the workspace's
opportunities (responded to one) and how much verified time they gave here. A person appears
to a workspace only once they engaged with it; their time elsewhere in London is not shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context

from ..models import HoursStatus, Opportunity, ResponseStatus, VolunteerHours, VolunteerResponse


@dataclass(frozen=True)
class VolunteerRow:
    user_id: int
    name: str
    email: str
    responses: int
    accepted: int
    verified_minutes: int
    first_response: datetime
    last_day: date | None


def list_volunteers(workspace: Workspace) -> list[VolunteerRow]:
    """Everyone who responded to the workspace's opportunities, by name, with their verified
    hours in this workspace: one statement, whatever the number of people."""
    responses = (
        select(
            VolunteerResponse.user_id.label("user_id"),
            func.count().label("responses"),
            func.sum(case((VolunteerResponse.status == ResponseStatus.ACCEPTED, 1), else_=0)).label(
                "accepted"
            ),
            func.min(VolunteerResponse.created_at).label("first_response"),
        )
        .where(VolunteerResponse.tenant_id == workspace.id)
        .group_by(VolunteerResponse.user_id)
        .subquery()
    )
    verified = (
        select(
            VolunteerHours.user_id.label("user_id"),
            func.sum(VolunteerHours.minutes).label("minutes"),
            func.max(VolunteerHours.day).label("last_day"),
        )
        .where(
            VolunteerHours.tenant_id == workspace.id,
            VolunteerHours.status == HoursStatus.VERIFIED,
        )
        .group_by(VolunteerHours.user_id)
        .subquery()
    )
    query = (
        select(
            User.id,
            User.name,
            User.email,
            responses.c.responses,
            responses.c.accepted,
            func.coalesce(verified.c.minutes, 0),
            responses.c.first_response,
            verified.c.last_day,
        )
        .join(responses, responses.c.user_id == User.id)
        .outerjoin(verified, verified.c.user_id == User.id)
        .order_by(func.lower(User.name), User.id)
    )
    with tenant_context(workspace.id):
        return [VolunteerRow(*row) for row in db.session.execute(query)]


def volunteers_csv_rows(workspace: Workspace) -> list[list[str]]:
    rows = [
        ["Name", "Email", "Responses", "Accepted", "Verified hours", "First response", "Last day"]
    ]
    for item in list_volunteers(workspace):
        rows.append(
            [
                item.name,
                item.email,
                str(item.responses),
                str(item.accepted),
                f"{item.verified_minutes / 60:g}",
                item.first_response.date().isoformat(),
                item.last_day.isoformat() if item.last_day else "",
            ]
        )
    return rows


@dataclass(frozen=True)
class HoursLine:
    volunteer_name: str
    opportunity_title: str
    entries: int
    minutes: int


@dataclass(frozen=True)
class HoursReport:
    start: date
    end: date
    lines: list[HoursLine]

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def volunteers(self) -> int:
        return len({line.volunteer_name for line in self.lines})


def hours_report(workspace: Workspace, start: date, end: date) -> HoursReport:
    """Verified hours given in the workspace from `start` to `end` (both included), by
    volunteer and opportunity: the printable record funders and volunteers ask for."""
    query = (
        select(
            User.name,
            Opportunity.title,
            func.count(VolunteerHours.id),
            func.sum(VolunteerHours.minutes),
        )
        .join(User, User.id == VolunteerHours.user_id)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerHours.tenant_id)
            & (Opportunity.id == VolunteerHours.opportunity_id),
        )
        .where(
            VolunteerHours.tenant_id == workspace.id,
            VolunteerHours.status == HoursStatus.VERIFIED,
            VolunteerHours.day >= start,
            VolunteerHours.day <= end,
        )
        .group_by(User.id, User.name, Opportunity.id, Opportunity.title)
        .order_by(func.lower(User.name), User.id, Opportunity.title)
    )
    with tenant_context(workspace.id):
        lines = [HoursLine(*row) for row in db.session.execute(query)]
    return HoursReport(start, end, lines)
