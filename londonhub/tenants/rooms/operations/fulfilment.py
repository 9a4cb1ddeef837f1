"""Billing's fulfilment handler for room bookings: hold without a time limit on an invoice,
confirm on payment, lapse on cancellation, free the slots on a full refund. Registered by the
rooms area's `init_app`."""

from __future__ import annotations

import logging

from sqlalchemy import select

from londonhub.billing.fulfilment import FulfilmentHandler
from londonhub.billing.models import Order
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import (
    Workspace,
    tenant_context,
)
from londonhub.platform.core.timeutil import utcnow

from ..calendar import send_confirmation
from ..models import (
    OCCUPYING,
    Booking,
    BookingStatus,
    Room,
)
from . import events, notices
from .cancellations import within_policy

log = logging.getLogger(__name__)


def _order_bookings(order: Order) -> list[Booking]:
    with tenant_context(order.tenant_id):
        return list(
            db.session.scalars(
                select(Booking)
                .where(Booking.reference == order.fulfilment_ref)
                .order_by(Booking.starts_at)
            )
        )


def _on_paid(order: Order) -> None:
    bookings = _order_bookings(order)
    with tenant_context(order.tenant_id):
        confirmed = []
        for booking in bookings:
            if booking.status == BookingStatus.HELD:
                booking.status = BookingStatus.CONFIRMED
                booking.hold_until = None
                confirmed.append(booking)
            elif booking.status == BookingStatus.LAPSED:
                log.warning("Order %s paid after booking %s lapsed", order.id, booking.id)
        db.session.flush()
        if confirmed:
            room = db.session.scalar(select(Room).where(Room.id == confirmed[0].room_id))
            workspace = db.session.get(Workspace, order.tenant_id)
            send_confirmation(order, workspace, room, confirmed)
            events.booking_confirmed(workspace, room, confirmed)
            if order.total_pence:  # a free booking was announced as booked already
                notices.paid(workspace, room, confirmed, order.total_pence)


def _on_invoiced(order: Order) -> None:
    """Invoice mode: the held dates stay held with no time limit (provisionally confirmed)
    until the invoice is paid, or the workspace cancels it."""
    with tenant_context(order.tenant_id):
        for booking in _order_bookings(order):
            if booking.status == BookingStatus.HELD:
                booking.hold_until = None
        db.session.flush()


def _on_cancelled(order: Order) -> None:
    with tenant_context(order.tenant_id):
        lapsed = []
        for booking in _order_bookings(order):
            if booking.status == BookingStatus.HELD:
                booking.status = BookingStatus.LAPSED
                booking.cancelled_at = utcnow()
                lapsed.append(booking)
        db.session.flush()
        if lapsed:
            room = db.session.scalar(select(Room).where(Room.id == lapsed[0].room_id))
            workspace = db.session.get(Workspace, order.tenant_id)
            buyer = db.session.get(User, order.buyer_user_id) if order.buyer_user_id else None
            notices.lapsed(workspace, room, lapsed, buyer)


def _on_refunded(order: Order, amount: int, full: bool) -> None:
    if not full:
        return  # a partial refund is a goodwill gesture: the booking stands
    with tenant_context(order.tenant_id):
        cancelled = []
        for booking in _order_bookings(order):
            if booking.status in OCCUPYING:
                booking.status = BookingStatus.CANCELLED
                booking.cancelled_at = utcnow()
                cancelled.append(booking)
        db.session.flush()
        if cancelled:
            room = db.session.scalar(select(Room).where(Room.id == cancelled[0].room_id))
            workspace = db.session.get(Workspace, order.tenant_id)
            events.booking_cancelled(workspace, room, cancelled)


def _refundable_now(order: Order) -> int:
    bookings = [b for b in _order_bookings(order) if b.status in OCCUPYING]
    if not bookings:
        return 0
    with tenant_context(order.tenant_id):
        room = db.session.scalar(select(Room).where(Room.id == bookings[0].room_id))
    return order.refundable_pence if within_policy(room, bookings) else 0


#: What billing calls for room bookings; registered by the rooms area's `init_app`.
HANDLER = FulfilmentHandler(
    on_paid=_on_paid,
    on_invoiced=_on_invoiced,
    on_cancelled=_on_cancelled,
    on_refunded=_on_refunded,
    refundable_now=_refundable_now,
)
