"""Matching an employee with opportunities: their volunteer profile (home borough required),
then opportunities marked suitable for corporate volunteering (for groups) or skills-based,
in their home borough first and then the boroughs next to it, ranked by cause, skills and
availability. They choose one, or ask their Volunteer Centre for help; either waits for the
borough's workspace to confirm it (`placements.confirm`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
    hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import in_london, london_today, utcnow
from londonhub.tenants.volunteering import services as volunteering

from ..models import (
    LIVE_PLACEMENT,
    CorporateEmployee,
    CorporatePlacement,
    PlacementStatus,
)
from . import CorporateError, NotAllowed, NotFound
from .employees import employment_of

MAX_MATCHES = 20


def require_employee(user: User) -> CorporateEmployee:
    employee = employment_of(user)
    if employee is None:
        raise NotAllowed(
            "These pages are for employees whose company gave them a volunteering place: "
            "accept the invitation your company emailed you first."
        )
    return employee


def save_profile(user: User, values: dict[str, Any]) -> None:
    """The employee's volunteer profile, shared with volunteering (one profile across London):
    the home borough is required here, since matching starts from it."""
    borough = values.get("home_borough") or ""
    if borough not in volunteering.NEIGHBOURS:
        raise CorporateError("Choose the borough you live in", "home_borough")
    try:
        volunteering.save_profile(
            user,
            {
                "home_borough": borough,
                "causes": values.get("causes") or [],
                "skills": values.get("skills") or [],
                "availability": values.get("availability") or [],
            },
            volunteering.consents(user),
            london_today(),
        )
    except volunteering.VolunteeringError as exc:
        raise CorporateError(str(exc), exc.field) from None


def home_borough(user: User) -> str:
    profile = volunteering.get_profile(user)
    return profile.home_borough if profile is not None else ""


@dataclass
class Match:
    opportunity: Any
    workspace: Workspace
    group_name: str
    next_session: datetime | None
    places_left: int | None  # None: no dated sessions (flexible)
    near_home: bool
    score: int
    reasons: list[str]

    @property
    def key(self) -> str:
        return f"{self.workspace.slug}:{self.opportunity.id}"


def _suitable():
    Opp = volunteering.Opportunity
    return [
        Opp.status == volunteering.OpportunityStatus.PUBLISHED,
        or_(Opp.closing_date.is_(None), Opp.closing_date >= london_today()),
        or_(Opp.group_size.is_not(None), Opp.skills_based.is_(True)),
    ]


def _session_figures(now: datetime):
    Session = volunteering.OpportunitySession
    return (
        select(
            Session.tenant_id,
            Session.opportunity_id,
            func.min(Session.starts_at).label("next_session"),
            func.sum(Session.places - Session.places_taken).label("places_left"),
        )
        .where(Session.starts_at > now)
        .group_by(Session.tenant_id, Session.opportunity_id)
        .subquery()
    )


def _availability_fits(availability: list[str], opportunity, next_session) -> bool:
    if "from_home" in availability and opportunity.remote:
        return True
    if next_session is None:
        return opportunity.schedule.value == "flexible" and bool(availability)
    local = in_london(next_session)
    if local.weekday() >= 5:
        return "weekend" in availability
    return ("weekday_evening" if local.hour >= 17 else "weekday_daytime") in availability


def matches(user: User, limit: int = MAX_MATCHES) -> list[Match]:
    """Suitable, open opportunities with room, home borough first, then neighbours; each
    group ranked by cause match, shared skills and availability (one query)."""
    profile = volunteering.get_profile(user)
    if profile is None or not profile.home_borough:
        return []
    home = profile.home_borough
    near = [home, *sorted(volunteering.NEIGHBOURS.get(home, ()))]
    causes = set(volunteering.unpack(profile.causes))
    skills = set(volunteering.unpack(profile.skills))
    availability = volunteering.unpack(profile.availability)
    Opp = volunteering.Opportunity
    Group = volunteering.LocalGroup
    sessions = _session_figures(utcnow())
    query = (
        select(Opp, Workspace, Group.name, sessions.c.next_session, sessions.c.places_left)
        .join(Workspace, Workspace.id == Opp.tenant_id)
        .join(Group, and_(Group.tenant_id == Opp.tenant_id, Group.id == Opp.group_id))
        .outerjoin(
            sessions,
            and_(sessions.c.tenant_id == Opp.tenant_id, sessions.c.opportunity_id == Opp.id),
        )
        .where(
            Workspace.slug.in_(near),
            Workspace.status == WorkspaceStatus.ACTIVE,
            *_suitable(),
        )
        .limit(500)
    )
    with hub_scope("opportunities suitable for corporate volunteering", audit=False):
        rows = db.session.execute(query).all()
    found = []
    for opportunity, workspace, group_name, next_session, places_left in rows:
        if (
            next_session is None
            and opportunity.schedule.value != "flexible"
            and not opportunity.remote
        ):
            continue  # dated opportunity with no session ahead
        if places_left is not None and places_left <= 0:
            continue  # full
        reasons, score = [], 0
        if opportunity.cause in causes:
            score += 4
            reasons.append(f"a cause you care about ({opportunity.cause_label})")
        shared = skills & set(opportunity.skill_slugs)
        if shared:
            score += 2 * len(shared)
            reasons.append("your skills" if len(shared) > 1 else "one of your skills")
        if _availability_fits(availability, opportunity, next_session):
            score += 1
            reasons.append("when you are free")
        found.append(
            Match(
                opportunity,
                workspace,
                group_name,
                next_session,
                places_left,
                workspace.slug == home,
                score,
                reasons,
            )
        )
    found.sort(
        key=lambda m: (
            not m.near_home,
            -m.score,
            m.next_session or datetime.max.replace(tzinfo=utcnow().tzinfo),
            m.opportunity.title,
        )
    )
    return found[:limit]


def current_placement(employee: CorporateEmployee) -> tuple[CorporatePlacement, Workspace] | None:
    """The employee's live placement (waiting or confirmed), else their latest one."""
    with hub_scope("an employee's own placement", audit=False):
        row = db.session.execute(
            select(CorporatePlacement, Workspace)
            .join(Workspace, Workspace.id == CorporatePlacement.tenant_id)
            .where(CorporatePlacement.employee_id == employee.id)
            .order_by(
                CorporatePlacement.status.in_(LIVE_PLACEMENT).desc(),
                CorporatePlacement.created_at.desc(),
                CorporatePlacement.id.desc(),
            )
            .limit(1)
        ).first()
    return (row[0], row[1]) if row else None


def _place(
    user: User,
    employee: CorporateEmployee,
    workspace: Workspace,
    opportunity_id: int | None,
    message: str,
) -> CorporatePlacement:
    with tenant_context(workspace.id):
        placement = CorporatePlacement(
            account_id=employee.account_id,
            employee_id=employee.id,
            user_id=user.id,
            opportunity_id=opportunity_id,
            status=PlacementStatus.WAITING,
            message=message.strip()[:1000],
        )
        try:
            with db.session.begin_nested():
                db.session.add(placement)
                db.session.flush()
        except IntegrityError:
            raise CorporateError(
                "You already have a placement waiting or confirmed: see it below", "opportunity"
            ) from None
    return placement


def _check_no_live(employee: CorporateEmployee) -> None:
    current = current_placement(employee)
    if current is not None and current[0].status.value in LIVE_PLACEMENT:
        raise CorporateError(
            "You already have a placement waiting or confirmed: see it below", "opportunity"
        )


def choose(user: User, key: str, message: str = "") -> CorporatePlacement:
    """The employee chooses a matched opportunity (`slug:id`): it waits for that borough's
    Volunteer Centre. Refuses a closed, full or unsuitable opportunity, or one too far away."""
    employee = require_employee(user)
    home = home_borough(user)
    if not home:
        raise CorporateError("Choose your home borough in your profile first", "opportunity")
    slug, _, raw_id = (key or "").partition(":")
    if not raw_id.isdigit():
        raise CorporateError("Choose one of the opportunities listed", "opportunity")
    _check_no_live(employee)
    offered = {m.key: m for m in matches(user, limit=500)}
    match = offered.get(f"{slug}:{int(raw_id)}")
    if match is None:
        raise CorporateError(
            "That opportunity is full, closed or not near where you live: choose another "
            "from the list",
            "opportunity",
        )
    placement = _place(user, employee, match.workspace, match.opportunity.id, message)
    record(
        "corporate.chose",
        f"Chose {match.opportunity.title} for a corporate placement",
        workspace=match.workspace,
        actor=user,
        placement_id=placement.id,
    )
    return placement


def ask_for_help(user: User, message: str = "") -> CorporatePlacement:
    """No choice made: the home borough's Volunteer Centre finds the employee a place."""
    employee = require_employee(user)
    home = home_borough(user)
    if not home:
        raise CorporateError("Choose your home borough in your profile first", "home_borough")
    workspace = db.session.scalar(
        select(Workspace).where(
            Workspace.slug == home,
            Workspace.status == WorkspaceStatus.ACTIVE,
            Workspace.is_hub.is_(False),
        )
    )
    if workspace is None:
        raise CorporateError(
            "Your borough's Volunteer Centre is not on the hub yet: choose an opportunity in "
            "a neighbouring borough",
            "opportunity",
        )
    _check_no_live(employee)
    placement = _place(user, employee, workspace, None, message)
    record(
        "corporate.asked_for_help",
        "Asked the Volunteer Centre to find a corporate placement",
        workspace=workspace,
        actor=user,
        placement_id=placement.id,
    )
    return placement


def withdraw(user: User) -> None:
    """The employee takes back a choice still waiting, to choose again."""
    employee = require_employee(user)
    current = current_placement(employee)
    if current is None or current[0].status != PlacementStatus.WAITING:
        raise NotFound("You have no placement waiting")
    placement, workspace = current
    with tenant_context(workspace.id):
        placement.status = PlacementStatus.CANCELLED
        db.session.flush()
