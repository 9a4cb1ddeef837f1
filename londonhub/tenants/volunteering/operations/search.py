"""London-wide search of published opportunities, and each workspace's own listing.

Reads across workspaces go through the hub scope (published data only, so not audited for
the public). One SQL statement per page of results, however many there are: the group's name,
the workspace and the next session come in the same query. Results are ordered by each
opportunity's stored next session (`next_session.listing_key`, `NULLS LAST`), not by working
it out per match from the sessions table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_to_utc, london_today, utcnow

from ..models import LocalGroup, Opportunity, OpportunitySession, OpportunityStatus, Schedule
from ..vocab import CAUSES, SKILLS, boroughs_near
from . import PAGE_SIZE
from .next_session import listing_key


@dataclass
class Criteria:
    q: str = ""
    cause: str = ""
    skill: str = ""
    borough: str = ""  # workspace slug
    neighbours: bool = False
    date_from: date | None = None
    date_to: date | None = None
    remote: bool = False
    groups: bool = False
    under_18: bool = False
    step_free: bool = False
    page: int = 1
    boroughs: list[str] = field(default_factory=list)  # filled in from borough + neighbours


@dataclass
class Listing:
    opportunity: Opportunity
    group_name: str
    workspace_slug: str
    workspace_name: str
    borough: str
    next_session: datetime | None


@dataclass
class ListingPage:
    results: list[Listing]
    page: int
    has_next: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _listed_now(today: date) -> list:
    """Published and still open: what the public listings show."""
    return [
        Opportunity.status == OpportunityStatus.PUBLISHED,
        or_(Opportunity.closing_date.is_(None), Opportunity.closing_date >= today),
    ]


def _in_window(starts: datetime, ends: datetime):
    """A session in the window, or an ongoing role (weekly, flexible) with no dated sessions."""
    session_then = exists().where(
        OpportunitySession.tenant_id == Opportunity.tenant_id,
        OpportunitySession.opportunity_id == Opportunity.id,
        OpportunitySession.starts_at >= starts,
        OpportunitySession.starts_at < ends,
    )
    any_session = exists().where(
        OpportunitySession.tenant_id == Opportunity.tenant_id,
        OpportunitySession.opportunity_id == Opportunity.id,
    )
    return or_(session_then, and_(Opportunity.schedule != Schedule.ONE_OFF, ~any_session))


def search_opportunities(criteria: Criteria, page_size: int = PAGE_SIZE) -> ListingPage:
    """Published, open opportunities of active workspaces matching the criteria, soonest
    session first, one SQL statement per page."""
    now = utcnow()
    next_session = listing_key(now).label("next_session")
    query = (
        select(Opportunity, LocalGroup.name, Workspace.slug, Workspace.name, Workspace.borough)
        .add_columns(next_session)
        .join(
            LocalGroup,
            and_(
                LocalGroup.tenant_id == Opportunity.tenant_id, LocalGroup.id == Opportunity.group_id
            ),
        )
        .join(Workspace, Workspace.id == Opportunity.tenant_id)
        .where(
            *_listed_now(london_today()),
            Workspace.status == WorkspaceStatus.ACTIVE,
            Workspace.is_hub.is_(False),
        )
    )
    if criteria.q.strip():
        for word in criteria.q.split()[:8]:
            pattern = f"%{_escape_like(word.lower())}%"
            query = query.where(
                or_(
                    func.lower(Opportunity.title).like(pattern, escape="\\"),
                    func.lower(Opportunity.summary).like(pattern, escape="\\"),
                    func.lower(Opportunity.description).like(pattern, escape="\\"),
                    func.lower(LocalGroup.name).like(pattern, escape="\\"),
                )
            )
    if criteria.cause in CAUSES:
        query = query.where(Opportunity.cause == criteria.cause)
    if criteria.skill in SKILLS:
        query = query.where(Opportunity.skills.like(f"%,{criteria.skill},%"))
    if criteria.borough:
        slugs = boroughs_near(criteria.borough, include_neighbours=criteria.neighbours)
        criteria.boroughs = slugs
        query = query.where(Workspace.slug.in_(slugs))
    if criteria.date_from or criteria.date_to:
        first = criteria.date_from or london_today()
        last = criteria.date_to or first + timedelta(days=366)
        starts = max(london_to_utc(first, time(0)), now)
        ends = london_to_utc(last + timedelta(days=1), time(0))
        query = query.where(_in_window(starts, ends))
    if criteria.remote:
        query = query.where(Opportunity.remote.is_(True))
    if criteria.groups:
        query = query.where(Opportunity.group_size.is_not(None))
    if criteria.under_18:
        query = query.where(or_(Opportunity.minimum_age.is_(None), Opportunity.minimum_age < 18))
    if criteria.step_free:
        query = query.where(Opportunity.step_free.is_(True))
    page = max(1, criteria.page)
    query = (
        query.order_by(next_session.asc().nulls_last(), Opportunity.title, Opportunity.id)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    with hub_scope("public opportunity search: published opportunities only", audit=False):
        rows = db.session.execute(query).all()
    results = [Listing(*row) for row in rows[:page_size]]
    return ListingPage(results, page, len(rows) > page_size)


def workspace_listing(workspace: Workspace, limit: int = 50) -> list[Listing]:
    """The workspace's own published, open opportunities for its public page (one query)."""
    next_session = listing_key(utcnow()).label("next_session")
    query = (
        select(Opportunity, LocalGroup.name)
        .add_columns(next_session)
        .join(
            LocalGroup,
            and_(
                LocalGroup.tenant_id == Opportunity.tenant_id, LocalGroup.id == Opportunity.group_id
            ),
        )
        .where(Opportunity.tenant_id == workspace.id, *_listed_now(london_today()))
        .order_by(next_session.asc().nulls_last(), Opportunity.title, Opportunity.id)
        .limit(limit)
    )
    with tenant_context(workspace.id):
        rows = db.session.execute(query).all()
    return [
        Listing(o, group, workspace.slug, workspace.name, workspace.borough, nxt)
        for o, group, nxt in rows
    ]
