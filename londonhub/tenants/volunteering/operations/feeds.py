"""Keyset pages for the API: open opportunities London-wide, and a workspace's responses and
hours. Each page is one query, ordered by id after the last one seen, however deep."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_today

from ..models import HoursStatus, Opportunity, VolunteerHours, VolunteerResponse
from .search import _listed_now


def open_opportunities_after(
    after_id: int, limit: int, *, borough: str | None = None
) -> list[tuple[Opportunity, str]]:
    """Published, still open opportunities of active workspaces, with the workspace's slug."""
    query = (
        select(Opportunity, Workspace.slug)
        .join(Workspace, Workspace.id == Opportunity.tenant_id)
        .where(
            *_listed_now(london_today()),
            Workspace.status == WorkspaceStatus.ACTIVE,
            Workspace.is_hub.is_(False),
            Opportunity.id > after_id,
        )
        .order_by(Opportunity.id)
        .limit(limit)
    )
    if borough:
        query = query.where(Workspace.slug == borough)
    with hub_scope("API: open opportunities", audit=False):
        return [(opportunity, slug) for opportunity, slug in db.session.execute(query)]


def responses_after(
    workspace: Workspace, after_id: int, limit: int
) -> list[tuple[VolunteerResponse, str, str]]:
    """The workspace's volunteers' responses, each with the opportunity's title and the
    person's name."""
    query = (
        select(VolunteerResponse, Opportunity.title, User.name)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerResponse.tenant_id)
            & (Opportunity.id == VolunteerResponse.opportunity_id),
        )
        .join(User, User.id == VolunteerResponse.user_id)
        .where(VolunteerResponse.tenant_id == workspace.id, VolunteerResponse.id > after_id)
        .order_by(VolunteerResponse.id)
        .limit(limit)
    )
    with tenant_context(workspace.id):
        return [(r, title, name) for r, title, name in db.session.execute(query)]


def hours_after(
    workspace: Workspace, after_id: int, limit: int, *, status: HoursStatus | None = None
) -> list[tuple[VolunteerHours, str, str]]:
    """The workspace's recorded hours, each with the opportunity's title and the person's name."""
    query = (
        select(VolunteerHours, Opportunity.title, User.name)
        .join(
            Opportunity,
            (Opportunity.tenant_id == VolunteerHours.tenant_id)
            & (Opportunity.id == VolunteerHours.opportunity_id),
        )
        .join(User, User.id == VolunteerHours.user_id)
        .where(VolunteerHours.tenant_id == workspace.id, VolunteerHours.id > after_id)
        .order_by(VolunteerHours.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(VolunteerHours.status == status)
    with tenant_context(workspace.id):
        return [(h, title, name) for h, title, name in db.session.execute(query)]
