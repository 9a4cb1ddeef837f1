"""London-wide search, room pages, and the workspace admin: rooms, calendar, CSV, feed."""

from __future__ import annotations

import pytest

from londonhub.platform.core.extensions import db
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import CustomerType

from .conftest import ADMIN, book, future_day, request_for, room_values


def test_rooms_page_lists_every_published_room_before_any_search(
    client, make_room, camden, admin, make_user
) -> None:
    make_room(name="Main hall")
    make_room(name="Secret store", published=False)
    owner = make_user("admin@camden.example.org", workspace=camden, role="owner")
    make_room(workspace=camden, user=owner, name="Camden studio")
    page = client.get("/rooms")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Main hall" in text and "Camden studio" in text
    assert "Secret store" not in text


def test_search_filters_and_sorts(make_room, camden, make_user) -> None:
    make_room(name="Cheap hall", community_hourly_pence=1000, capacity_theatre=30)
    make_room(name="Big hall", community_hourly_pence=6000, capacity_theatre=300, lift=True)
    owner = make_user("admin@camden.example.org", workspace=camden, role="owner")
    make_room(workspace=camden, user=owner, name="Camden room", community_hourly_pence=0)

    def names(**criteria) -> list[str]:
        page = services.search_rooms(services.Criteria(**criteria))
        return [r.room.name for r in page.results]

    assert names(borough="Camden") == ["Camden room"]
    assert names(attendees=200) == ["Big hall"]
    assert names(accessibility=["lift"]) == ["Big hall"]
    assert names(price_band="free") == ["Camden room"]
    assert names(price_band="2000") == ["Camden room", "Cheap hall"]
    assert names(sort="price") == ["Camden room", "Cheap hall", "Big hall"]
    assert names(sort="capacity_desc")[0] == "Big hall"
    assert names(sort="price", customer=CustomerType.BUSINESS)[-1] in ("Big hall", "Cheap hall")
    page = services.search_rooms(services.Criteria(sort="name"), page_size=2)
    assert page.has_next and len(page.results) == 2
    second = services.search_rooms(services.Criteria(sort="name", page=2), page_size=2)
    assert not second.has_next and len(second.results) == 1


def test_search_window_shows_only_rooms_free_then(make_room, hackney, buyer) -> None:
    from datetime import time

    busy = make_room(name="Busy hall", buffer_minutes=30)
    make_room(name="Free hall")
    day = future_day()
    book(buyer, hackney, busy.id, request_for(day, "10:00", "12:00"))

    def names(start: str, end: str) -> list[str]:
        criteria = services.Criteria(
            day=day, start=time.fromisoformat(start), end=time.fromisoformat(end)
        )
        return [r.room.name for r in services.search_rooms(criteria).results]

    assert names("11:00", "13:00") == ["Free hall"]
    assert names("12:00", "13:00") == ["Free hall"]  # inside the 30-minute buffer
    assert names("12:30", "13:30") == ["Busy hall", "Free hall"]
    assert names("06:00", "07:00") == []  # before opening
    assert names("13:00", "13:30") == []  # shorter than an hour


def test_search_makes_the_same_queries_for_few_and_many_results(
    client, make_room, count_queries
) -> None:
    make_room(name="Room 0")
    client.get("/rooms")
    count_queries.clear()
    assert client.get("/rooms?attendees=5&sort=price").status_code == 200
    few = len(count_queries)
    for index in range(1, 15):
        make_room(name=f"Room {index}")
    count_queries.clear()
    page = client.get("/rooms?attendees=5&sort=price")
    assert page.get_data(as_text=True).count("Up to 100 people") == 15
    assert len(count_queries) == few, count_queries


def test_room_page_shows_weekly_availability_without_who_booked(
    client, make_room, hackney, buyer
) -> None:
    room = make_room()
    day = future_day()
    book(buyer, hackney, room.id, request_for(day, "10:00", "12:00"))
    page = client.get(f"/b/hackney/rooms/{room.id}?week={day.isoformat()}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "10:00 to 12:30" in text  # the booking and its buffer
    assert "Hackney Food Bank" not in text
    assert client.get("/b/hackney/rooms/99999").status_code == 404


def test_admin_adds_a_room_with_validation(client, auth, admin, hackney) -> None:
    auth.login(ADMIN)
    assert client.get("/b/hackney/admin/rooms/new").status_code == 200
    form = {
        "venue_name": "Centre",
        "address": "1 Mare Street",
        "postcode": "not a postcode",
        "name": "Hall",
        "capacity_theatre": "",
        "min_minutes": "120",
        "max_minutes": "60",
        "buffer_minutes": "0",
        "cancellation_days": "7",
        "community_hourly_pence": "twenty",
        "public_hourly_pence": "40",
        "business_hourly_pence": "60",
        "opens_0": "09:00",
        "closes_0": "08:00",
    }
    page = client.post("/b/hackney/admin/rooms/new", data=form)
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Enter a real postcode" in text
    assert "must be an amount in pounds" in text
    form.update(postcode="E8 1DY", community_hourly_pence="20.50")
    page = client.post("/b/hackney/admin/rooms/new", data=form)
    assert page.status_code == 400
    assert "Give a capacity for at least one layout" in page.get_data(as_text=True)
    form.update(capacity_theatre="40")
    page = client.post("/b/hackney/admin/rooms/new", data=form)
    assert "The longest booking must be at least as long" in page.get_data(as_text=True)
    form.update(max_minutes="240")
    page = client.post("/b/hackney/admin/rooms/new", data=form)
    assert "closing time must be after the opening time" in page.get_data(as_text=True)
    form.update(closes_0="17:00", published="y", step_free="y")
    assert client.post("/b/hackney/admin/rooms/new", data=form).status_code == 302
    (room,) = services.list_rooms(hackney)
    assert room.community_hourly_pence == 2050 and room.capacity_max == 40
    assert room.step_free and room.published and room.hours(0) == (540, 1020)
    assert room.hours(1) is None
    assert client.get(f"/b/hackney/admin/rooms/{room.id}").status_code == 200


def test_staff_cannot_change_rooms(client, auth, hackney, make_user, make_room) -> None:
    room = make_room()
    make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    auth.login("staff@hackney.example.org")
    assert client.get("/b/hackney/admin/rooms/").status_code == 200
    assert client.get("/b/hackney/admin/rooms/calendar").status_code == 200
    assert client.post(f"/b/hackney/admin/rooms/{room.id}", data=room_values()).status_code == 403


def test_calendar_blockout_csv_and_feed(client, auth, make_room, hackney, buyer) -> None:
    room = make_room()
    day = future_day()
    book(buyer, hackney, room.id, request_for(day, "10:00", "12:00"))
    auth.login(ADMIN)
    week = client.get(f"/b/hackney/admin/rooms/calendar?date={day.isoformat()}")
    assert week.status_code == 200 and "Hackney Food Bank" in week.get_data(as_text=True)
    daily = client.get(f"/b/hackney/admin/rooms/calendar?view=day&date={day.isoformat()}")
    assert "Hackney Food Bank" in daily.get_data(as_text=True)
    clash = {
        "blockout-room": str(room.id),
        "blockout-date": day.isoformat(),
        "blockout-start": "11:00",
        "blockout-end": "13:00",
        "blockout-note": "Boiler repair",
    }
    page = client.post("/b/hackney/admin/rooms/blockouts", data=clash)
    assert page.status_code == 400 and "cancel that booking first" in page.get_data(as_text=True)
    clash.update({"blockout-start": "15:00", "blockout-end": "17:00"})
    assert client.post("/b/hackney/admin/rooms/blockouts", data=clash).status_code == 302
    with pytest.raises(services.SlotTaken):
        services.book(buyer, hackney, room.id, request_for(day, "16:00", "18:00"))
    db.session.rollback()
    csv_text = client.get("/b/hackney/admin/rooms/bookings.csv").get_data(as_text=True)
    assert "Hackney Food Bank" in csv_text and "Boiler repair" in csv_text
    feed = client.get(f"/b/hackney/rooms/{room.id}/feed/{room.feed_token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.count("BEGIN:VEVENT") == 2
    assert client.get(f"/b/hackney/rooms/{room.id}/feed/wrong.ics").status_code == 404
