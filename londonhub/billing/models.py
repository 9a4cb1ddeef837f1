"""Orders, their lines and status history, the ledger, refunds, and received Stripe events.

Amounts are integers in pence (GBP). Orders, lines, history, refunds and ledger entries are
tenant-owned: their workspace is the seller (the hub sells through its own workspace row), or
for ledger entries the party whose balance the entry moves. Balances are sums of ledger rows,
never stored totals.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.tenancy import (
    TenantScoped,
    _enum,
    tenant_foreign_key,
    tenant_table_args,
)
from londonhub.platform.core.timeutil import utcnow


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for Stripe Checkout
    AWAITING_PAYMENT = "awaiting_payment"  # invoice mode: waiting for the seller to mark it paid
    PAID = "paid"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: Which status may follow which; anything else is refused (and recorded as ignored).
TRANSITIONS: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.AWAITING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
    OrderStatus.PARTIALLY_REFUNDED: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
}


class PaymentMode(enum.StrEnum):
    STRIPE = "stripe"
    INVOICE = "invoice"


class PaymentMethod(enum.StrEnum):
    """How an invoice was paid, as the seller records it when marking the order paid."""

    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    CASH = "cash"
    CARD_TERMINAL = "card_terminal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "bank_transfer": "Bank transfer",
            "cheque": "Cheque",
            "cash": "Cash",
            "card_terminal": "Card terminal",
            "other": "Other",
        }[self.value]


class Order(TenantScoped, db.Model):
    __tablename__ = "billing_order"
    __table_args__ = tenant_table_args(
        CheckConstraint("total_pence >= 0", name="total_not_negative"),
        CheckConstraint(
            "refunded_pence >= 0 AND refunded_pence <= total_pence", name="refund_within_total"
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: The feature's order kind (room_booking, consultancy, corporate_package, ...).
    kind: Mapped[str] = mapped_column(String(40))
    #: The feature's own id for what was sold (a booking id, say).
    fulfilment_ref: Mapped[str] = mapped_column(String(80))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "order_status"))
    payment_mode: Mapped[PaymentMode] = mapped_column(_enum(PaymentMode, "payment_mode"))
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    total_pence: Mapped[int] = mapped_column(Integer)
    #: The hub's fee on this sale, fixed when the order is made.
    platform_fee_pence: Mapped[int] = mapped_column(Integer, default=0)
    refunded_pence: Mapped[int] = mapped_column(Integer, default=0)
    buyer_user_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    buyer_email: Mapped[str] = mapped_column(String(254))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_organisation: Mapped[str | None] = mapped_column(String(200))
    buyer_organisation_type: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: The connected account that receives the sale (destination charge), if any.
    stripe_destination: Mapped[str | None] = mapped_column(String(64))
    transfer_group: Mapped[str | None] = mapped_column(String(80))
    checkout_attempts: Mapped[int] = mapped_column(Integer, default=0)
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Unpaid orders (and what they hold) lapse at this time.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Invoice mode: the payment as the seller recorded it when marking the order paid.
    payment_method: Mapped[str | None] = mapped_column(String(20))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    payment_received_on: Mapped[date | None] = mapped_column(Date)
    payment_recorded_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: Invoice mode: a hub admin confirmed the money arrived. Until then the order's held
    #: money is not paid out (a seller cannot make money appear by marking its own order paid).
    receipt_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receipt_confirmed_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        lazy="raise_on_sql",
        order_by="OrderLine.id",
        primaryjoin="and_(Order.id == OrderLine.order_id, Order.tenant_id == OrderLine.tenant_id)",
        foreign_keys="[OrderLine.tenant_id, OrderLine.order_id]",
    )

    @property
    def refundable_pence(self) -> int:
        return self.total_pence - self.refunded_pence

    @property
    def payment_method_label(self) -> str:
        return PaymentMethod(self.payment_method).label if self.payment_method else ""

    @property
    def awaits_hub_confirmation(self) -> bool:
        """Paid by invoice, as the seller says, and the hub has not yet seen the money."""
        return (
            self.payment_mode == PaymentMode.INVOICE
            and self.is_settled
            and self.total_pence > 0
            and self.receipt_confirmed_at is None
        )

    @property
    def is_settled(self) -> bool:
        return self.status in (
            OrderStatus.PAID,
            OrderStatus.PARTIALLY_REFUNDED,
            OrderStatus.REFUNDED,
        )


class OrderLine(TenantScoped, db.Model):
    __tablename__ = "billing_order_line"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["order_id"], "billing_order", ["id"], ondelete="CASCADE"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    order_id: Mapped[int] = mapped_column(ID_TYPE, index=True)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_pence: Mapped[int] = mapped_column(Integer)
    total_pence: Mapped[int] = mapped_column(Integer)
    #: For hub sales: the workspace this line's income goes to (by transfer or held balance).
    beneficiary_workspace_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="RESTRICT")
    )

    order: Mapped[Order] = relationship(
        back_populates="lines",
        lazy="raise_on_sql",
        primaryjoin="and_(Order.id == OrderLine.order_id, Order.tenant_id == OrderLine.tenant_id)",
        foreign_keys="[OrderLine.tenant_id, OrderLine.order_id]",
    )


class OrderEvent(TenantScoped, db.Model):
    """Every status change of an order, with when, why and by whom or what."""

    __tablename__ = "billing_order_event"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["order_id"], "billing_order", ["id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    order_id: Mapped[int] = mapped_column(ID_TYPE, index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    stripe_event_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RefundStatus(enum.StrEnum):
    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(TenantScoped, db.Model):
    """A refund asked of Stripe (or recorded in invoice mode). Made before the API call, so
    the call's idempotency key comes from this row's id."""

    __tablename__ = "billing_refund"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["order_id"], "billing_order", ["id"], ondelete="CASCADE"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    order_id: Mapped[int] = mapped_column(ID_TYPE, index=True)
    amount_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus, "refund_status"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    failure: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerKind(enum.StrEnum):
    CHARGE = "charge"  # a buyer paid: + to the seller
    PLATFORM_FEE = "platform_fee"  # the hub's fee: - to the seller, + to the hub
    TRANSFER = "transfer"  # hub sale passed to a workspace: - to the hub, + to the workspace
    REFUND = "refund"  # money back to a buyer: - to the seller
    FEE_REFUND = "fee_refund"  # the hub's fee returned with a refund: + seller, - hub
    DISPUTE = "dispute"  # a buyer's bank took the money back: - to the seller
    PAYOUT = "payout"  # the hub paid a held balance out: - to the workspace


class LedgerEntry(TenantScoped, db.Model):
    """One money movement for one party (the row's workspace). Append-only."""

    __tablename__ = "billing_ledger_entry"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["order_id"], "billing_order", ["id"], ondelete="RESTRICT"),
        #: The same movement is never booked twice, however often Stripe tells us of it.
        UniqueConstraint("tenant_id", "kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ID_TYPE, index=True)
    kind: Mapped[LedgerKind] = mapped_column(_enum(LedgerKind, "ledger_kind"))
    #: Signed: positive adds to this workspace's balance, negative takes from it.
    amount_pence: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="gbp")
    #: What caused it: a Stripe object id (ch_, re_, tr_, du_) or a local reference.
    source_id: Mapped[str] = mapped_column(String(255))
    #: Whether the money sits with the hub (to pay out) or already went to the workspace's
    #: own Stripe account (destination charge / transfer).
    held_by_hub: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StripeEventStatus(enum.StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


class StripeEvent(db.Model):
    """Every webhook event, stored once by its id before processing (hub-level)."""

    __tablename__ = "billing_stripe_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    account: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[StripeEventStatus] = mapped_column(
        _enum(StripeEventStatus, "stripe_event_status"), default=StripeEventStatus.RECEIVED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
