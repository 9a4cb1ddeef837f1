"""Workspace lifecycle: create, suspend, reactivate, archive. Used by the hub and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from .audit import record
from .extensions import db
from .identity import User
from .tenancy import SLUG_PATTERN, Workspace, WorkspaceKind, WorkspaceStatus
from .timeutil import utcnow


class WorkspaceError(ValueError):
    """A workspace change that cannot be made; the message says why, for a person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def slug_problem(slug: str) -> str | None:
    if not slug or len(slug) > 63:
        return "Enter a short name of 1 to 63 characters"
    if not SLUG_PATTERN.match(slug):
        return "Use lower-case letters, numbers and single hyphens, like barking-and-dagenham"
    return None


def create_workspace(
    slug: str,
    name: str,
    *,
    borough: str | None = None,
    kind: WorkspaceKind = WorkspaceKind.CVS,
    accent_colour: str = "#1d70b8",
    actor: User | None = None,
) -> Workspace:
    """Create an active workspace; flushes, the caller commits."""
    slug = slug.strip().lower()
    name = name.strip()
    problem = slug_problem(slug)
    if problem:
        raise WorkspaceError(problem, "slug")
    if not name:
        raise WorkspaceError("Enter the workspace's name", "name")
    if db.session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise WorkspaceError(f"A workspace with the address /b/{slug}/ already exists", "slug")
    workspace = Workspace(
        slug=slug,
        name=name,
        borough=(borough or name).strip(),
        kind=kind,
        status=WorkspaceStatus.ACTIVE,
        accent_colour=accent_colour,
        description="",
    )
    db.session.add(workspace)
    db.session.flush()
    record(
        "workspace.create",
        f"Created workspace {name} (/b/{slug}/)",
        workspace=workspace,
        actor=actor,
    )
    return workspace


ALLOWED_TRANSITIONS = {
    WorkspaceStatus.ACTIVE: {WorkspaceStatus.SUSPENDED, WorkspaceStatus.ARCHIVED},
    WorkspaceStatus.SUSPENDED: {WorkspaceStatus.ACTIVE, WorkspaceStatus.ARCHIVED},
    WorkspaceStatus.ARCHIVED: {WorkspaceStatus.ACTIVE},
}


def set_workspace_status(
    workspace: Workspace, status: WorkspaceStatus, *, actor: User | None = None, reason: str = ""
) -> Workspace:
    if status == workspace.status:
        raise WorkspaceError(f"{workspace.name} is already {status.value}")
    if status not in ALLOWED_TRANSITIONS[workspace.status]:
        article = "An" if workspace.status.value[0] in "aeiou" else "A"
        raise WorkspaceError(
            f"{article} {workspace.status.value} workspace cannot become {status.value}"
        )
    previous = workspace.status
    workspace.status = status
    workspace.status_changed_at = utcnow()
    verb = {"active": "Reactivated", "suspended": "Suspended", "archived": "Archived"}[status.value]
    record(
        f"workspace.{status.value}",
        f"{verb} workspace {workspace.name}",
        workspace=workspace,
        actor=actor,
        previous=previous.value,
        reason=reason,
    )
    db.session.flush()
    return workspace


def list_public_workspaces() -> list[Workspace]:
    """Workspaces the public may see (active and suspended), by borough."""
    return list(
        db.session.scalars(
            select(Workspace)
            .where(Workspace.status != WorkspaceStatus.ARCHIVED, Workspace.is_hub.is_(False))
            .order_by(Workspace.borough)
        )
    )


def borough_choices() -> list[tuple[str, str]]:
    """(slug, borough) of the active borough workspaces, by borough: the choices of every
    listing's borough filter, which takes slugs (shareable, case-proof addresses)."""
    rows = db.session.execute(
        select(Workspace.slug, Workspace.borough)
        .where(Workspace.status == WorkspaceStatus.ACTIVE, Workspace.is_hub.is_(False))
        .order_by(Workspace.borough, Workspace.slug)
    )
    return [(slug, borough) for slug, borough in rows]


def list_all_workspaces(status: WorkspaceStatus | None = None) -> list[Workspace]:
    query = select(Workspace).where(Workspace.is_hub.is_(False)).order_by(Workspace.borough)
    if status is not None:
        query = query.where(Workspace.status == status)
    return list(db.session.scalars(query))


# --- extension point: sections of a workspace's public page (core imports no feature) ---------

#: (workspace) -> (template name, context) or None: a section on the page /b/<slug>/.
WorkspaceSection = Callable[[Workspace], "tuple[str, dict[str, Any]] | None"]


def register_workspace_section(app: Flask, provider: WorkspaceSection) -> None:
    """A feature adds what the workspace offers (opportunities, ...) to its public page."""
    providers = app.extensions.setdefault("londonhub.workspace_sections", [])
    if provider not in providers:
        providers.append(provider)


def workspace_sections(workspace: Workspace) -> list[tuple[str, dict[str, Any]]]:
    sections = []
    for provider in current_app.extensions.get("londonhub.workspace_sections", []):
        section = provider(workspace)
        if section is not None:
            sections.append(section)
    return sections
