"""A workspace's webhook endpoints, each event's deliveries to them, and every attempt.

All three are tenant-owned: an endpoint belongs to one workspace, receives only that
workspace's events, and its deliveries and attempts reference it through `(tenant_id, ...)`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import ID_TYPE, db
from londonhub.platform.core.tenancy import (
    TenantScoped,
    _enum,
    tenant_foreign_key,
    tenant_table_args,
)
from londonhub.platform.core.timeutil import utcnow


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "Waiting to retry", "delivered": "Delivered", "failed": "Failed"}[
            self.value
        ]


class WebhookEndpoint(TenantScoped, db.Model):
    """A URL of the workspace's own systems that receives the events it chose."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    #: The event types it receives, comma-separated.
    events: Mapped[str] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: The signing secret, encrypted at rest (shown once, when made or rotated).
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    #: After a rotation the old secret also signs until `previous_secret_until`, so the
    #: receiver can switch without refusing deliveries in between.
    previous_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    secret_rotated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )

    @property
    def event_types(self) -> list[str]:
        return [name for name in self.events.split(",") if name]


class WebhookDelivery(TenantScoped, db.Model):
    """One event sent (or to be sent) to one endpoint; `sequence` 0 is the original, each
    replay from the admin page the next number."""

    __tablename__ = "webhook_delivery"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", "endpoint_id", "event_id", "sequence"),
        tenant_foreign_key(["endpoint_id"], "webhook_endpoint", ["id"], ondelete="CASCADE"),
        tenant_foreign_key(["event_id"], "event_outbox", ["id"], ondelete="CASCADE"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "tenant_id", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ID_TYPE)
    event_id: Mapped[int] = mapped_column(ID_TYPE)
    #: Denormalised from the event, so the list needs no join to say what was sent.
    event_type: Mapped[str] = mapped_column(String(60))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When the next attempt is due (None once delivered or failed).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replayed_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )


class WebhookAttempt(TenantScoped, db.Model):
    """One try at a delivery, with what the receiver answered (or why there was no answer)."""

    __tablename__ = "webhook_attempt"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["delivery_id"], "webhook_delivery", ["id"], ondelete="CASCADE"),
        Index("ix_webhook_attempt_delivery", "tenant_id", "delivery_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ID_TYPE)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    #: The start of the receiver's answer, as text.
    response_excerpt: Mapped[str] = mapped_column(String(500), default="")
    #: Why no answer came (refused address, timeout, connection error), if none did.
    error: Mapped[str] = mapped_column(String(300), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
