"""Invoice mode (no Stripe): a booking is provisionally confirmed on an invoice with a due
date, and never lapses on a 15-minute timer; the workspace decides when the date passes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.billing.models import OrderStatus
from londonhub.billing.operations import webhooks
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import Booking, BookingStatus
from londonhub.tenants.rooms.operations import conflicts, holds

from .conftest import book, future_day, order_of, request_for


def _bookings(workspace) -> list[Booking]:
    with tenant_context(workspace.id):
        return list(db.session.scalars(select(Booking).order_by(Booking.starts_at)))


def test_an_invoice_mode_booking_does_not_lapse_after_fifteen_minutes(
    make_room, hackney, buyer, make_user, monkeypatch
) -> None:
    room = make_room()
    day = future_day(30)
    order_id, _ = book(buyer, hackney, room.id, request_for(day))
    # Sixteen minutes later, by every clock that could lapse the hold.
    later = utcnow() + timedelta(minutes=16)
    for module in (conflicts, holds, webhooks):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    assert (order_id, hackney.id) not in billing.due_unpaid_orders()
    assert billing.expire_order(order_id, hackney.id) in ("nothing to do", "not due")
    db.session.commit()
    rival = make_user("rival@example.org")
    with pytest.raises(services.SlotTaken):
        services.book(rival, hackney, room.id, request_for(day))
    db.session.rollback()
    (booking,) = _bookings(hackney)
    assert booking.status == BookingStatus.HELD
    assert booking.hold_until is None
    assert order_of(hackney, order_id).status == OrderStatus.AWAITING_PAYMENT
