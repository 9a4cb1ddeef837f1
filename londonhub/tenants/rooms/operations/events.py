"""The rooms area's domain events (core.events): what a workspace's systems hear about its
bookings. Payloads carry ids, the room, the dates, amounts in pence and timestamps; never the
buyer's email."""

from __future__ import annotations

from collections.abc import Sequence

from londonhub.platform.core.events import emit, register_event_type, timestamp
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import utcnow

from ..models import Booking, Room

_FIELDS = {
    "reference": "the booking's reference (one for all the dates booked together)",
    "booking_ids": "the id of each date booked",
    "room": "id and name of the room, and its venue",
    "slots": "each date's start and end (UTC)",
    "attendees": "how many people",
    "organisation": "the organisation booking, as given",
    "order_id": "the billing order (null for a free booking made without one)",
    "amount_pence": "the price of these dates in pence",
}


def register() -> None:
    register_event_type(
        "booking.confirmed",
        "A room booking is confirmed (paid, free, or an invoice marked paid).",
        {**_FIELDS, "confirmed_at": "when it was confirmed"},
    )
    register_event_type(
        "booking.cancelled",
        "A confirmed or held room booking is cancelled (by the buyer, the workspace or a "
        "full refund).",
        {**_FIELDS, "cancelled_at": "when it was cancelled"},
    )


def _data(room: Room, bookings: Sequence[Booking]) -> dict:
    first = bookings[0]
    return {
        "reference": first.reference,
        "booking_ids": [b.id for b in bookings],
        "room": {"id": room.id, "name": room.name, "venue": room.venue_name},
        "slots": [
            {"starts_at": timestamp(b.starts_at), "ends_at": timestamp(b.ends_at)} for b in bookings
        ],
        "attendees": first.attendees,
        "organisation": first.organisation_name,
        "order_id": first.order_id,
        "amount_pence": sum(b.price_pence or 0 for b in bookings),
    }


def booking_confirmed(workspace: Workspace, room: Room, bookings: Sequence[Booking]) -> None:
    if bookings:
        emit(
            workspace,
            "booking.confirmed",
            {**_data(room, bookings), "confirmed_at": timestamp(utcnow())},
        )


def booking_cancelled(workspace: Workspace, room: Room, bookings: Sequence[Booking]) -> None:
    if bookings:
        emit(
            workspace,
            "booking.cancelled",
            {**_data(room, bookings), "cancelled_at": timestamp(utcnow())},
        )
