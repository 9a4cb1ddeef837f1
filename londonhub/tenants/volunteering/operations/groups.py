"""Local groups: the workspace's directory of community groups, charities and enterprises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from londonhub.platform.core.access import require_role
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_today

from ..models import LocalGroup, Opportunity, OpportunityStatus
from ..vocab import CAUSES, GROUP_KINDS, pack
from . import PAGE_SIZE, NotFound, VolunteeringError

GROUP_FIELDS = (
    "name",
    "kind",
    "charity_number",
    "company_number",
    "causes",
    "contact_name",
    "contact_email",
    "contact_phone",
    "address",
    "postcode",
    "website",
    "listed_publicly",
)


def list_groups(workspace: Workspace) -> list[LocalGroup]:
    with tenant_context(workspace.id):
        return list(db.session.scalars(select(LocalGroup).order_by(LocalGroup.name)))


def get_group(workspace: Workspace, group_id: int) -> LocalGroup:
    """A group of this workspace; another workspace's id is simply not found."""
    with tenant_context(workspace.id):
        group = db.session.scalar(select(LocalGroup).where(LocalGroup.id == group_id))
    if group is None:
        raise NotFound("There is no such group")
    return group


def _check(values: dict[str, Any]) -> None:
    if values.get("kind") not in GROUP_KINDS:
        raise VolunteeringError("Choose what kind of group this is", "kind")
    if values.get("kind") == "charity" and not values.get("charity_number"):
        raise VolunteeringError(
            "Enter the charity number of a registered charity", "charity_number"
        )
    if values.get("kind") in ("cic", "cio") and not (
        values.get("company_number") or values.get("charity_number")
    ):
        raise VolunteeringError(
            "Enter the company number (or the charity number of a CIO)", "company_number"
        )
    unknown = set(values.get("causes") or []) - set(CAUSES)
    if unknown:
        raise VolunteeringError("Choose causes from the list", "causes")


def save_group(
    user: User, workspace: Workspace, values: dict[str, Any], group_id: int | None = None
) -> LocalGroup:
    """Add a group (group_id None) or change one; `values` as GROUP_FIELDS, causes a list."""
    require_role(user, workspace, Role.STAFF, write=True)
    _check(values)
    with tenant_context(workspace.id):
        if group_id is None:
            group = LocalGroup()
            db.session.add(group)
        else:
            group = get_group(workspace, group_id)
        for name in GROUP_FIELDS:
            if name in values:
                value = values[name]
                setattr(group, name, pack(value) if name == "causes" else value)
        group.postcode = (group.postcode or "").strip().upper()
        db.session.flush()
    record(
        "volunteering.group_saved",
        f"{'Added' if group_id is None else 'Updated'} the local group {group.name}",
        workspace=workspace,
        actor=user,
        group_id=group.id,
    )
    return group


# --- the public directory ------------------------------------------------------------------------


@dataclass
class PublicGroup:
    """What the public sees of a listed group: never its contact person or address."""

    group: LocalGroup
    workspace_slug: str
    borough: str
    open_opportunities: int


@dataclass
class GroupPage:
    results: list[PublicGroup]
    page: int
    has_next: bool


def public_groups(
    workspace: Workspace | None = None, cause: str = "", page: int = 1, page_size: int = PAGE_SIZE
) -> GroupPage:
    """Groups listed publicly, in one workspace or across London (active workspaces only),
    by name, one SQL statement per page with each group's count of open opportunities."""
    today = london_today()
    open_count = (
        select(func.count(Opportunity.id))
        .where(
            Opportunity.tenant_id == LocalGroup.tenant_id,
            Opportunity.group_id == LocalGroup.id,
            Opportunity.status == OpportunityStatus.PUBLISHED,
            or_(Opportunity.closing_date.is_(None), Opportunity.closing_date >= today),
        )
        .correlate(LocalGroup)
        .scalar_subquery()
    )
    query = (
        select(LocalGroup, Workspace.slug, Workspace.borough, open_count)
        .join(Workspace, Workspace.id == LocalGroup.tenant_id)
        .where(
            LocalGroup.listed_publicly.is_(True),
            Workspace.status == WorkspaceStatus.ACTIVE,
            Workspace.is_hub.is_(False),
        )
    )
    if cause in CAUSES:
        query = query.where(LocalGroup.causes.like(f"%,{cause},%"))
    page = max(1, page)
    query = (
        query.order_by(LocalGroup.name, LocalGroup.id)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    if workspace is not None:
        with tenant_context(workspace.id):
            rows = db.session.execute(query.where(LocalGroup.tenant_id == workspace.id)).all()
    else:
        with hub_scope("public groups directory: listed groups only", audit=False):
            rows = db.session.execute(query).all()
    results = [PublicGroup(*row) for row in rows[:page_size]]
    return GroupPage(results, page, len(rows) > page_size)
