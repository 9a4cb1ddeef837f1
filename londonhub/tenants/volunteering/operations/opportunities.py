"""Opportunities and their sessions: the workspace's admin, and the public opportunity page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import london_to_utc, london_today, utcnow

from ..models import (
    LISTED,
    LocalGroup,
    Opportunity,
    OpportunitySession,
    OpportunityStatus,
    Schedule,
    VolunteerHours,
)
from ..vocab import CAUSES, SKILLS, pack
from . import NotFound, VolunteeringError, next_session
from .coordinators import require_group_manager, require_manager
from .groups import get_group

OPPORTUNITY_FIELDS = (
    "group_id",
    "title",
    "summary",
    "description",
    "cause",
    "skills",
    "remote",
    "address",
    "postcode",
    "schedule",
    "minimum_age",
    "dbs_needed",
    "expenses_paid",
    "training_given",
    "step_free",
    "group_size",
    "skills_based",
    "status",
    "closing_date",
)


@dataclass
class AdminRow:
    opportunity: Opportunity
    group_name: str
    sessions: int
    next_session: datetime | None


def list_opportunities(workspace: Workspace) -> list[AdminRow]:
    """Every opportunity of the workspace with its group and sessions, in one query."""
    now = utcnow()
    sessions = (
        select(
            OpportunitySession.opportunity_id.label("opportunity_id"),
            func.count().label("sessions"),
            func.min(OpportunitySession.starts_at)
            .filter(OpportunitySession.starts_at > now)
            .label("next_session"),
        )
        .where(OpportunitySession.tenant_id == workspace.id)
        .group_by(OpportunitySession.opportunity_id)
        .subquery()
    )
    query = (
        select(Opportunity, LocalGroup.name, sessions.c.sessions, sessions.c.next_session)
        .join(
            LocalGroup,
            (LocalGroup.tenant_id == Opportunity.tenant_id)
            & (LocalGroup.id == Opportunity.group_id),
        )
        .outerjoin(sessions, sessions.c.opportunity_id == Opportunity.id)
        .where(Opportunity.tenant_id == workspace.id)
        .order_by(Opportunity.status, Opportunity.title, Opportunity.id)
    )
    with tenant_context(workspace.id):
        rows = db.session.execute(query).all()
    return [AdminRow(o, name, count or 0, nxt) for o, name, count, nxt in rows]


def get_opportunity(workspace: Workspace, opportunity_id: int) -> Opportunity:
    """An opportunity of this workspace; another workspace's id is simply not found."""
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(Opportunity).where(
                Opportunity.tenant_id == workspace.id, Opportunity.id == opportunity_id
            )
        )
    if found is None:
        raise NotFound("There is no such opportunity")
    return found


def _check(values: dict[str, Any], existing: Opportunity | None) -> None:
    """Rules across fields; single fields are checked by the form too."""
    if values.get("cause") not in CAUSES:
        raise VolunteeringError("Choose the cause from the list", "cause")
    if set(values.get("skills") or []) - set(SKILLS):
        raise VolunteeringError("Choose skills from the list", "skills")
    if not values.get("remote") and not (values.get("address") and values.get("postcode")):
        raise VolunteeringError(
            "Enter the address and postcode where volunteers go, or say it is remote", "address"
        )
    closing = values.get("closing_date")
    changed = existing is None or existing.closing_date != closing
    if closing is not None and changed and closing < london_today():
        raise VolunteeringError("The closing date must be today or later", "closing_date")
    try:
        Schedule(values.get("schedule"))
    except ValueError:
        raise VolunteeringError("Choose when volunteers are needed", "schedule") from None
    try:
        OpportunityStatus(values.get("status", OpportunityStatus.DRAFT))
    except ValueError:
        raise VolunteeringError("Choose a status", "status") from None


def save_opportunity(
    user: User, workspace: Workspace, values: dict[str, Any], opportunity_id: int | None = None
) -> Opportunity:
    """Add an opportunity (opportunity_id None) or change one; `values` as
    OPPORTUNITY_FIELDS, skills a list. The group must be one of this workspace's. Staff
    manage every group's; a group's coordinator only their group's, and cannot move one to
    another group."""
    existing = None if opportunity_id is None else get_opportunity(workspace, opportunity_id)
    if existing is not None:
        require_group_manager(user, workspace, existing.group_id)
    require_group_manager(user, workspace, values["group_id"])
    _check(values, existing)
    get_group(workspace, values["group_id"])  # NotFound for another workspace's group
    with tenant_context(workspace.id):
        opportunity = existing or Opportunity()
        if existing is None:
            db.session.add(opportunity)
        for name in OPPORTUNITY_FIELDS:
            if name in values:
                value = values[name]
                setattr(opportunity, name, pack(value) if name == "skills" else value)
        opportunity.postcode = (opportunity.postcode or "").strip().upper()
        db.session.flush()
    record(
        "volunteering.opportunity_saved",
        f"{'Added' if existing is None else 'Updated'} the opportunity {opportunity.title} "
        f"({opportunity.status.label.lower()})",
        workspace=workspace,
        actor=user,
        opportunity_id=opportunity.id,
    )
    return opportunity


def set_status(
    user: User, workspace: Workspace, opportunity_id: int, status: OpportunityStatus
) -> Opportunity:
    require_manager(user, workspace, opportunity_id)
    opportunity = get_opportunity(workspace, opportunity_id)
    with tenant_context(workspace.id):
        opportunity.status = status
        db.session.flush()
    record(
        "volunteering.opportunity_status",
        f"{opportunity.title} is now {status.label.lower()}",
        workspace=workspace,
        actor=user,
        opportunity_id=opportunity.id,
    )
    return opportunity


# --- sessions ------------------------------------------------------------------------------------


def list_sessions(workspace: Workspace, opportunity_id: int) -> list[OpportunitySession]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(OpportunitySession)
                .where(
                    OpportunitySession.tenant_id == workspace.id,
                    OpportunitySession.opportunity_id == opportunity_id,
                )
                .order_by(OpportunitySession.starts_at, OpportunitySession.id)
            )
        )


def get_session(workspace: Workspace, opportunity_id: int, session_id: int) -> OpportunitySession:
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(OpportunitySession).where(
                OpportunitySession.tenant_id == workspace.id,
                OpportunitySession.opportunity_id == opportunity_id,
                OpportunitySession.id == session_id,
            )
        )
    if found is None:
        raise NotFound("There is no such session")
    return found


def session_times(
    day: date | None, starts: time | None, ends: time | None
) -> tuple[datetime, datetime]:
    """A session's London date and times as UTC moments, refusing the impossible ones."""
    if day is None or starts is None or ends is None:
        raise VolunteeringError("Enter the session's date, start and end time", "day")
    if ends <= starts:
        raise VolunteeringError("The end time must be after the start time", "ends")
    starts_at, ends_at = london_to_utc(day, starts), london_to_utc(day, ends)
    if starts_at <= utcnow():
        raise VolunteeringError("The session must start in the future", "day")
    return starts_at, ends_at


def add_session(
    user: User,
    workspace: Workspace,
    opportunity_id: int,
    starts_at: datetime,
    ends_at: datetime,
    places: int,
    place: str = "",
) -> OpportunitySession:
    require_manager(user, workspace, opportunity_id)
    opportunity = get_opportunity(workspace, opportunity_id)
    if ends_at <= starts_at:
        raise VolunteeringError("The end time must be after the start time", "ends")
    if starts_at <= utcnow():
        raise VolunteeringError("The session must start in the future", "day")
    if places < 1:
        raise VolunteeringError("A session needs at least one place", "places")
    with tenant_context(workspace.id):
        session = OpportunitySession(
            opportunity_id=opportunity.id,
            starts_at=starts_at,
            ends_at=ends_at,
            places=places,
            place=place.strip(),
        )
        db.session.add(session)
        db.session.flush()
    next_session.refresh(workspace, opportunity.id)
    record(
        "volunteering.session_added",
        f"Added a session of {opportunity.title}",
        workspace=workspace,
        actor=user,
        opportunity_id=opportunity.id,
        session_id=session.id,
    )
    return session


def remove_session(user: User, workspace: Workspace, opportunity_id: int, session_id: int) -> None:
    """Remove a session nobody holds a place on (the others are kept: people are counting)."""
    require_manager(user, workspace, opportunity_id)
    session = get_session(workspace, opportunity_id, session_id)
    if session.places_taken:
        raise VolunteeringError(
            "People have places on this session: decline or move them before removing it"
        )
    with tenant_context(workspace.id):
        attended = db.session.scalar(
            select(VolunteerHours.id)
            .where(
                VolunteerHours.tenant_id == workspace.id, VolunteerHours.session_id == session_id
            )
            .limit(1)
        )
    if attended is not None:
        raise VolunteeringError("People's hours are recorded against this session: it stays")
    with tenant_context(workspace.id):
        db.session.delete(session)
        db.session.flush()
    next_session.refresh(workspace, opportunity_id)
    record(
        "volunteering.session_removed",
        "Removed a session",
        workspace=workspace,
        actor=user,
        opportunity_id=opportunity_id,
    )


# --- public --------------------------------------------------------------------------------------


def get_public_opportunity(
    workspace: Workspace, opportunity_id: int
) -> tuple[Opportunity, LocalGroup]:
    """A listed opportunity (published, paused or closed) and its group; drafts are not found."""
    with tenant_context(workspace.id):
        row = db.session.execute(
            select(Opportunity, LocalGroup)
            .join(
                LocalGroup,
                (LocalGroup.tenant_id == Opportunity.tenant_id)
                & (LocalGroup.id == Opportunity.group_id),
            )
            .where(
                Opportunity.tenant_id == workspace.id,
                Opportunity.id == opportunity_id,
                Opportunity.status.in_(LISTED),
            )
        ).first()
    if row is None:
        raise NotFound("There is no such opportunity")
    return row[0], row[1]


def upcoming_sessions(workspace: Workspace, opportunity_id: int) -> list[OpportunitySession]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(OpportunitySession)
                .where(
                    OpportunitySession.tenant_id == workspace.id,
                    OpportunitySession.opportunity_id == opportunity_id,
                    OpportunitySession.starts_at > utcnow(),
                )
                .order_by(OpportunitySession.starts_at, OpportunitySession.id)
            )
        )


def is_open(opportunity: Opportunity) -> bool:
    """Taking responses: published and not past its closing date."""
    return opportunity.status == OpportunityStatus.PUBLISHED and (
        opportunity.closing_date is None or opportunity.closing_date >= london_today()
    )
