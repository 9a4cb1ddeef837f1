"""The buyer's own bookings across London and their cancellation: what it would do (asked
before anything changes), and doing it, with the refund the room's policy gives.

Plain functions, as in `bookings`: permission first, a domain error for a person, flush; the
caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select

from londonhub.billing import services as billing
from londonhub.billing.models import Order
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import as_utc, utcnow

from ..models import Booking, BookingKind, BookingStatus, Room
from . import events, notices
from .errors import NotFound, RoomError


def within_policy(room: Room, bookings: Iterable[Booking], now: datetime | None = None) -> bool:
    """Full refund when the first booking starts at least cancellation_days from now."""
    now = now or utcnow()
    starts = [as_utc(b.starts_at) for b in bookings]
    return bool(starts) and min(starts) - now >= timedelta(days=room.cancellation_days)


@dataclass
class BuyerBooking:
    booking: Booking
    room: Room
    workspace: Workspace
    order: Order | None
    cancellable: bool
    refund_pence: int


def list_buyer_bookings(user: User) -> list[BuyerBooking]:
    """This person's own bookings across London, newest first, in one query."""
    with hub_scope("a buyer's own room bookings", audit=False):
        rows = db.session.execute(
            select(Booking, Room, Workspace, Order)
            .join(Room, and_(Room.tenant_id == Booking.tenant_id, Room.id == Booking.room_id))
            .join(Workspace, Workspace.id == Booking.tenant_id)
            .outerjoin(
                Order, and_(Order.tenant_id == Booking.tenant_id, Order.id == Booking.order_id)
            )
            .where(Booking.buyer_user_id == user.id, Booking.kind == BookingKind.BOOKING)
            .order_by(Booking.starts_at.desc(), Booking.id.desc())
        ).all()
    now = utcnow()
    result = []
    for booking, room, workspace, order in rows:
        live = booking.status == BookingStatus.CONFIRMED and as_utc(booking.starts_at) > now
        refund = 0
        if live and order is not None and order.is_settled and within_policy(room, [booking]):
            refund = order.refundable_pence
        result.append(BuyerBooking(booking, room, workspace, order, live, refund))
    return result


def get_buyer_booking(user: User, booking_id: int) -> Booking:
    with hub_scope("a buyer's own room booking", audit=False):
        booking = db.session.scalar(
            select(Booking).where(
                Booking.id == booking_id,
                Booking.buyer_user_id == user.id,
                Booking.kind == BookingKind.BOOKING,
            )
        )
    if booking is None:
        raise NotFound("There is no such booking in your account")
    return booking


@dataclass
class CancellationTerms:
    """What cancelling would do, shown before the buyer confirms: every date made with the
    booking is cancelled, and `refund_pence` comes back under the room's policy."""

    booking: Booking
    room: Room
    workspace: Workspace
    dates: list[Booking]
    paid_pence: int
    refund_pence: int
    #: Until when cancelling gets the full refund (None when the booking is free or it passed).
    refund_until: datetime | None


def buyer_cancellation_terms(user: User, booking_id: int) -> CancellationTerms:
    """The consequences of `cancel_by_buyer` for this booking, changing nothing."""
    booking = get_buyer_booking(user, booking_id)
    seller = db.session.get(Workspace, booking.tenant_id)
    if booking.status != BookingStatus.CONFIRMED or as_utc(booking.starts_at) <= utcnow():
        raise RoomError("This booking cannot be cancelled now")
    with tenant_context(seller.id):
        room = db.session.scalar(select(Room).where(Room.id == booking.room_id))
        order = (
            db.session.scalar(select(Order).where(Order.id == booking.order_id))
            if booking.order_id
            else None
        )
        group = list(
            db.session.scalars(
                select(Booking)
                .where(
                    Booking.reference == booking.reference,
                    Booking.status == BookingStatus.CONFIRMED,
                )
                .order_by(Booking.starts_at)
            )
        )
        paid = order.total_pence if order is not None and order.is_settled else 0
        refund = billing.refundable_now(order) if order is not None else 0
    first = min(as_utc(b.starts_at) for b in group)
    until = first - timedelta(days=room.cancellation_days)
    return CancellationTerms(
        booking, room, seller, group, paid, refund, until if paid and until > utcnow() else None
    )


@dataclass
class Cancellation:
    bookings: list[Booking]
    refund_id: int | None
    seller: Workspace
    refund_pence: int


def cancel_by_buyer(user: User, booking_id: int) -> Cancellation:
    """Cancel a confirmed booking (and the others made with it). Within the room's policy
    this asks billing for a full refund (the caller commits, then runs `perform_refund`),
    and the refund frees the slots; outside it the slots are freed with no refund."""
    booking = get_buyer_booking(user, booking_id)
    seller = db.session.get(Workspace, booking.tenant_id)
    if booking.status != BookingStatus.CONFIRMED or as_utc(booking.starts_at) <= utcnow():
        raise RoomError("This booking cannot be cancelled now")
    with tenant_context(seller.id):
        room = db.session.scalar(select(Room).where(Room.id == booking.room_id))
        order = (
            db.session.scalar(select(Order).where(Order.id == booking.order_id).with_for_update())
            if booking.order_id
            else None
        )
        group = list(
            db.session.scalars(
                select(Booking).where(
                    Booking.reference == booking.reference,
                    Booking.status == BookingStatus.CONFIRMED,
                )
            )
        )
        if not group:  # cancelled meanwhile by another request (a double click, a retry)
            raise RoomError("This booking is already cancelled")
        refund = (
            billing.request_buyer_refund(
                user, order, "Cancelled by the buyer within the cancellation policy"
            )
            if order is not None
            else None
        )
        refund_id = refund.id if refund is not None else None
        refundable = refund.amount_pence if refund is not None else 0
        if refund is None:
            for item in group:
                item.status = BookingStatus.CANCELLED
                item.cancelled_at = utcnow()
            db.session.flush()
            events.booking_cancelled(seller, room, group)  # a refund's comes with the refund
    notices.cancelled(seller, room, group, f"{user.name} ({user.email})", refundable)
    record(
        "rooms.cancelled",
        f"{user.email} cancelled {room.name} booking {booking.id}"
        + (f" with a refund of {format_pence(refundable)}" if refundable else " (no refund)"),
        workspace=seller,
        actor=user,
        booking_id=booking.id,
    )
    return Cancellation(group, refund_id, seller, refundable)


def finish_refund(cancellation: Cancellation) -> None:
    """Step two of a refunded cancellation: billing asks Stripe, books it and (through the
    fulfilment handler) frees the slots."""
    if cancellation.refund_id is not None:
        billing.perform_refund(cancellation.seller, cancellation.refund_id)
