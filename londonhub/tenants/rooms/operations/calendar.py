"""The workspace's calendar: bookings per day, block-outs, cancellations by staff, the CSV
export and the rows of a room's secret feed."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from londonhub.billing import services as billing
from londonhub.billing.models import Order, OrderStatus
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import (
    Workspace,
    tenant_context,
)
from londonhub.platform.core.timeutil import as_utc, utcnow

from ..models import (
    OCCUPYING,
    Booking,
    BookingKind,
    BookingStatus,
    Room,
)
from . import events, notices
from .cancellations import Cancellation, CancellationTerms
from .conflicts import is_exclusion_violation, occupying, serialise_writes
from .errors import NotFound, RoomError, require_role
from .rooms import get_room
from .slots import Slot, london, to_utc


@dataclass
class CalendarEntry:
    booking: Booking
    room: Room


def calendar(
    workspace: Workspace, first_day: date, days: int, room_id: int | None = None
) -> list[tuple[date, list[CalendarEntry]]]:
    """Bookings and block-outs (not lapsed or cancelled) per day, in one query."""
    starts = to_utc(first_day, time(0))
    ends = to_utc(first_day + timedelta(days=days), time(0))
    with tenant_context(workspace.id):
        query = (
            select(Booking, Room)
            .join(Room, and_(Room.tenant_id == Booking.tenant_id, Room.id == Booking.room_id))
            .where(
                Booking.status.in_(OCCUPYING),
                Booking.starts_at < ends,
                Booking.ends_at > starts,
            )
            .order_by(Booking.starts_at, Room.name)
        )
        if room_id is not None:
            query = query.where(Booking.room_id == room_id)
        rows = db.session.execute(query).all()
    by_day: list[tuple[date, list[CalendarEntry]]] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        entries = [
            CalendarEntry(b, r)
            for b, r in rows
            if london(b.starts_at).date() <= day <= london(b.ends_at - timedelta(seconds=1)).date()
        ]
        by_day.append((day, entries))
    return by_day


def add_blockout(user: User, workspace: Workspace, room_id: int, slot: Slot, note: str) -> Booking:
    require_role(user, workspace, Role.ADMIN, write=True)
    room = get_room(workspace, room_id)
    if slot.ends_at <= slot.starts_at:
        raise RoomError("The end time must be after the start time", "end")
    if slot.starts_at < utcnow():
        raise RoomError("That time has passed: block out a time from now on", "date")
    if db.session.get_bind().dialect.name == "sqlite":
        serialise_writes(room)
    clashes = occupying(room, slot.starts_at, slot.ends_at)
    if clashes:
        raise RoomError(
            f"{room.name} is booked then ({clashes[0].organisation_name or 'a block-out'}, "
            f"{Slot(as_utc(clashes[0].starts_at), as_utc(clashes[0].ends_at)).describe()}): "
            "cancel that booking first",
            "date",
        )
    buffer = timedelta(minutes=room.buffer_minutes)
    try:
        with tenant_context(workspace.id):
            blockout = Booking(
                room_id=room.id,
                kind=BookingKind.BLOCKOUT,
                status=BookingStatus.CONFIRMED,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                blocked_from=slot.starts_at - buffer,
                blocked_until=slot.ends_at + buffer,
                reference=uuid.uuid4().hex,
                note=note[:300],
                price_pence=0,
            )
            db.session.add(blockout)
            db.session.flush()
    except IntegrityError as exc:
        if not is_exclusion_violation(exc):
            raise
        name = room.name
        db.session.rollback()
        raise RoomError(f"{name} has just been booked for that time", "date") from exc
    record(
        "rooms.blockout",
        f"Blocked out {room.name}: {slot.describe()}",
        workspace=workspace,
        actor=user,
    )
    return blockout


def bookings_after(workspace: Workspace, after_id: int, limit: int) -> list[Booking]:
    """The workspace's bookings and block-outs in id order after `after_id` (the API's
    keyset page)."""
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(Booking)
                .where(Booking.tenant_id == workspace.id, Booking.id > after_id)
                .order_by(Booking.id)
                .limit(limit)
            )
        )


def get_booking(workspace: Workspace, booking_id: int) -> Booking:
    with tenant_context(workspace.id):
        booking = db.session.scalar(select(Booking).where(Booking.id == booking_id))
    if booking is None:
        raise NotFound("There is no such booking")
    return booking


def workspace_cancellation_terms(
    user: User, workspace: Workspace, booking_id: int
) -> CancellationTerms:
    """What `cancel_by_workspace` would do to this booking (and those made with it): asked
    on a page before staff confirm. Changes nothing."""
    require_role(user, workspace, Role.ADMIN, write=True)
    booking = get_booking(workspace, booking_id)
    if booking.kind != BookingKind.BOOKING or booking.status not in OCCUPYING:
        raise RoomError("This booking cannot be cancelled now")
    with tenant_context(workspace.id):
        room = db.session.scalar(select(Room).where(Room.id == booking.room_id))
        order = (
            db.session.scalar(select(Order).where(Order.id == booking.order_id))
            if booking.order_id
            else None
        )
        group = list(
            db.session.scalars(
                select(Booking)
                .where(Booking.reference == booking.reference, Booking.status.in_(OCCUPYING))
                .order_by(Booking.starts_at)
            )
        )
        settled = order is not None and order.is_settled
        paid = order.total_pence if settled else 0
        refund = billing.refundable_now(order) if settled else 0
    return CancellationTerms(booking, room, workspace, group, paid, refund, None)


def cancel_by_workspace(user: User, workspace: Workspace, booking_id: int) -> Cancellation:
    """Staff cancel a booking or remove a block-out. A paid booking is refunded in full
    through billing when the policy allows; otherwise it is cancelled without a refund."""
    require_role(user, workspace, Role.ADMIN, write=True)
    booking = get_booking(workspace, booking_id)
    if booking.status not in OCCUPYING:
        raise RoomError("This booking is already cancelled")
    with tenant_context(workspace.id):
        order = (
            db.session.scalar(select(Order).where(Order.id == booking.order_id))
            if booking.order_id
            else None
        )
        group = list(
            db.session.scalars(
                select(Booking).where(
                    Booking.reference == booking.reference, Booking.status.in_(OCCUPYING)
                )
            )
        )
    refund_id, refundable = None, 0
    if order is not None and order.status in (OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT):
        billing.cancel_unpaid(order, f"Cancelled by {user.email}", actor=user)
    elif order is not None and order.is_settled and billing.refundable_now(order) > 0:
        refundable = billing.refundable_now(order)
        refund_id = billing.request_refund(
            user, workspace, order.id, refundable, "Cancelled by the workspace"
        ).id
    cancelled = []
    with tenant_context(workspace.id):
        if refund_id is None:
            for item in group:
                if item.status in OCCUPYING:
                    item.status = BookingStatus.CANCELLED
                    item.cancelled_at = utcnow()
                    cancelled.append(item)
        db.session.flush()
    if booking.kind == BookingKind.BOOKING:
        with tenant_context(workspace.id):
            room = db.session.scalar(select(Room).where(Room.id == booking.room_id))
        by = f"{user.name} ({workspace.name})"
        notices.cancelled(workspace, room, group, by, refundable)
        events.booking_cancelled(workspace, room, cancelled)  # a refund's comes with the refund
    record(
        "rooms.cancelled",
        f"Cancelled booking {booking.id}"
        + (f", refunding {format_pence(refundable)}" * bool(refundable)),
        workspace=workspace,
        actor=user,
        booking_id=booking.id,
    )
    return Cancellation(group, refund_id, workspace, refundable)


def export_rows(workspace: Workspace, first_day: date, last_day: date) -> list[list[str]]:
    with tenant_context(workspace.id):
        rows = db.session.execute(
            select(Booking, Room)
            .join(Room, and_(Room.tenant_id == Booking.tenant_id, Room.id == Booking.room_id))
            .where(
                Booking.starts_at >= to_utc(first_day, time(0)),
                Booking.starts_at < to_utc(last_day + timedelta(days=1), time(0)),
            )
            .order_by(Booking.starts_at, Booking.id)
        ).all()
    out = [
        [
            "booking_id",
            "room",
            "venue",
            "kind",
            "status",
            "starts_london",
            "ends_london",
            "organisation",
            "organisation_type",
            "claimed_type",
            "rate_basis",
            "attendees",
            "price_pence",
            "order_id",
            "note",
        ]
    ]
    for booking, room in rows:
        out.append(
            [
                str(booking.id),
                room.name,
                room.venue_name,
                booking.kind.value,
                booking.status.value,
                london(booking.starts_at).isoformat(),
                london(booking.ends_at).isoformat(),
                booking.organisation_name or "",
                booking.organisation_type or "",
                booking.claimed_type or "",
                booking.rate_basis or "",
                str(booking.attendees),
                str(booking.price_pence),
                str(booking.order_id or ""),
                booking.note or "",
            ]
        )
    return out


def feed_bookings(workspace: Workspace, room_id: int, token: str) -> tuple[Room, list[Booking]]:
    """The room's held and confirmed bookings from 30 days ago on, for its secret feed."""
    room = get_room(workspace, room_id)
    if not hmac.compare_digest(room.feed_token.encode(), token.encode()):
        raise NotFound("There is no such calendar feed")
    with tenant_context(workspace.id):
        bookings = list(
            db.session.scalars(
                select(Booking)
                .where(
                    Booking.room_id == room.id,
                    Booking.status.in_(OCCUPYING),
                    Booking.ends_at >= utcnow() - timedelta(days=30),
                )
                .order_by(Booking.starts_at)
            )
        )
    return room, bookings
