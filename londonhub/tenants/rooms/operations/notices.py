"""Who is told what when a room booking changes (issue 10, item 3): the workspace's staff on
the site and, for the events the workspace chose, by email; the buyer on the site, and by
email when a hold lapses (the confirmation and cancellation emails are sent elsewhere).

Called inside the transaction that made the change; emails leave after its commit."""

from __future__ import annotations

from collections.abc import Sequence

from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.notifications import (
    notify_person,
    notify_staff,
    register_staff_event,
    site_link,
)
from londonhub.platform.core.tenancy import Workspace

from ..models import Booking, Room
from .slots import Slot, london

#: event -> how the workspace's settings name it.
EVENTS = {
    "rooms.booked": "A room is booked, or held for payment",
    "rooms.paid": "A room booking is paid",
    "rooms.cancelled": "A room booking is cancelled",
    "rooms.lapsed": "A room hold ends without payment",
}


def register_events() -> None:
    for key, label in EVENTS.items():
        register_staff_event(key, label)


def _when(bookings: Sequence[Booking]) -> str:
    """When, for a message; callers pass at least one booking (the public functions below
    say nothing when there is none)."""
    first = bookings[0]
    text = Slot(first.starts_at, first.ends_at).describe()
    if len(bookings) > 1:
        text += f" and {len(bookings) - 1} more date{'s' if len(bookings) > 2 else ''}"
    return text


def _calendar(workspace: Workspace, bookings: Sequence[Booking]) -> str:
    day = london(bookings[0].starts_at).date().isoformat()
    return site_link("rooms_admin.calendar", slug=workspace.slug, date=day)


def booked(
    workspace: Workspace, room: Room, buyer: User, bookings: Sequence[Booking], held: bool
) -> None:
    if not bookings:
        return
    who = f"{bookings[0].organisation_name or buyer.name} ({buyer.email})"
    verb = "is holding" if held else "booked"
    notify_staff(
        workspace,
        "rooms.booked",
        f"{room.name} {'held' if held else 'booked'}",
        f"{who} {verb} {room.name}, {_when(bookings)}" + (" until they pay." if held else "."),
        _calendar(workspace, bookings),
    )


def paid(workspace: Workspace, room: Room, bookings: Sequence[Booking], pence: int) -> None:
    if not bookings:
        return
    notify_staff(
        workspace,
        "rooms.paid",
        f"{room.name} booking paid",
        f"{bookings[0].organisation_name} paid {format_pence(pence)} for {room.name}, "
        f"{_when(bookings)}: the booking is confirmed.",
        _calendar(workspace, bookings),
    )


def lapsed(
    workspace: Workspace, room: Room, bookings: Sequence[Booking], buyer: User | None
) -> None:
    if not bookings:
        return
    notify_staff(
        workspace,
        "rooms.lapsed",
        f"{room.name} hold ended unpaid",
        f"The hold on {room.name} for {bookings[0].organisation_name}, {_when(bookings)}, "
        "ended without payment: the time is free again.",
        _calendar(workspace, bookings),
    )
    if buyer is not None:
        notify_person(
            buyer,
            "rooms.lapsed",
            f"Your hold on {room.name} has ended",
            f"We held {room.name} ({workspace.name}) for you, {_when(bookings)}, but it was "
            "not paid in time, so the hold has ended and the time is free for others. You "
            "can book it again if it is still free.",
            link=site_link("rooms_public.room", slug=workspace.slug, room_id=room.id),
            workspace=workspace,
        )


def cancelled(
    workspace: Workspace,
    room: Room,
    bookings: Sequence[Booking],
    by: str,
    refund_pence: int,
) -> None:
    if not bookings:
        return
    refund = f", refunding {format_pence(refund_pence)}" if refund_pence else ""
    notify_staff(
        workspace,
        "rooms.cancelled",
        f"{room.name} booking cancelled",
        f"{by} cancelled the booking of {room.name} for {bookings[0].organisation_name}, "
        f"{_when(bookings)}{refund}. The time is free again.",
        _calendar(workspace, bookings),
    )
