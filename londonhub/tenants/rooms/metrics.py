"""The rooms area's figures in the data dictionary (see core/metrics.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Select, func, select

from londonhub.billing.metrics import register_income_metric
from londonhub.platform.core.metrics import (
    Metric,
    Period,
    minutes_between,
    register_metric,
    within,
)

from .models import Booking, BookingKind, BookingStatus, Room
from .operations.bookings import ORDER_KIND


def _rooms_listed(period: Period) -> Select:
    return (
        select(Room.tenant_id, func.count(Room.id))
        .where(Room.published.is_(True), Room.created_at < period.end)
        .group_by(Room.tenant_id)
    )


def _confirmed(period: Period):
    return (
        Booking.kind == BookingKind.BOOKING,
        Booking.status == BookingStatus.CONFIRMED,
        within(Booking.starts_at, period),
    )


def _bookings(period: Period) -> Select:
    return (
        select(Booking.tenant_id, func.count(Booking.id))
        .where(*_confirmed(period))
        .group_by(Booking.tenant_id)
    )


def _booked_minutes(period: Period) -> Select:
    return (
        select(Booking.tenant_id, func.sum(minutes_between(Booking.starts_at, Booking.ends_at)))
        .where(*_confirmed(period))
        .group_by(Booking.tenant_id)
    )


def register(app: Flask) -> None:
    register_metric(
        app,
        Metric(
            "rooms.listed",
            "Rooms listed",
            "Meeting rooms published for booking, counted at the end of the period.",
            "count",
            "rooms",
            True,
            _rooms_listed,
            combine="last",
            order=10,
        ),
    )
    register_metric(
        app,
        Metric(
            "rooms.bookings",
            "Room bookings",
            "Confirmed bookings of rooms (not holds, cancellations or blocked-out time), "
            "counted in the month the booking starts.",
            "count",
            "rooms",
            True,
            _bookings,
            order=11,
        ),
    )
    register_metric(
        app,
        Metric(
            "rooms.booked_hours",
            "Booked hours",
            "Hours of confirmed room bookings, counted in the month each booking starts.",
            "minutes",
            "rooms",
            True,
            _booked_minutes,
            order=12,
        ),
    )
    register_income_metric(
        app,
        ORDER_KIND,
        key="rooms.income",
        name="Room income",
        area="rooms",
        what="room bookings",
        order=13,
    )
