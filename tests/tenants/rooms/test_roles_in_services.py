"""Every room service that changes a workspace's data checks the acting member's role itself:
called directly, with no request and no view in front of it, a staff member is refused with
the rooms' NotAllowed and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from flask import has_request_context
from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import Booking, BookingStatus, Room, RoomPhoto

from .conftest import book, future_day, request_for, room_values
from .test_photos import image_bytes


@pytest.fixture(autouse=True)
def request_context(app):
    """Overrides the rooms' request context: these calls run with the app only."""
    yield


def _rows(workspace) -> tuple:
    """Everything a refused call might have changed, in this workspace."""
    with tenant_context(workspace.id):
        rooms = db.session.execute(
            select(Room.id, Room.name, Room.feed_token, Room.published).order_by(Room.id)
        ).all()
        photos = db.session.scalar(select(func.count(RoomPhoto.id)))
        bookings = db.session.execute(
            select(Booking.id, Booking.status, Booking.kind).order_by(Booking.id)
        ).all()
    return rooms, photos, bookings


def _slot() -> services.Slot:
    day = future_day(20)
    return services.Slot(services.to_utc(day, time(9)), services.to_utc(day, time(10)))


CALLS: dict[str, Callable] = {
    "save_room (new)": lambda user, ws, room, photo, booking: services.save_room(
        user, ws, room_values(name="Staff's room")
    ),
    "save_room (change)": lambda user, ws, room, photo, booking: services.save_room(
        user, ws, room_values(name="Renamed"), room
    ),
    "rotate_feed": lambda user, ws, room, photo, booking: services.rotate_feed(user, ws, room),
    "add_photo": lambda user, ws, room, photo, booking: services.add_photo(
        user, ws, room, image_bytes(), "A hall"
    ),
    "remove_photo": lambda user, ws, room, photo, booking: services.remove_photo(
        user, ws, room, photo
    ),
    "add_blockout": lambda user, ws, room, photo, booking: services.add_blockout(
        user, ws, room, _slot(), "Own use"
    ),
    "cancel_by_workspace": lambda user, ws, room, photo, booking: services.cancel_by_workspace(
        user, ws, booking
    ),
    "decide_claim": lambda user, ws, room, photo, booking: services.decide_claim(
        user, ws, services.get_claim(ws, db.session.get(type(user), booking_buyer(ws))).id, True
    ),
}


def booking_buyer(workspace) -> int:
    with tenant_context(workspace.id):
        return db.session.scalar(
            select(Booking.buyer_user_id).where(Booking.buyer_user_id.is_not(None))
        )


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_staff_member_cannot_change_rooms_by_calling_the_service(
    name, app, make_room, hackney, admin, make_user
) -> None:
    with app.test_request_context():  # setting up only: the refused call runs without one
        room = make_room()
        person = make_user("group@example.org")
        services.claim_community_rate(person, hackney, "Choir", "charity", "1234567")
        photo = services.add_photo(admin, hackney, room.id, image_bytes(), "The hall").id
        db.session.commit()
        _, (booking,) = book(person, hackney, room.id, request_for(future_day()))
    staff = make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    before = _rows(hackney)
    claim_status = services.get_claim(hackney, person).status
    assert not has_request_context()
    with pytest.raises(services.NotAllowed, match="admin role"):
        CALLS[name](staff, hackney, room.id, photo, booking)
    db.session.rollback()
    assert _rows(hackney) == before
    assert services.get_claim(hackney, person).status == claim_status
    assert before[2][0][1] == BookingStatus.HELD
