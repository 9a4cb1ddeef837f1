"""The consultancy pool: associates, offers, enquiries, quotes, engagements, milestones,
reviews, the associates' ledger, the subsidy pot and Lifeboat requests.

Tenancy model. Consultancy is the hub's own service: the hub sells every engagement (billing
orders in the hub's workspace), associates work London-wide, and clients are people and their
organisations, not borough workspaces. So these are hub-level tables without `tenant_id` and
without row-level security; isolation is *by person*, done in the services and tested by the
consultancy matrix: every read of an enquiry, quote or engagement names the signed-in person in
its WHERE (the client's user id, or the associate's), hub admins excepted. Lifeboat requests
are confidential to the hub and the assigned associates; a workspace sees one only when the hub
shares it with that borough (`shared_with_workspace_id`).

Money is in pence. The associates' ledger is append-only; balances are sums of its rows.

Over 400 lines: one file for the area's tables, so the relations read in one place; Lifeboat
requests and the ledger are the tables to move to their own modules when they grow.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.seed import LONDON_WORKSPACES
from londonhub.platform.core.tenancy import _enum
from londonhub.platform.core.timeutil import utcnow

#: slug -> label: the one taxonomy of expertise (issue 14).
EXPERTISE = {
    "governance": "Governance",
    "fundraising-and-bids": "Fundraising and bids",
    "finance": "Finance",
    "hr-and-employment": "HR and employment",
    "safeguarding": "Safeguarding",
    "digital-and-data": "Digital and data",
    "strategy": "Strategy",
    "mergers-and-partnerships": "Mergers and partnerships",
    "interim-leadership": "Interim leadership",
    "co-production": "Co-production",
    "evaluation-and-impact": "Evaluation and impact",
    "volunteer-management": "Volunteer management",
}
#: slug -> borough name, London's 33 areas.
BOROUGHS = {slug: borough for slug, borough, _name, _kind in LONDON_WORKSPACES}
#: Day-rate bands for the directory: slug -> (label, lowest pence, highest pence or None).
RATE_BANDS = {
    "up-to-300": ("Up to £300 a day", 0, 30_000),
    "300-500": ("£300 to £500 a day", 30_000, 50_000),
    "500-750": ("£500 to £750 a day", 50_000, 75_000),
    "over-750": ("Over £750 a day", 75_000, None),
}
#: Annual income bands of client organisations; the small ones may ask for a subsidy.
INCOME_BANDS = {
    "under-10k": "Under £10,000",
    "10k-100k": "£10,000 to £100,000",
    "100k-1m": "£100,000 to £1 million",
    "over-1m": "Over £1 million",
}
SUBSIDY_BANDS = {"under-10k", "10k-100k"}


def pack(chosen: list[str] | set[str] | tuple[str, ...], allowed: dict) -> str:
    """Choices as `|a|b|`, in the taxonomy's order: a filter is one portable LIKE '%|a|%'."""
    picked = [slug for slug in allowed if slug in set(chosen)]
    return "|" + "|".join(picked) + "|" if picked else ""


def unpack(packed: str | None) -> list[str]:
    return [part for part in (packed or "").split("|") if part]


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class AssociateStatus(_Labelled):
    APPLIED = "applied"
    APPROVED = "approved"
    SUSPENDED = "suspended"
    DECLINED = "declined"


class Availability(_Labelled):
    AVAILABLE = "available"  # taking work now
    LIMITED = "limited"  # some days free
    BOOKED = "booked"  # fully booked for now


class Associate(db.Model):
    __tablename__ = "consultancy_associate"
    __table_args__ = (
        CheckConstraint("day_rate_pence > 0", name="day_rate_positive"),
        CheckConstraint(
            "commission_percent >= 0 AND commission_percent <= 100", name="commission_range"
        ),
        Index("ix_consultancy_associate_listed", "status", "paused", "day_rate_pence"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(String(200))
    bio: Mapped[str] = mapped_column(Text, default="")
    #: `|slug|slug|` from EXPERTISE.
    expertise: Mapped[str] = mapped_column(String(400))
    #: `|slug|slug|` from BOROUGHS.
    boroughs: Mapped[str] = mapped_column(String(800))
    languages: Mapped[str] = mapped_column(String(300), default="English")
    day_rate_pence: Mapped[int] = mapped_column(Integer)
    availability: Mapped[Availability] = mapped_column(
        _enum(Availability, "associate_availability"), default=Availability.AVAILABLE
    )
    #: Referees as the applicant gave them: seen by hub admins only.
    references: Mapped[str] = mapped_column(Text, default="")
    photo_key: Mapped[str | None] = mapped_column(String(200))
    photo_content_type: Mapped[str | None] = mapped_column(String(20))
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[AssociateStatus] = mapped_column(
        _enum(AssociateStatus, "associate_status"), default=AssociateStatus.APPLIED
    )
    featured: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The associate is not taking work for now (their own choice).
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The hub's commission on this associate's work, in whole percent.
    commission_percent: Mapped[int] = mapped_column(Integer, default=15)
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def expertise_list(self) -> list[str]:
        return unpack(self.expertise)

    @property
    def borough_list(self) -> list[str]:
        return unpack(self.boroughs)

    @property
    def listed(self) -> bool:
        return self.status == AssociateStatus.APPROVED

    @property
    def taking_work(self) -> bool:
        return self.listed and not self.paused


class Offer(db.Model):
    """A fixed-price offer: "Governance health check: £450, two days"."""

    __tablename__ = "consultancy_offer"
    __table_args__ = (
        CheckConstraint("price_pence > 0", name="price_positive"),
        CheckConstraint("days > 0", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    associate_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    price_pence: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer, default=1)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EnquiryStatus(_Labelled):
    OPEN = "open"
    QUOTED = "quoted"
    ENGAGED = "engaged"
    CLOSED = "closed"


class Enquiry(db.Model):
    __tablename__ = "consultancy_enquiry"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    client_user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: None: sent to the hub to match; the hub then assigns an associate.
    associate_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="SET NULL"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_offer.id", ondelete="SET NULL")
    )
    organisation: Mapped[str] = mapped_column(String(200))
    borough: Mapped[str] = mapped_column(String(63), default="")
    income_band: Mapped[str] = mapped_column(String(20), default="")
    needs: Mapped[str] = mapped_column(Text)
    budget_pence: Mapped[int | None] = mapped_column(Integer)
    timescale: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[EnquiryStatus] = mapped_column(
        _enum(EnquiryStatus, "enquiry_status"), default=EnquiryStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuoteStatus(_Labelled):
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVISED = "revised"  # replaced by a newer version
    EXPIRED = "expired"


class Quote(db.Model):
    """One version of a quote for an enquiry. Once accepted, its lines and total never change
    (the services refuse; a revision is a new row)."""

    __tablename__ = "consultancy_quote"
    __table_args__ = (
        UniqueConstraint("enquiry_id", "version"),
        CheckConstraint("total_pence > 0", name="total_positive"),
        CheckConstraint(
            "deposit_percent >= 0 AND deposit_percent <= 100", name="deposit_percent_range"
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_enquiry.id", ondelete="CASCADE"), index=True
    )
    associate_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[QuoteStatus] = mapped_column(
        _enum(QuoteStatus, "quote_status"), default=QuoteStatus.SENT
    )
    kind: Mapped[str] = mapped_column(String(20), default="project")
    expenses_policy: Mapped[str] = mapped_column(String(600), default="")
    deposit_percent: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[str] = mapped_column(Text, default="")
    expires_on: Mapped[date] = mapped_column(Date)
    total_pence: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def deposit_pence(self) -> int:
        return self.total_pence * self.deposit_percent // 100


class QuoteLine(db.Model):
    __tablename__ = "consultancy_quote_line"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("days IS NULL OR days > 0", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_quote.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(300))
    #: Day-rate work: days x rate; a fixed item has no days.
    days: Mapped[int | None] = mapped_column(Integer)
    unit_pence: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(Integer)


class EngagementStatus(_Labelled):
    AWAITING_DEPOSIT = "awaiting_deposit"
    ACTIVE = "active"
    AWAITING_BALANCE = "awaiting_balance"
    COMPLETED = "completed"


class EngagementKind(_Labelled):
    PROJECT = "project"
    INTERIM = "interim"  # interim management: weekly time records
    LIFEBOAT = "lifeboat"


class Engagement(db.Model):
    __tablename__ = "consultancy_engagement"
    __table_args__ = (
        CheckConstraint("deposit_pence >= 0 AND deposit_pence <= total_pence", name="deposit"),
        CheckConstraint("subsidy_pence >= 0 AND subsidy_pence <= total_pence", name="subsidy"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_quote.id", ondelete="RESTRICT"), unique=True
    )
    enquiry_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_enquiry.id", ondelete="RESTRICT"), index=True
    )
    associate_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="RESTRICT"), index=True
    )
    client_user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[EngagementKind] = mapped_column(
        _enum(EngagementKind, "engagement_kind"), default=EngagementKind.PROJECT
    )
    status: Mapped[EngagementStatus] = mapped_column(
        _enum(EngagementStatus, "engagement_status"), default=EngagementStatus.AWAITING_DEPOSIT
    )
    #: The accepted quote's price, copied when it was accepted.
    total_pence: Mapped[int] = mapped_column(Integer)
    deposit_pence: Mapped[int] = mapped_column(Integer)
    #: Of the total, what the hub's subsidy pot pays (an approved discount).
    subsidy_pence: Mapped[int] = mapped_column(Integer, default=0)
    deposit_order_id: Mapped[int | None] = mapped_column(ID_TYPE)
    balance_order_id: Mapped[int | None] = mapped_column(ID_TYPE)
    deposit_paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    balance_paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Lifeboat: which services go to which organisations, where one must close.
    transfer_plan: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def client_pays_pence(self) -> int:
        return self.total_pence - self.subsidy_pence

    @property
    def balance_pence(self) -> int:
        return self.client_pays_pence - self.deposit_pence


class Milestone(db.Model):
    __tablename__ = "consultancy_milestone"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_engagement.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TimeRecord(db.Model):
    """Interim management: a week's days, approved by the client and invoiced weekly."""

    __tablename__ = "consultancy_time_record"
    __table_args__ = (
        UniqueConstraint("engagement_id", "week_starting"),
        CheckConstraint("half_days > 0 AND half_days <= 14", name="half_days_range"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_engagement.id", ondelete="CASCADE"), index=True
    )
    week_starting: Mapped[date] = mapped_column(Date)
    half_days: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(String(600), default="")
    amount_pence: Mapped[int] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    order_id: Mapped[int | None] = mapped_column(ID_TYPE)


class ReviewStatus(_Labelled):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class Review(db.Model):
    __tablename__ = "consultancy_review"
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_engagement.id", ondelete="CASCADE"), unique=True
    )
    associate_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="CASCADE"), index=True
    )
    client_user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE")
    )
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ReviewStatus] = mapped_column(
        _enum(ReviewStatus, "review_status"), default=ReviewStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Account(_Labelled):
    ASSOCIATE = "associate"  # what the hub owes an associate
    COMMISSION = "commission"  # the hub's commission on consultancy work
    SUBSIDY_POT = "subsidy_pot"  # money set aside for discounts to small groups


class EntryKind(_Labelled):
    SHARE = "share"  # + associate: their share of a payment
    COMMISSION = "commission"  # + commission: the hub's part of a payment
    TRANSFER = "transfer"  # - associate: paid to their Stripe account
    PAYOUT = "payout"  # - associate: paid by the hub by bank transfer
    TOP_UP = "top_up"  # + pot
    DRAW = "draw"  # - pot: an approved discount


class LedgerEntry(db.Model):
    """One movement on one consultancy account. Append-only; a movement is booked once."""

    __tablename__ = "consultancy_ledger_entry"
    __table_args__ = (UniqueConstraint("account", "kind", "source_id"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    account: Mapped[Account] = mapped_column(_enum(Account, "consultancy_account"))
    associate_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="RESTRICT"), index=True
    )
    engagement_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_engagement.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "consultancy_entry_kind"))
    amount_pence: Mapped[int] = mapped_column(Integer)
    #: What caused it: a billing order, a Stripe transfer (tr_...), a payout reference.
    source_id: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LifeboatSituation(_Labelled):
    CASH_FLOW = "cash_flow"
    KEY_STAFF = "key_staff"
    GOVERNANCE = "governance"
    CLOSURE = "closure"
    OTHER = "other"


class LifeboatStatus(_Labelled):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class LifeboatRequest(db.Model):
    """An organisation in difficulty asking for help; made without an account."""

    __tablename__ = "consultancy_lifeboat_request"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    borough: Mapped[str] = mapped_column(String(63), default="")
    situation: Mapped[LifeboatSituation] = mapped_column(
        _enum(LifeboatSituation, "lifeboat_situation")
    )
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[LifeboatStatus] = mapped_column(
        _enum(LifeboatStatus, "lifeboat_status"), default=LifeboatStatus.NEW
    )
    #: The hub's triage: 1 (can wait) to 4 (this week).
    urgency: Mapped[int | None] = mapped_column(Integer)
    triage_notes: Mapped[str] = mapped_column(Text, default="")
    #: Free or subsidised help offered from the pot, in pence.
    subsidy_pence: Mapped[int] = mapped_column(Integer, default=0)
    transfer_plan: Mapped[str] = mapped_column(Text, default="")
    shared_with_workspace_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LifeboatAssignment(db.Model):
    __tablename__ = "consultancy_lifeboat_assignment"
    __table_args__ = (UniqueConstraint("request_id", "associate_id"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_lifeboat_request.id", ondelete="CASCADE"), index=True
    )
    associate_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("consultancy_associate.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
