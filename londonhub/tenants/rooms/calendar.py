"""iCalendar (RFC 5545) files for bookings, and the confirmation email that carries one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import url_for

from londonhub.platform.core.mail import send_email, text_attachment
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.timeutil import as_utc, utcnow

from .operations.slots import Slot

PRODID = "-//Connecting Londoners//Rooms//EN"


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def event_lines(
    uid: str,
    starts: datetime,
    ends: datetime,
    summary: str,
    location: str = "",
    description: str = "",
    status: str = "CONFIRMED",
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(utcnow())}",
        f"DTSTART:{_stamp(starts)}",
        f"DTEND:{_stamp(ends)}",
        f"SUMMARY:{_escape(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines += [f"STATUS:{status}", "END:VEVENT"]
    return lines


def calendar_text(events: Iterable[list[str]], name: str | None = None) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines.append(f"X-WR-CALNAME:{_escape(name)}")
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _uid(booking_id: int) -> str:
    return f"room-booking-{booking_id}@connecting-londoners"


def room_feed(room, bookings) -> str:  # noqa: ANN001
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
            event_lines(
                _uid(booking.id),
                booking.starts_at,
                booking.ends_at,
                summary,
                f"{room.name}, {room.venue_name}, {room.address}, {room.postcode}",
                status="TENTATIVE" if booking.status.value == "held" else "CONFIRMED",
            )
        )
    return calendar_text(events, f"{room.name} – {room.venue_name}")


def send_confirmation(order, workspace, room, bookings) -> None:  # noqa: ANN001
    """Queue the buyer's confirmation email with an .ics for the booked dates."""
    location = f"{room.name}, {room.venue_name}, {room.address}, {room.postcode}"
    ics = calendar_text(
        event_lines(
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
