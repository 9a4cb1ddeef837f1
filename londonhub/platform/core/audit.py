"""Audit log of administrative actions: who, which workspace, what, when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from .extensions import ID_TYPE, db
from .timeutil import utcnow

if TYPE_CHECKING:  # the log names users and workspaces by table; tenancy records into it
    from .identity import User
    from .tenancy import Workspace


class AuditEvent(db.Model):
    """Append-only. `workspace_id` is empty for hub-wide actions."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: Kept as text too, so the record survives the actor's account being deleted.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    workspace_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(80), index=True)
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="raise_on_sql")
    workspace: Mapped[Workspace | None] = relationship(lazy="raise_on_sql")


def record(
    action: str,
    summary: str,
    *,
    workspace: Workspace | None = None,
    actor: User | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the action it records)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        summary=summary,
        workspace_id=workspace.id if workspace else None,
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        details=details,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def list_events(
    *, workspace: Workspace | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEvent], bool]:
    """Newest first; one workspace's events, or all of them (hub admins) when none is given.

    Returns the page and whether there is a next page.
    """
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if workspace is not None:
        query = query.where(AuditEvent.workspace_id == workspace.id)
    query = query.offset((page - 1) * per_page).limit(per_page + 1)
    rows = list(
        db.session.scalars(
            query.options(selectinload(AuditEvent.workspace), selectinload(AuditEvent.actor))
        )
    )
    return rows[:per_page], len(rows) > per_page
