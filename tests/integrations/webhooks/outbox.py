"""Reading what was emitted: a workspace's events of one type, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from londonhub.platform.core.events import OutboxEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context


def emitted(workspace, type_: str) -> list[dict[str, Any]]:
    """The envelopes of `type_` events in `workspace`'s outbox (each with its data)."""
    with tenant_context(workspace.id):
        db.session.expire_all()
        return list(
            db.session.scalars(
                select(OutboxEvent.payload)
                .where(OutboxEvent.tenant_id == workspace.id, OutboxEvent.type == type_)
                .order_by(OutboxEvent.id)
            )
        )
