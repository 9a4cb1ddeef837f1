"""Invoice documents: a seller's billing settings (with its number counters), its invoices and
its credit notes. Tenant-owned: the seller's workspace owns each row.

An invoice is a document, not a view of the order: what it says (the seller's address, the VAT
status, how to pay, the buyer) is copied onto it when it is issued, so a later change of the
settings does not rewrite an invoice the buyer already has.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.tenancy import TenantScoped, tenant_foreign_key, tenant_table_args
from londonhub.platform.core.timeutil import utcnow

DEFAULT_DUE_DAYS = 14
DEFAULT_REMINDER_DAYS = 3
VAT_RATES = (0, 5, 20)


class BillingSettings(TenantScoped, db.Model):
    """One row per seller: what its invoices say, when they fall due, and the counters that
    number its invoices and credit notes without gaps (the row is locked while a number is
    taken, and the number is taken in the same transaction as the document)."""

    __tablename__ = "billing_settings"
    __table_args__ = tenant_table_args(
        UniqueConstraint("tenant_id", name="uq_billing_settings_tenant"),
        CheckConstraint("due_days BETWEEN 1 AND 90", name="due_days_range"),
        CheckConstraint("reminder_days BETWEEN 0 AND 30", name="reminder_days_range"),
        CheckConstraint("vat_rate_percent IN (0, 5, 20)", name="vat_rate_known"),
        CheckConstraint("next_invoice_number > 0", name="invoice_counter_positive"),
        CheckConstraint("next_credit_note_number > 0", name="credit_counter_positive"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: The seller's postal address as printed on its invoices.
    address: Mapped[str] = mapped_column(Text, default="")
    vat_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Normalised: "GB" and 9 (or 12) digits that pass HMRC's check.
    vat_number: Mapped[str | None] = mapped_column(String(16))
    #: Prices include VAT at this rate when the seller is VAT-registered.
    vat_rate_percent: Mapped[int] = mapped_column(Integer, default=20)
    #: How to pay: bank details, cheque payee, and the reference to quote.
    payment_instructions: Mapped[str] = mapped_column(Text, default="")
    #: An invoice falls due this many days after it is issued (or before the service, if sooner).
    due_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_DUE_DAYS)
    #: The buyer is reminded this many days before the due date (0: no reminder).
    reminder_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_REMINDER_DAYS)
    next_invoice_number: Mapped[int] = mapped_column(Integer, default=1)
    next_credit_note_number: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OverdueDecision:
    """What the seller decided about an invoice past its due date."""

    EXTENDED = "extended"
    KEPT = "kept"
    CANCELLED = "cancelled"


class Invoice(TenantScoped, db.Model):
    __tablename__ = "billing_invoice"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["order_id"], "billing_order", ["id"], ondelete="RESTRICT"),
        #: One invoice per order; one invoice per number per seller.
        UniqueConstraint("tenant_id", "order_id", name="uq_billing_invoice_order"),
        UniqueConstraint("tenant_id", "number", name="uq_billing_invoice_number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("due_on >= issued_on", name="due_after_issue"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    order_id: Mapped[int] = mapped_column(ID_TYPE)
    #: Gap-free per seller: 1, 2, 3 ...
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_address: Mapped[str] = mapped_column(Text)
    vat_registered: Mapped[bool] = mapped_column(Boolean)
    vat_number: Mapped[str | None] = mapped_column(String(16))
    vat_rate_percent: Mapped[int] = mapped_column(Integer)
    #: The VAT included in the total (0 when the seller is not VAT-registered).
    vat_pence: Mapped[int] = mapped_column(Integer)
    total_pence: Mapped[int] = mapped_column(Integer)
    payment_instructions: Mapped[str] = mapped_column(Text)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_email: Mapped[str] = mapped_column(String(254))
    buyer_organisation: Mapped[str | None] = mapped_column(String(200))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The seller was told the invoice is overdue (once per due date).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: extended / kept / cancelled (OverdueDecision), with when and who.
    decision: Mapped[str | None] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CreditNote(TenantScoped, db.Model):
    """Money taken off an invoice: one for each refund, and one for the whole amount when an
    unpaid invoice is cancelled. Its own gap-free series per seller (see `documents`)."""

    __tablename__ = "billing_credit_note"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["invoice_id"], "billing_invoice", ["id"], ondelete="RESTRICT"),
        UniqueConstraint("tenant_id", "number", name="uq_billing_credit_note_number"),
        #: One credit note per refund (or cancellation), however often it is booked.
        UniqueConstraint("tenant_id", "source", name="uq_billing_credit_note_source"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ID_TYPE, index=True)
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(Integer)
    vat_pence: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    #: What caused it: the refund's source (refund:12, re_...) or cancel:<order id>.
    source: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
