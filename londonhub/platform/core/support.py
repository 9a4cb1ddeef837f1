"""Hub support access: a hub admin enters one workspace's admin, explicitly, for a reason, for
a limited time. Every start and end is audited in that workspace's log, its owners are told by
email and see it on their admin pages, and while it lasts the hub admin acts as an admin there.

Hub-level identity data, like memberships: read before any workspace context exists to decide
what a person may do; every lookup names the workspace.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .audit import record
from .extensions import db
from .identity import Membership, Role, SupportAccess, User, active_support
from .mail import send_email
from .tenancy import Workspace, WorkspaceStatus
from .timeutil import utcnow

#: The choices offered, in minutes; the longest is the limit.
DURATIONS = (30, 60, 120)
MIN_REASON = 10


class SupportError(ValueError):
    """Support access cannot start; the message says why, for a person."""


def start_support(actor: User, workspace: Workspace, reason: str, minutes: int) -> SupportAccess:
    if not actor.is_hub_admin:
        raise SupportError("Only hub admins can give support inside a workspace")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise SupportError(
            f"Say why you need access, in at least {MIN_REASON} characters: the owners see it"
        )
    if minutes not in DURATIONS:
        raise SupportError("Choose how long you need access")
    if workspace.is_hub or workspace.status == WorkspaceStatus.ARCHIVED:
        raise SupportError(f"{workspace.name} is archived: reactivate it first")
    previous = active_support(actor, workspace)
    if previous is not None:
        previous.ended_at = utcnow()
    access = SupportAccess(
        workspace_id=workspace.id,
        user_id=actor.id,
        user_email=actor.email,
        reason=reason[:500],
        expires_at=utcnow() + timedelta(minutes=minutes),
    )
    db.session.add(access)
    db.session.flush()
    g.pop("_support_access", None)
    record(
        "support.start",
        f"Hub support access by {actor.email} for {minutes} minutes: {reason[:200]}",
        workspace=workspace,
        actor=actor,
        reason=reason[:500],
        minutes=minutes,
    )
    hub = current_app.config["HUB_NAME"]
    for owner in _owners(workspace):
        send_email(
            owner.email,
            f"{hub} support has entered {workspace.name}'s admin",
            f"Hello {owner.name},\n\n{actor.name} ({actor.email}), a {hub} hub admin, has "
            f"entered {workspace.name}'s admin for support, for {minutes} minutes.\n\n"
            f"Their reason: {reason}\n\nEverything they do is in your audit log. If you did "
            "not expect this, reply to the hub.\n",
        )
    return access


def end_support(actor: User, workspace: Workspace) -> SupportAccess | None:
    access = active_support(actor, workspace)
    if access is None:
        return None
    access.ended_at = utcnow()
    g.pop("_support_access", None)
    record(
        "support.end",
        f"Hub support access by {actor.email} ended",
        workspace=workspace,
        actor=actor,
    )
    db.session.flush()
    return access


def recent_support(workspace: Workspace, limit: int = 10) -> list[SupportAccess]:
    """What the owners see: the latest support visits to their workspace, newest first."""
    return list(
        db.session.scalars(
            select(SupportAccess)
            .where(SupportAccess.workspace_id == workspace.id)
            .order_by(SupportAccess.started_at.desc(), SupportAccess.id.desc())
            .limit(limit)
        )
    )


def _owners(workspace: Workspace) -> list[User]:
    return [
        m.user
        for m in db.session.scalars(
            select(Membership)
            .where(Membership.workspace_id == workspace.id, Membership.role == Role.OWNER)
            .options(joinedload(Membership.user))
        )
    ]
