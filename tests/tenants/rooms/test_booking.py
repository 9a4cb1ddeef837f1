"""Booking: quotes, holds, payment, lapse, cancellation, recurring series, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.billing.models import OrderStatus
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import WorkspaceStatus, tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import Booking, BookingStatus, CustomerType

from .conftest import BUYER, book, future_day, order_of, request_for


def _bookings(workspace) -> list[Booking]:
    with tenant_context(workspace.id):
        return list(db.session.scalars(select(Booking).order_by(Booking.starts_at)))


def test_price_depends_on_customer_type_and_day_rate_caps_it(make_room) -> None:
    room = make_room()
    day = future_day()
    slot = request_for(day, "10:00", "11:30").slots
    assert services.quote(room, slot, CustomerType.COMMUNITY).total_pence == 3000
    assert services.quote(room, slot, CustomerType.PUBLIC).total_pence == 6000
    assert services.quote(room, slot, CustomerType.BUSINESS).total_pence == 9000
    long = request_for(day, "09:00", "17:00").slots
    community = services.quote(room, long, CustomerType.COMMUNITY)
    assert community.total_pence == 10000  # 8 h at £20 = £160, capped by the £100 day rate
    assert "day rate" in community.lines[0].description
    odd = request_for(day, "10:00", "11:07").slots  # 67 minutes at £20/h = 2233.3p: round up
    assert services.quote(room, odd, CustomerType.COMMUNITY).total_pence == 2234


def test_hold_then_invoice_payment_confirms_with_calendar_email(
    make_room, hackney, buyer, admin, outbox
) -> None:
    room = make_room()
    order_id, _ = book(buyer, hackney, room.id, request_for(future_day()))
    order = order_of(hackney, order_id)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.total_pence == 4000
    assert order.kind == "room_booking"
    (booking,) = _bookings(hackney)
    assert booking.status == BookingStatus.HELD
    assert booking.order_id == order_id
    assert booking.hold_until is None  # provisionally confirmed on its invoice: no timer

    billing.mark_paid(admin, hackney, order_id, "BACS 123")
    db.session.commit()
    (booking,) = _bookings(hackney)
    assert booking.status == BookingStatus.CONFIRMED
    confirmations = [m for m in outbox.to(BUYER) if m["Subject"].startswith("Booking confirmed")]
    assert len(confirmations) == 1
    parts = {part.get_content_type(): part for part in confirmations[0].walk()}
    ics = parts["text/calendar"].get_payload(decode=True).decode()
    assert "BEGIN:VEVENT" in ics and "DTSTART:" in ics and "Main hall" in ics
    assert parts["text/calendar"].get_filename() == "booking.ics"


def test_overlapping_hold_is_refused_with_alternatives(
    make_room, hackney, buyer, make_user
) -> None:
    room = make_room()
    other = make_room(name="Board room", capacity_theatre=0, capacity_boardroom=12)
    day = future_day()
    book(buyer, hackney, room.id, request_for(day, "10:00", "12:00"))
    rival = make_user("rival@example.org")
    # 12:00 is inside the 30-minute buffer after the first booking.
    with pytest.raises(services.SlotTaken) as taken:
        services.book(rival, hackney, room.id, request_for(day, "12:00", "13:00"))
    db.session.rollback()
    assert "just been taken" in str(taken.value)
    alternatives = taken.value.alternatives
    assert alternatives, "a taken slot offers other times or rooms"
    assert any(a.room_id == room.id and a.starts_at > taken.value.clashes[0] for a in alternatives)
    assert len(_bookings(hackney)) == 1
    # After the buffer the room is free again.
    book(rival, hackney, room.id, request_for(day, "12:30", "13:30"))
    assert len(_bookings(hackney)) == 2
    assert other.id != room.id


@pytest.mark.stripe
def test_unpaid_hold_lapses_and_frees_the_slot(make_room, hackney, buyer, app) -> None:
    app.config["ROOM_HOLD_MINUTES"] = 15
    room = make_room()
    day = future_day()
    order_id, _ = book(buyer, hackney, room.id, request_for(day))
    assert billing.expire_order(order_id, hackney.id) == "not due"
    with tenant_context(hackney.id):
        db.session.get(billing.Order, order_id).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert (order_id, hackney.id) in billing.due_unpaid_orders()
    assert billing.expire_order(order_id, hackney.id) == "cancelled"
    db.session.commit()
    (booking,) = _bookings(hackney)
    assert booking.status == BookingStatus.LAPSED
    book(buyer, hackney, room.id, request_for(day))


@pytest.mark.stripe
def test_a_stale_hold_does_not_block_the_next_buyer(make_room, hackney, buyer, make_user) -> None:
    room = make_room()
    day = future_day()
    order_id, _ = book(buyer, hackney, room.id, request_for(day))
    with tenant_context(hackney.id):
        for booking in db.session.scalars(select(Booking)):
            booking.hold_until = utcnow() - timedelta(seconds=1)
        db.session.get(billing.Order, order_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    book(make_user("next@example.org"), hackney, room.id, request_for(day))
    statuses = sorted(b.status.value for b in _bookings(hackney))
    assert statuses == ["held", "lapsed"]
    assert order_of(hackney, order_id).status == OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("start", "end", "attendees", "days", "field", "message"),
    [
        ("12:00", "10:00", 10, 14, "end", "end time must be after the start"),
        ("10:00", "12:00", 10, -1, "date", "future"),
        ("06:00", "08:00", 10, 14, "start", "is open from 08:00 to 22:00"),
        ("21:00", "23:00", 10, 14, "end", "is open from 08:00 to 22:00"),
        ("10:00", "10:30", 10, 14, "end", "at least 1 hour"),
        ("08:00", "17:00", 10, 14, "end", "at most 8 hours"),
        ("10:00", "12:00", 101, 14, "attendees", "holds at most 100 people"),
    ],
)
def test_bad_input_is_refused_at_the_field_and_nothing_is_held(
    make_room, hackney, buyer, start, end, attendees, days, field, message
) -> None:
    room = make_room()
    with pytest.raises(services.RoomError) as error:
        services.book(
            buyer,
            hackney,
            room.id,
            request_for(future_day(days), start, end, attendees=attendees),
        )
    db.session.rollback()
    assert error.value.field == field
    assert message in str(error.value)
    assert _bookings(hackney) == []


def test_unpublished_unknown_and_suspended_rooms_cannot_be_booked(
    make_room, hackney, camden, buyer
) -> None:
    hidden = make_room(published=False)
    with pytest.raises(services.NotFound):
        services.book(buyer, hackney, hidden.id, request_for(future_day()))
    with pytest.raises(services.NotFound):
        services.book(buyer, hackney, 999999, request_for(future_day()))
    room = make_room()
    with pytest.raises(services.NotFound):  # another workspace's id is not found
        services.book(buyer, camden, room.id, request_for(future_day()))
    hackney.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    with pytest.raises(services.RoomError, match="not taking bookings"):
        services.book(buyer, hackney, room.id, request_for(future_day()))
    db.session.rollback()
    assert _bookings(hackney) == []


def test_recurring_booking_is_all_or_nothing_and_lists_clashes(
    make_room, hackney, buyer, make_user
) -> None:
    room = make_room()
    day = future_day()
    book(make_user("early@example.org"), hackney, room.id, request_for(day + timedelta(14)))
    with pytest.raises(services.SlotTaken) as taken:
        services.book(buyer, hackney, room.id, request_for(day, repeat="weekly", occurrences=4))
    db.session.rollback()
    assert [services.london(c).date() for c in taken.value.clashes] == [day + timedelta(14)]
    assert (day + timedelta(14)).strftime("%d %b %Y") in str(taken.value)
    assert len(_bookings(hackney)) == 1

    later = day + timedelta(7)
    order_id, _ = book(
        buyer, hackney, room.id, request_for(later, repeat="fortnightly", occurrences=3)
    )
    order = order_of(hackney, order_id)
    bookings = [b for b in _bookings(hackney) if b.order_id == order_id]
    assert [services.london(b.starts_at).date() for b in bookings] == [
        later,
        later + timedelta(14),
        later + timedelta(28),
    ]
    assert order.total_pence == 3 * 4000
    assert len(billing.order_lines(order)) == 3


def test_buyer_cancels_within_policy_and_is_refunded(
    make_room, hackney, buyer, admin, client, auth
) -> None:
    room = make_room(cancellation_days=7)
    order_id, (booking_id,) = book(buyer, hackney, room.id, request_for(future_day(14)))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    auth.login(BUYER)
    page = client.get("/account/bookings")
    assert page.status_code == 200
    assert "Full refund of £40.00" in page.get_data(as_text=True)
    response = client.post(f"/account/bookings/{booking_id}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert order_of(hackney, order_id).status == OrderStatus.REFUNDED
    (booking,) = _bookings(hackney)
    assert booking.status == BookingStatus.CANCELLED
    # The slot is free again.
    book(buyer, hackney, room.id, request_for(future_day(14)))


def test_buyer_cancels_outside_policy_without_refund(make_room, hackney, buyer, admin) -> None:
    room = make_room(cancellation_days=7)
    order_id, (booking_id,) = book(buyer, hackney, room.id, request_for(future_day(3)))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    assert billing.refundable_now(order_of(hackney, order_id)) == 0
    cancellation = services.cancel_by_buyer(buyer, booking_id)
    db.session.commit()
    assert cancellation.refund_id is None
    assert order_of(hackney, order_id).status == OrderStatus.PAID
    assert _bookings(hackney)[0].status == BookingStatus.CANCELLED


def test_another_persons_booking_cannot_be_cancelled(
    make_room, hackney, buyer, make_user, client, auth
) -> None:
    room = make_room()
    _, (booking_id,) = book(buyer, hackney, room.id, request_for(future_day()))
    make_user("nosy@example.org")
    auth.login("nosy@example.org")
    assert client.post(f"/account/bookings/{booking_id}/cancel").status_code == 404
    assert _bookings(hackney)[0].status == BookingStatus.HELD


def test_free_room_is_confirmed_at_once(make_room, hackney, buyer, outbox) -> None:
    room = make_room(community_hourly_pence=0, community_day_pence=None)
    order_id, _ = book(buyer, hackney, room.id, request_for(future_day()))
    order = order_of(hackney, order_id)
    assert order.status == OrderStatus.PAID and order.total_pence == 0
    assert _bookings(hackney)[0].status == BookingStatus.CONFIRMED
    assert any(m["Subject"].startswith("Booking confirmed") for m in outbox.to(BUYER))
