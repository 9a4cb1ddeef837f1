"""What occupies a room when: the overlap checks, the write lock and stale holds that keep
every room from being booked twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import (
    tenant_context,
)
from londonhub.platform.core.timeutil import utcnow

from ..models import (
    Booking,
    BookingStatus,
    Room,
)
from .slots import Slot


def occupied_clause(model: type[Booking], now: datetime) -> Any:
    """A booking that occupies its room now: confirmed, or held and not yet lapsed (a hold
    with no end is provisionally confirmed on an invoice)."""
    return or_(
        model.status == BookingStatus.CONFIRMED,
        and_(
            model.status == BookingStatus.HELD,
            or_(model.hold_until.is_(None), model.hold_until > now),
        ),
    )


def occupying(room: Room, starts: datetime, ends: datetime) -> list[Booking]:
    """Bookings that occupy the room between starts and ends (buffers included)."""
    with tenant_context(room.tenant_id):
        return list(
            db.session.scalars(
                select(Booking)
                .where(
                    Booking.room_id == room.id,
                    occupied_clause(Booking, utcnow()),
                    Booking.blocked_from < ends,
                    Booking.blocked_until > starts,
                )
                .order_by(Booking.starts_at)
            )
        )


def serialise_writes(room: Room) -> None:
    """SQLite: take the database's write lock now, before checking, so the check and the
    insert happen in one serialised write transaction (another booking waits for ours)."""
    with tenant_context(room.tenant_id):
        db.session.execute(
            update(Room).where(Room.id == room.id).values(updated_at=Room.updated_at)
        )


def lapse_stale_holds(room: Room, slots: list[Slot]) -> None:
    """Holds whose time ran out but whose expiry job has not run yet: lapse them now,
    through billing, so their orders close too."""
    now = utcnow()
    with tenant_context(room.tenant_id):
        stale = db.session.execute(
            select(Booking.order_id)
            .where(
                Booking.room_id == room.id,
                Booking.status == BookingStatus.HELD,
                Booking.hold_until <= now,
                Booking.order_id.is_not(None),
                or_(
                    *(
                        and_(Booking.blocked_from < s.ends_at, Booking.blocked_until > s.starts_at)
                        for s in slots
                    )
                ),
            )
            .distinct()
        ).all()
    for (order_id,) in stale:
        billing.expire_order(order_id, room.tenant_id)


def find_clashes(room: Room, slots: list[Slot]) -> list[datetime]:
    clashing = []
    for slot in slots:
        # blocked_from/blocked_until carry the buffer on both sides already.
        if occupying(room, slot.starts_at, slot.ends_at):
            clashing.append(slot.starts_at)
    return clashing


def is_exclusion_violation(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "23P01"
