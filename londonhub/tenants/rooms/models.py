"""Rooms and their bookings (and block-outs): tenant-owned rows.

No double booking: on PostgreSQL the migration adds an exclusion constraint over held and
confirmed rows of the same room, `tstzrange(starts_at, blocked_until)` (the end plus the
room's buffer), so overlapping bookings cannot both exist even under concurrent requests. On
SQLite the booking service checks and inserts in one serialised write transaction.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.tenancy import (
    TenantScoped,
    _enum,
    tenant_foreign_key,
    tenant_table_args,
)
from londonhub.platform.core.timeutil import utcnow

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LAYOUTS = {"theatre": "Theatre", "boardroom": "Boardroom", "cabaret": "Cabaret"}
ACCESSIBILITY = {
    "step_free": "Step-free access",
    "accessible_toilet": "Accessible toilet",
    "hearing_loop": "Hearing loop",
    "lift": "Lift",
    "quiet_room": "Quiet room",
}
FACILITIES = {"projector": "Projector", "kitchen": "Kitchen", "wifi": "Wi-Fi"}


class CustomerType(enum.StrEnum):
    COMMUNITY = "community"
    PUBLIC = "public"
    BUSINESS = "business"

    @property
    def label(self) -> str:
        return {
            "community": "Community or voluntary group",
            "public": "Public sector",
            "business": "Business",
        }[self.value]


class BookingKind(enum.StrEnum):
    BOOKING = "booking"
    BLOCKOUT = "blockout"


class BookingStatus(enum.StrEnum):
    HELD = "held"  # waiting for payment; lapses at hold_until (never when it has none: invoice)
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return {
            "held": "Held, waiting for payment",
            "confirmed": "Confirmed",
            "cancelled": "Cancelled",
            "lapsed": "Lapsed (not paid in time)",
        }[self.value]


#: Statuses that occupy the room (the exclusion constraint's WHERE clause says the same).
OCCUPYING = (BookingStatus.HELD, BookingStatus.CONFIRMED)


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


#: The orders search lists published rooms in (by name, and by each customer type's price).
PUBLISHED_ORDER_INDEXES: dict[str, tuple[str, ...]] = {
    "name": (),
    "community_price": ("community_hourly_pence",),
    "public_price": ("public_hourly_pence",),
    "business_price": ("business_hourly_pence",),
}


class Room(TenantScoped, db.Model):
    __tablename__ = "room"
    __table_args__ = tenant_table_args(
        CheckConstraint("min_minutes > 0 AND max_minutes >= min_minutes", name="lengths"),
        CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
        CheckConstraint("capacity_max > 0", name="capacity_positive"),
        Index("ix_room_tenant_published", "tenant_id", "published"),
        #: London-wide search walks published rooms in the page's order and stops once the
        #: page is full, so its cost follows the page, not the room count (bench/rooms_search.py).
        *(
            Index(
                f"ix_room_published_{name}",
                *columns,
                "name",
                "id",
                postgresql_where=text("published IS TRUE"),
                sqlite_where=text("published IS TRUE"),
            )
            for name, columns in PUBLISHED_ORDER_INDEXES.items()
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    venue_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Capacities by layout; 0 when the room is not offered in that layout.
    capacity_theatre: Mapped[int] = mapped_column(Integer, default=0)
    capacity_boardroom: Mapped[int] = mapped_column(Integer, default=0)
    capacity_cabaret: Mapped[int] = mapped_column(Integer, default=0)
    #: The largest of the layouts' capacities, kept by the service for search.
    capacity_max: Mapped[int] = mapped_column(Integer, index=True)
    step_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    accessible_toilet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hearing_loop: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lift: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    quiet_room: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    projector: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    kitchen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    wifi: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Opening hours in London time, minutes after midnight per weekday (0 = Monday);
    #: both null when closed that day.
    opens_0: Mapped[int | None] = mapped_column(Integer)
    closes_0: Mapped[int | None] = mapped_column(Integer)
    opens_1: Mapped[int | None] = mapped_column(Integer)
    closes_1: Mapped[int | None] = mapped_column(Integer)
    opens_2: Mapped[int | None] = mapped_column(Integer)
    closes_2: Mapped[int | None] = mapped_column(Integer)
    opens_3: Mapped[int | None] = mapped_column(Integer)
    closes_3: Mapped[int | None] = mapped_column(Integer)
    opens_4: Mapped[int | None] = mapped_column(Integer)
    closes_4: Mapped[int | None] = mapped_column(Integer)
    opens_5: Mapped[int | None] = mapped_column(Integer)
    closes_5: Mapped[int | None] = mapped_column(Integer)
    opens_6: Mapped[int | None] = mapped_column(Integer)
    closes_6: Mapped[int | None] = mapped_column(Integer)
    min_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_minutes: Mapped[int] = mapped_column(Integer, default=480)
    #: Time kept free after each booking (cleaning, setting up).
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: Full refund when cancelled at least this many days before the start; none after.
    cancellation_days: Mapped[int] = mapped_column(Integer, default=7)
    #: Prices in pence per customer type: an hourly rate, and an optional day rate that caps
    #: a day's charge.
    community_hourly_pence: Mapped[int] = mapped_column(Integer, default=0)
    community_day_pence: Mapped[int | None] = mapped_column(Integer)
    public_hourly_pence: Mapped[int] = mapped_column(Integer, default=0)
    public_day_pence: Mapped[int | None] = mapped_column(Integer)
    business_hourly_pence: Mapped[int] = mapped_column(Integer, default=0)
    business_day_pence: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The secret in the room's iCalendar feed address; rotating it ends old subscriptions.
    feed_token: Mapped[str] = mapped_column(String(64), default=_feed_token, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def hours(self, weekday: int) -> tuple[int, int] | None:
        opens, closes = getattr(self, f"opens_{weekday}"), getattr(self, f"closes_{weekday}")
        return None if opens is None or closes is None else (opens, closes)

    def hourly_pence(self, customer: CustomerType) -> int:
        return getattr(self, f"{customer.value}_hourly_pence")

    def day_pence(self, customer: CustomerType) -> int | None:
        return getattr(self, f"{customer.value}_day_pence")

    def capacity(self, layout: str) -> int:
        return getattr(self, f"capacity_{layout}")

    @property
    def accessibility_labels(self) -> list[str]:
        return [label for key, label in ACCESSIBILITY.items() if getattr(self, key)]

    @property
    def facility_labels(self) -> list[str]:
        return [label for key, label in FACILITIES.items() if getattr(self, key)]

    @property
    def is_free(self) -> bool:
        return all(self.hourly_pence(c) == 0 for c in CustomerType)


class Booking(TenantScoped, db.Model):
    """A booking of a room (held, then confirmed when paid) or a block-out by the workspace."""

    __tablename__ = "room_booking"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["room_id"], "room", ["id"], ondelete="RESTRICT"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "blocked_from <= starts_at AND blocked_until >= ends_at", name="blocked_covers"
        ),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        Index("ix_room_booking_room_time", "tenant_id", "room_id", "starts_at"),
        #: "Is the room free then?" (search and booking): the blocked span of live bookings.
        #: Row-level security keeps PostgreSQL from using the exclusion constraint's GiST
        #: index with `&&`, so this btree serves the overlap test.
        Index(
            "ix_room_booking_occupancy",
            "tenant_id",
            "room_id",
            "blocked_until",
            "blocked_from",
            postgresql_where=text("status IN ('held', 'confirmed')"),
            sqlite_where=text("status IN ('held', 'confirmed')"),
        ),
        Index("ix_room_booking_reference", "tenant_id", "reference"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    room_id: Mapped[int] = mapped_column(ID_TYPE)
    kind: Mapped[BookingKind] = mapped_column(_enum(BookingKind, "room_booking_kind"))
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "room_booking_status"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: starts_at less the room's buffer: lets search test a window with plain comparisons.
    blocked_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: ends_at plus the room's buffer: the exclusion constraint's range is
    #: [starts_at, blocked_until).
    blocked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Shared by every booking made together (a recurring series) and the billing order's
    #: fulfilment_ref.
    reference: Mapped[str] = mapped_column(String(40))
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    layout: Mapped[str | None] = mapped_column(String(20))
    buyer_user_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    #: The rate charged (a CustomerType value), decided from who the buyer is.
    organisation_type: Mapped[str | None] = mapped_column(String(20))
    #: What the buyer said they were, when it differs from the rate charged.
    claimed_type: Mapped[str | None] = mapped_column(String(20))
    #: Why this rate: the verified partner membership, the workspace's approval, or the default.
    rate_basis: Mapped[str] = mapped_column(String(300), default="", server_default="")
    price_pence: Mapped[int] = mapped_column(Integer, default=0)
    order_id: Mapped[int | None] = mapped_column(ID_TYPE)
    hold_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Why a block-out exists (maintenance, own use); shown to staff only.
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def status_label(self) -> str:
        """A hold with no end is provisionally confirmed on an invoice, not about to lapse."""
        if self.status == BookingStatus.HELD and self.hold_until is None:
            return "Provisionally confirmed, invoice to pay"
        return self.status.label


class RoomPhoto(TenantScoped, db.Model):
    """A photo of a room, its bytes stored here like the workspace logo (checked PNG or JPEG),
    with the alt text that describes it to people who cannot see it."""

    __tablename__ = "room_photo"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(["room_id"], "room", ["id"], ondelete="CASCADE"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index("ix_room_photo_room", "tenant_id", "room_id", "position"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    room_id: Mapped[int] = mapped_column(ID_TYPE)
    #: The image; deferred so listing photos never loads their bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_type: Mapped[str] = mapped_column(String(20))
    alt_text: Mapped[str] = mapped_column(String(300))
    #: Order on the room's page, smallest first.
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for a decision",
            "approved": "Approved",
            "rejected": "Not approved",
        }[self.value]


#: Evidence a workspace asks of a self-declared community group.
EVIDENCE_KINDS = {"charity": "Charity number", "company": "Company number"}


class RateClaim(TenantScoped, db.Model):
    """A person's claim, to one workspace, to book as a community or voluntary group, with the
    registration number that lets staff check it. Only an approved claim lowers the price."""

    __tablename__ = "room_rate_claim"
    __table_args__ = tenant_table_args(
        Index("ix_room_rate_claim_user", "tenant_id", "user_id", unique=True),
        Index("ix_room_rate_claim_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    user_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_name: Mapped[str] = mapped_column(String(200))
    evidence_kind: Mapped[str] = mapped_column(String(20))
    evidence_number: Mapped[str] = mapped_column(String(20))
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus, "room_rate_claim_status"))
    decided_by_user_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
