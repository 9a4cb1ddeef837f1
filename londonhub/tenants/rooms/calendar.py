"""iCalendar (RFC 5545) files for bookings, and the confirmation email that carries one.

Built with the icalendar library, which escapes every text value (CR, LF, `;`, `,`, `\\`) and
folds long lines, so text a buyer typed cannot add lines, properties or events of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import icalendar
from flask import url_for

from londonhub.platform.core.mail import send_email, text_attachment
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.timeutil import as_utc, utcnow

from .operations.slots import Slot

PRODID = "-//Connecting Londoners//Rooms//EN"


def event(
    uid: str,
    starts: datetime,
    ends: datetime,
    summary: str,
    location: str = "",
    description: str = "",
    status: str = "CONFIRMED",
) -> icalendar.Event:
    """One event, its times in UTC."""
    item = icalendar.Event()
    item.add("uid", uid)
    item.add("dtstamp", as_utc(utcnow()))
    item.add("dtstart", as_utc(starts))
    item.add("dtend", as_utc(ends))
    item.add("summary", summary)
    if location:
        item.add("location", location)
    if description:
        item.add("description", description)
    item.add("status", status)
    return item


def calendar_text(events: Iterable[icalendar.Event], name: str | None = None) -> str:
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(item)
    return calendar.to_ical().decode()


def _uid(booking_id: int) -> str:
    return f"room-booking-{booking_id}@connecting-londoners"


def room_feed(room, bookings) -> str:
    """The per-room feed for staff: who booked, and block-outs with their reason."""
    events = []
    for booking in bookings:
        if booking.kind.value == "blockout":
            summary = f"Blocked out: {booking.note or 'not available'}"
        else:
            who = booking.organisation_name or "Booking"
            summary = f"{who} ({booking.attendees} people)"
            if booking.status.value == "held":
                summary += " – held, not yet paid"
        events.append(
            event(
                _uid(booking.id),
                booking.starts_at,
                booking.ends_at,
                summary,
                f"{room.name}, {room.venue_name}, {room.address}, {room.postcode}",
                status="TENTATIVE" if booking.status.value == "held" else "CONFIRMED",
            )
        )
    return calendar_text(events, f"{room.name} – {room.venue_name}")


def send_confirmation(order, workspace, room, bookings) -> None:
    """Queue the buyer's confirmation email with an .ics for the booked dates."""
    location = f"{room.name}, {room.venue_name}, {room.address}, {room.postcode}"
    ics = calendar_text(
        event(
            _uid(b.id),
            b.starts_at,
            b.ends_at,
            f"{room.name} at {room.venue_name}",
            location,
            f"Booked from {workspace.name}. Order {order.id}.",
        )
        for b in bookings
    )
    dates = "\n".join(
        f"  {Slot(as_utc(b.starts_at), as_utc(b.ends_at)).describe()}" for b in bookings
    )
    try:
        link = url_for("rooms.my_bookings", _external=True)
    except RuntimeError:  # a job outside any request, with no SERVER_NAME
        link = "/account/bookings"
    body = (
        f"Hello {order.buyer_name},\n\nYour booking of {room.name} at {room.venue_name} is "
        f"confirmed.\n\n{dates}\n\nAddress: {room.address}, {room.postcode}\n"
        f"Total: {format_pence(order.total_pence)}\n\n"
        f"The attached calendar file adds it to your calendar. "
        f"See or cancel your bookings at {link}\n\n{workspace.name}\n"
    )
    send_email(
        order.buyer_email,
        f"Booking confirmed: {room.name}, {room.venue_name}",
        body,
        [text_attachment("booking.ics", "text/calendar", ics)],
    )
