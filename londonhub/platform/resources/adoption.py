"""Adoption: a workspace lists a pool resource on its own page.

An adoption is the adopting workspace's own row (`TenantScoped`, under row-level security), so
every query here runs in that workspace's context and names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from londonhub.platform.core import audit
from londonhub.platform.core.errors import NotAllowed
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.notifications import notify_staff, site_link
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
    hub_scope,
    tenant_context,
)

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
            tenant_id=workspace.id,
            resource_id=resource_id,
            adopted_by_id=getattr(user, "id", None),
            seen_number=entry.resource.published_number,
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
    adopted (with its local note), newest first, in two queries however many there are."""
    with tenant_context(workspace.id):
        notes = dict(
            db.session.execute(
                select(ResourceAdoption.resource_id, ResourceAdoption.local_note).where(
                    ResourceAdoption.tenant_id == workspace.id
                )
            ).all()
        )
    query = pool.published_query().where(
        (Resource.owner_workspace_id == workspace.id) | Resource.id.in_(list(notes) or [-1])
    )
    rows = db.session.execute(
        query.order_by(ResourceVersion.published_at.desc(), Resource.id.desc()).limit(limit)
    ).all()
    return [pool.Entry(*row, note=notes.get(row[0].id) or "") for row in rows]


MAX_NOTE = 1000


def _own_adoption(workspace: Workspace, resource_id: int) -> ResourceAdoption:
    found = db.session.scalar(
        select(ResourceAdoption).where(
            ResourceAdoption.tenant_id == workspace.id,
            ResourceAdoption.resource_id == resource_id,
        )
    )
    if found is None:
        raise ResourceError(f"{workspace.name} does not list this resource", "note")
    return found


def set_note(user: object, workspace: Workspace, resource_id: int, note: str) -> ResourceAdoption:
    """The workspace's own words shown with a resource it lists (local contacts, ...): plain
    text, kept with the adoption, never a copy of the resource."""
    _require_staff(user, workspace)
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise ResourceError(f"Keep the local note to {MAX_NOTE:,} characters or fewer", "note")
    with tenant_context(workspace.id):
        found = _own_adoption(workspace, resource_id)
        found.local_note = note
        db.session.flush()
    return found


def mark_seen(user: object, workspace: Workspace, resource_id: int) -> None:
    """The staff have seen the newest version: its notice goes."""
    _require_staff(user, workspace)
    published = db.session.scalar(
        select(Resource.published_number).where(Resource.id == resource_id)
    )
    with tenant_context(workspace.id):
        found = _own_adoption(workspace, resource_id)
        found.seen_number = published
        db.session.flush()


@dataclass
class Adopted:
    entry: pool.Entry
    adoption: ResourceAdoption
    #: The newest published version when the staff have not seen it yet, else None.
    news: ResourceVersion | None


def adopted_for_admin(user: object, workspace: Workspace) -> list[Adopted]:
    """What the workspace lists, with its notes and a notice of each new version: three
    queries however many."""
    _require_staff(user, workspace)
    with tenant_context(workspace.id):
        adoptions = {
            a.resource_id: a
            for a in db.session.scalars(
                select(ResourceAdoption).where(ResourceAdoption.tenant_id == workspace.id)
            )
        }
    rows = db.session.execute(
        pool.published_query()
        .where(Resource.id.in_(list(adoptions) or [-1]))
        .order_by(ResourceVersion.title, Resource.id)
    ).all()
    result = []
    for resource, version, owner in rows:
        adoption = adoptions[resource.id]
        seen = adoption.seen_number or 0
        news = version if resource.published_number > seen else None
        result.append(Adopted(pool.Entry(resource, version, owner), adoption, news))
    return result


def notify_adopters(resource: Resource, version: ResourceVersion) -> int:
    """Tell each workspace that lists the resource that a new version is published: a notice
    on its admin page (`seen_number` is behind) and a notification to its staff (emailed if
    the workspace chose). Reads adoptions across workspaces: only which workspaces adopted."""
    with hub_scope("workspaces listing a resource that has a new version", audit=False):
        adopter_ids = list(
            db.session.scalars(
                select(ResourceAdoption.tenant_id).where(
                    ResourceAdoption.resource_id == resource.id
                )
            )
        )
    if not adopter_ids:
        return 0
    workspaces = db.session.scalars(
        select(Workspace).where(
            Workspace.id.in_(adopter_ids), Workspace.status == WorkspaceStatus.ACTIVE
        )
    )
    count = 0
    for workspace in workspaces:
        link = site_link("resources_admin.adopted", slug=workspace.slug)
        message = (
            f"Version {version.number} of “{version.title}”, which {workspace.name} lists on "
            f"its page, is published. What changed: {version.change_note}"
        )
        notify_staff(workspace, "resource.new_version", "A resource you list has changed",
                     message, link)  # fmt: skip
        count += 1
    return count


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
