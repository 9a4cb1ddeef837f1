"""Adoption: a workspace lists a pool resource on its own page.

An adoption is the adopting workspace's own row (`TenantScoped`, under row-level security), so
every query here runs in that workspace's context and names it.
"""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core import audit
from londonhub.platform.core.errors import NotAllowed
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus, tenant_context

from . import pool
from .models import Resource, ResourceAdoption, ResourceVersion
from .services import ResourceError


def _require_staff(user: object, workspace: Workspace) -> None:
    if workspace.is_hub or not has_role(user, workspace, Role.STAFF):
        raise NotAllowed(f"Only {workspace.name}'s staff can choose what its page lists")
    if workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")


def adopt(user: object, workspace: Workspace, resource_id: int) -> ResourceAdoption:
    """List a published pool resource on the workspace's page (once)."""
    _require_staff(user, workspace)
    entry = pool.get_published(resource_id)
    if entry.resource.owner_workspace_id == workspace.id:
        raise ResourceError("Your own resources are on your page already")
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(ResourceAdoption).where(
                ResourceAdoption.tenant_id == workspace.id,
                ResourceAdoption.resource_id == resource_id,
            )
        )
        if found is not None:
            return found
        adoption = ResourceAdoption(
            tenant_id=workspace.id, resource_id=resource_id, adopted_by_id=getattr(user, "id", None)
        )
        db.session.add(adoption)
        db.session.flush()
    audit.record(
        "resource.adopt", f"Resource adopted: {entry.version.title}", workspace=workspace,
        resource_id=resource_id,
    )  # fmt: skip
    return adoption


def unadopt(user: object, workspace: Workspace, resource_id: int) -> None:
    _require_staff(user, workspace)
    with tenant_context(workspace.id):
        found = db.session.scalar(
            select(ResourceAdoption).where(
                ResourceAdoption.tenant_id == workspace.id,
                ResourceAdoption.resource_id == resource_id,
            )
        )
        if found is not None:
            db.session.delete(found)
            db.session.flush()


def adopted_ids(workspace_ids: list[int]) -> dict[int, set[int]]:
    """workspace id -> ids of the resources it adopted, for several workspaces in one query
    each (the detail page's adopt buttons)."""
    result: dict[int, set[int]] = {}
    for workspace_id in workspace_ids:
        with tenant_context(workspace_id):
            result[workspace_id] = set(
                db.session.scalars(
                    select(ResourceAdoption.resource_id).where(
                        ResourceAdoption.tenant_id == workspace_id
                    )
                )
            )
    return result


def for_workspace_page(workspace: Workspace, limit: int = 20) -> list[pool.Entry]:
    """The hook for a workspace's public page: its own published resources and the ones it
    adopted, newest first, in two queries however many there are."""
    with tenant_context(workspace.id):
        adopted = list(
            db.session.scalars(
                select(ResourceAdoption.resource_id).where(
                    ResourceAdoption.tenant_id == workspace.id
                )
            )
        )
    query = pool.published_query().where(
        (Resource.owner_workspace_id == workspace.id) | Resource.id.in_(adopted or [-1])
    )
    rows = db.session.execute(
        query.order_by(ResourceVersion.published_at.desc(), Resource.id.desc()).limit(limit)
    ).all()
    return [pool.Entry(*row) for row in rows]


def adoption_choices(user: object, resource_id: int) -> list[tuple[Workspace, bool]]:
    """The workspaces where `user` is staff (never the owner's) and whether each has adopted
    the resource: the detail page's "list it on our page" buttons."""
    from londonhub.platform.core.identity import Membership

    if not getattr(user, "is_authenticated", False):
        return []
    owner_id = db.session.scalar(
        select(Resource.owner_workspace_id).where(Resource.id == resource_id)
    )
    workspaces = list(
        db.session.scalars(
            select(Workspace)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(
                Membership.user_id == user.id,
                Workspace.id != owner_id,
                Workspace.is_hub.is_(False),
                Workspace.status == WorkspaceStatus.ACTIVE,
            )
            .order_by(Workspace.name)
        )
    )
    adopted = adopted_ids([w.id for w in workspaces])
    return [(w, resource_id in adopted.get(w.id, set())) for w in workspaces]
