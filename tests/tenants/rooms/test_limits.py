"""Issue 10, item 12: each workspace sets how far ahead its rooms can be booked, and
block-outs in the past are refused."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace
from londonhub.tenants.rooms import services

from .conftest import BUYER, book, future_day, request_for


def _horizon(workspace, days: int) -> None:
    db.session.get(Workspace, workspace.id).booking_horizon_days = days
    db.session.commit()


def test_booking_past_the_workspace_horizon_is_refused(make_room, hackney, buyer) -> None:
    room = make_room()
    _horizon(hackney, 31)
    with pytest.raises(services.RoomError, match="takes bookings up to") as refused:
        services.book(buyer, hackney, room.id, request_for(future_day(40)))
    db.session.rollback()
    assert refused.value.field == "date"
    book(buyer, hackney, room.id, request_for(future_day(14)))  # within it: fine


def test_series_running_past_the_horizon_is_refused_on_its_length(
    make_room, hackney, buyer
) -> None:
    room = make_room()
    _horizon(hackney, 31)
    series = request_for(future_day(14), repeat="weekly", occurrences=6)
    with pytest.raises(services.RoomError, match="too far ahead") as refused:
        services.prepare(buyer, hackney, room.id, series)
    assert refused.value.field == "occurrences"


def test_default_horizon_is_a_year(make_room, hackney, buyer) -> None:
    room = make_room()
    with pytest.raises(services.RoomError, match="takes bookings up to"):
        services.prepare(buyer, hackney, room.id, request_for(future_day(400)))
    services.prepare(buyer, hackney, room.id, request_for(future_day(300)))


def test_the_quote_page_states_the_horizon(make_room, hackney, buyer, client, auth) -> None:
    room = make_room()
    _horizon(hackney, 31)
    auth.login(BUYER)
    last = services.last_bookable_day(hackney)
    page = client.get(f"/b/hackney/rooms/{room.id}").get_data(as_text=True)
    assert f"up to {last.day} {last:%B %Y}" in page  # said before anyone tries
    answer = client.get(
        "/rooms/quote",
        query_string={
            "workspace": "hackney",
            "room_id": room.id,
            "date": future_day(60).isoformat(),
            "start": "10:00",
            "end": "12:00",
            "attendees": 10,
            "layout": "theatre",
            "organisation_name": "Food Bank",
            "organisation_type": "community",
        },
    )
    assert answer.status_code == 400
    assert "Hackney CVS takes bookings up to" in answer.get_data(as_text=True)


def test_blockout_in_the_past_is_refused(make_room, hackney, admin) -> None:
    room = make_room()
    yesterday = future_day(-1)
    slot = services.Slot(services.to_utc(yesterday, time(9)), services.to_utc(yesterday, time(12)))
    with pytest.raises(services.RoomError, match="That time has passed"):
        services.add_blockout(admin, hackney, room.id, slot, "Forgot to block it")
    db.session.rollback()
    later = future_day(2)
    ok = services.Slot(services.to_utc(later, time(9)), services.to_utc(later, time(12)))
    services.add_blockout(admin, hackney, room.id, ok, "Training")
    db.session.commit()


def test_blockout_form_in_the_past_comes_back_with_the_error(
    make_room, hackney, admin, client, auth
) -> None:
    from .conftest import ADMIN

    room = make_room()
    auth.login(ADMIN)
    answer = client.post(
        "/b/hackney/admin/rooms/blockouts",
        data={
            "blockout-room": room.id,
            "blockout-date": (future_day(0) - timedelta(days=3)).isoformat(),
            "blockout-start": "09:00",
            "blockout-end": "12:00",
            "blockout-note": "Too late",
        },
    )
    assert answer.status_code == 400
    assert "That time has passed" in answer.get_data(as_text=True)


def test_a_series_off_the_end_of_the_calendar_is_a_form_error(
    make_room, buyer, client, auth
) -> None:
    room = make_room()
    auth.login(BUYER)
    answer = client.get(
        "/rooms/quote",
        query_string={
            "workspace": "hackney",
            "room_id": room.id,
            "date": "9999-12-30",
            "start": "10:00",
            "end": "12:00",
            "attendees": 10,
            "layout": "theatre",
            "organisation_name": "Food Bank",
            "organisation_type": "community",
            "repeat": "weekly",
            "occurrences": 3,
        },
    )
    assert answer.status_code == 400
    assert "Choose a date in the next few years" in answer.get_data(as_text=True)
