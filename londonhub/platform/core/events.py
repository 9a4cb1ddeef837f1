"""Domain events: what happened in a workspace, announced once, for whoever listens.

Features (and billing, which may import only core) call `emit(workspace, "booking.confirmed",
data)` inside the transaction that made the change. That adds one `event_outbox` row to the
same transaction (the outbox): a rolled-back action leaves no event, a committed one cannot lose
its event. After the commit a job (`publish`) hands the event to each subscriber that
registered with `subscribe` (outbound webhooks today), in the event's workspace context, and
marks it published. A job lost between the commit and the queue (a crash, Redis down) is caught
up by `publish_pending`, which `flask events publish-pending` (and the webhooks sweep) run.

Core names no feature: the areas register their event types (`register_event_type`, with a
sentence and their payload's fields, shown to workspace admins and in the README), and
subscribers register themselves in their own `init_app`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import JSON, DateTime, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import ID_TYPE, db
from .jobs import enqueue, job, job_name, run_job
from .tenancy import TenantScoped, Workspace, hub_scope, tenant_context, tenant_table_args
from .timeutil import as_utc, utcnow


@dataclass(frozen=True)
class EventType:
    name: str
    #: One sentence: when it happens.
    description: str
    #: The fields of its `data`, name -> meaning (documentation; the README lists the same).
    fields: dict[str, str]


#: Every event type the areas registered, by name.
EVENT_TYPES: dict[str, EventType] = {}

Subscriber = Callable[["OutboxEvent"], None]


class OutboxEvent(TenantScoped, db.Model):
    """One event of one workspace, written in the transaction of the change it announces."""

    __tablename__ = "event_outbox"
    __table_args__ = tenant_table_args(
        Index("ix_event_outbox_unpublished", "published_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: The public id ("evt_..."): receivers use it to refuse an event they already handled.
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    #: The whole envelope as sent: id, type, timestamp, workspace, data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When the subscribers were given it; empty until then (the catch-up sweep looks here).
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def register_event_type(name: str, description: str, fields: dict[str, str]) -> None:
    """An area's kind of event (from its init_app): only registered types can be emitted."""
    EVENT_TYPES[name] = EventType(name, description, dict(fields))


def subscribe(app: Flask, subscriber: Subscriber) -> None:
    """Call `subscriber(event)` for every event, after its commit, in its workspace context."""
    subscribers = app.extensions.setdefault("londonhub.event_subscribers", [])
    if subscriber not in subscribers:
        subscribers.append(subscriber)


def timestamp(moment: datetime | None) -> str | None:
    """The payloads' time format: ISO 8601 in UTC with a Z."""
    if moment is None:
        return None
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def emit(workspace: Workspace, type_: str, data: dict[str, Any]) -> OutboxEvent:
    """Record that `type_` happened in `workspace`, in the current transaction, and publish it
    after the commit. `data` holds this workspace's ids, amounts in pence and timestamps."""
    if type_ not in EVENT_TYPES:
        raise LookupError(f"{type_} is not a registered event type")
    now = utcnow()
    uid = "evt_" + secrets.token_hex(12)
    envelope = {
        "id": uid,
        "type": type_,
        "timestamp": timestamp(now),
        "workspace": workspace.slug,
        "data": data,
    }
    with tenant_context(workspace.id):
        event = OutboxEvent(
            tenant_id=workspace.id, uid=uid, type=type_, payload=envelope, occurred_at=now
        )
        db.session.add(event)
        db.session.flush()
        enqueue(publish, event.id)
    return event


@job
def publish(event_id: int) -> None:
    """Give one committed event to every subscriber, once (runs in its workspace context)."""
    query = select(OutboxEvent).where(OutboxEvent.id == event_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # a job and the sweep at once: the second waits, skips
    event = db.session.scalar(query)
    if event is None or event.published_at is not None:
        return
    for subscriber in current_app.extensions.get("londonhub.event_subscribers", []):
        subscriber(event)
    event.published_at = utcnow()
    db.session.flush()


def publish_pending(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Publish the events whose job never ran (committed more than `older_than` ago), each in
    its own workspace context and transaction. Returns how many it published."""
    cutoff = utcnow() - older_than
    with hub_scope("events: publish what a lost job left", audit=False):
        rows = db.session.execute(
            select(OutboxEvent.tenant_id, OutboxEvent.id)
            .where(OutboxEvent.published_at.is_(None), OutboxEvent.occurred_at <= cutoff)
            .order_by(OutboxEvent.id)
            .limit(1000)
        ).all()
    db.session.commit()
    app = current_app._get_current_object()
    for tenant_id, event_id in rows:
        run_job(job_name(publish), (event_id,), {}, tenant_id, app=app)
    return len(rows)


def init_app(app: Flask) -> None:
    import click

    @app.cli.group("events", help="Domain events and their outbox.")
    def events_cli() -> None:
        pass

    @events_cli.command("publish-pending")
    def publish_pending_command() -> None:
        """Publish events whose job was lost (run it from cron when jobs run in-process)."""
        click.echo(f"Published {publish_pending()} event(s).")
