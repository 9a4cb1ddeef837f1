"""Calendar files (the room feed, the confirmation attachment) are built by the icalendar
library, so a buyer's text cannot add lines, properties or events of its own."""

from __future__ import annotations

import icalendar

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db

from .conftest import BUYER, book, future_day, request_for

EVIL = "Acme\rEND:VEVENT\rBEGIN:VEVENT\rUID:x\rSUMMARY:Injected\r\nDTSTART:20300101T000000Z\n;,\\"


def _evil_request(day):
    request = request_for(day)
    request.organisation_name = EVIL
    return request


def test_a_bare_cr_in_an_organisation_name_cannot_inject_an_event_into_the_feed(
    client, make_room, hackney, buyer
) -> None:
    room = make_room()
    book(buyer, hackney, room.id, _evil_request(future_day()))
    body = client.get(f"/b/hackney/rooms/{room.id}/feed/{room.feed_token}.ics").data
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    # Line breaks survive as text (an escaped newline), never as lines of the file.
    assert str(events[0]["SUMMARY"]).startswith(EVIL.replace("\r\n", "\n").replace("\r", "\n"))
    assert "Injected" not in [str(e.get("SUMMARY")) for e in events]
    for line in body.split(b"\r\n"):
        assert b"\r" not in line and b"\n" not in line


def test_the_confirmation_attachment_parses_to_the_booked_event(
    make_room, hackney, buyer, admin, outbox
) -> None:
    room = make_room()
    order_id, (booking_id,) = book(buyer, hackney, room.id, _evil_request(future_day()))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    (mail,) = [m for m in outbox.to(BUYER) if m["Subject"].startswith("Booking confirmed")]
    part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"room-booking-{booking_id}@connecting-londoners"
    assert "Main hall" in str(event["SUMMARY"])
    assert (event.decoded("DTEND") - event.decoded("DTSTART")).total_seconds() == 2 * 3600
    assert calendar["METHOD"] == "PUBLISH"
