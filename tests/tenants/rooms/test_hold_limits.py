"""One account, or one organisation, cannot block rooms across London with unpaid holds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import Booking
from tests.conftest import PASSWORD

from .conftest import book, future_day, request_for


@pytest.fixture
def limits(app):
    app.config["ROOM_MAX_HELD_DATES_PER_PERSON"] = 3
    app.config["ROOM_MAX_HELD_DATES_PER_ORGANISATION"] = 5
    yield
    app.config.pop("ROOM_MAX_HELD_DATES_PER_PERSON")
    app.config.pop("ROOM_MAX_HELD_DATES_PER_ORGANISATION")


def _count(workspace) -> int:
    with tenant_context(workspace.id):
        return db.session.scalar(select(func.count(Booking.id)))


def _weekly(day, times, organisation="Hackney Food Bank", start="10:00", end="11:00"):
    request = request_for(day, start, end, repeat="weekly", occurrences=times)
    request.organisation_name = organisation
    return request


def test_one_person_cannot_hold_more_dates_than_the_limit(
    limits, make_room, hackney, camden, admin, make_user
) -> None:
    room = make_room()
    other = make_room(
        workspace=camden, user=make_user("o@camden.example.org", workspace=camden, role="owner")
    )
    person = make_user("holder@example.org")
    order_id, _ = book(person, hackney, room.id, _weekly(future_day(), 2))
    with pytest.raises(services.RoomError) as refused:
        services.book(person, camden, other.id, _weekly(future_day(), 2, "Other name"))
    db.session.rollback()
    assert "You can hold at most 3 dates at a time" in str(refused.value)
    assert "you are holding 2" in str(refused.value)
    assert refused.value.field == "occurrences"
    assert _count(camden) == 0
    # Paying confirms the holds: they no longer count.
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    book(person, camden, other.id, _weekly(future_day(), 3, "Other name"))


def test_one_organisation_cannot_hold_more_dates_than_its_limit(
    limits, make_room, hackney, make_user
) -> None:
    room = make_room()
    first, second = make_user("a@example.org"), make_user("b@example.org")
    book(first, hackney, room.id, _weekly(future_day(), 3, "Acme Trust"))
    with pytest.raises(services.RoomError) as refused:
        services.book(
            second,
            hackney,
            room.id,
            _weekly(future_day(), 3, "  acme   TRUST ", start="14:00", end="15:00"),
        )
    db.session.rollback()
    assert "can hold at most 5 dates at a time" in str(refused.value)
    assert _count(hackney) == 3


def test_the_booking_form_says_why_a_hold_is_refused(
    limits, app, make_room, hackney, make_user
) -> None:
    room = make_room()
    make_user("holder@example.org")
    client = app.test_client()
    client.post("/login", data={"email": "holder@example.org", "password": PASSWORD})
    form = {
        "workspace": "hackney",
        "room_id": room.id,
        "step": "book",
        "date": future_day().isoformat(),
        "start": "10:00",
        "end": "11:00",
        "attendees": 10,
        "layout": "theatre",
        "organisation_name": "Choir",
        "organisation_type": "business",
        "repeat": "weekly",
        "occurrences": 4,
    }
    page = client.post("/rooms/book", data=form)
    assert page.status_code == 400
    assert "You can hold at most 3 dates at a time" in page.get_data(as_text=True)
    assert _count(hackney) == 0
