"""Issue 10 in the browser, rooms and uploads: a search by borough slug carries its window to
the room (photo and total in the results); the quote lists a series' taken dates and books the
rest; Back after holding shows the quote again (post/redirect/get); a POST-only address opened
directly lands somewhere useful; cancelling asks first and states the refund; a too-large logo
comes back to its form with the limit. axe on every page, at 375 and 1280 px (`look`)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.rooms import services as rooms
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.e2e.test_issue10 import look
from tests.tenants.rooms.conftest import approve_community, room_values
from tests.tenants.workspace.helpers import image_bytes

pytestmark = pytest.mark.e2e

OWNER = "admin@hackney.example.org"
CHARITY = "volunteer@hackney-food-bank.example.org"


@pytest.fixture
def world(make_workspace, make_user):
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    make_workspace("camden", "Camden CVS", borough="Camden")
    owner = make_user(OWNER, name="Hana Owner", workspace=hackney, role="owner")
    charity = make_user(CHARITY, name="Cam Charity")
    room_id = rooms.save_room(owner, hackney, room_values(name="Main hall")).id
    rooms.add_photo(owner, hackney, room_id, image_bytes(), "The hall with chairs in rows")
    db.session.commit()
    approve_community(hackney, charity, owner, "Hackney Food Bank")
    return hackney, owner, charity, room_id


def test_search_quote_series_clash_hold_and_back(site: Site, world) -> None:
    hackney, owner, _, room_id = world
    page = site.page
    day = rooms.london(utcnow()).date() + timedelta(days=14)
    blocked = day + timedelta(days=7)
    rooms.add_blockout(
        owner,
        hackney,
        room_id,
        rooms.Slot(rooms.to_utc(blocked, time(9)), rooms.to_utc(blocked, time(13))),
        "Boiler service",
    )
    db.session.commit()
    site.sign_in(CHARITY, PASSWORD)

    site.goto("/rooms/book")  # a POST-only address opened directly: the search instead
    assert page.url.endswith("/rooms")
    site.goto(f"/rooms?borough=hackney&date={day.isoformat()}&start=10:00&end=12:00&attendees=20")
    results = page.get_by_role("main").inner_text()
    assert "£40.00 in total, 10:00 to 12:00" in results
    assert page.get_by_role("img", name="The hall with chairs in rows").count() == 1
    look(site, "rooms-search-window")
    site.submit(page.get_by_role("link", name="Main hall, Hackney Community Centre"))
    assert page.get_by_label("Date").input_value() == day.isoformat()
    assert page.get_by_label("Start time").input_value() == "10:00"
    assert page.get_by_label("Number of people").input_value() == "20"

    page.get_by_label("Organisation name").fill("Hackney Food Bank")
    page.get_by_label("Organisation type").select_option("community")
    page.get_by_label("Repeat").select_option("weekly")
    page.get_by_label("How many times in all").fill("3")
    site.submit(page.get_by_role("button", name="Check the price"))
    assert "/rooms/quote?" in page.url
    taken = page.get_by_role("region", name="Dates that are taken").inner_text()
    assert f"{blocked.day} {blocked:%b %Y}" in taken
    assert "£80.00" in page.get_by_role("table", name="Price").inner_text()
    look(site, "rooms-quote-clash")
    quote_url = page.url
    # Invoice mode: provisionally booked on an invoice, no 15-minute hold (issue 10, item 1).
    site.submit(page.get_by_role("button", name="Book the 2 free dates and get the invoice"))
    assert "Main hall is provisionally booked" in page.get_by_role("main").inner_text()

    # Back: the quote again (a GET, no "Confirm form resubmission"), which now knows the
    # dates are this buyer's own hold.
    response = page.go_back()
    assert response is not None and response.status == 409
    assert page.url == quote_url
    assert "You are already holding Main hall" in page.locator(".error-summary").inner_text()
    site.check()


def test_cancelling_asks_first_and_states_the_refund(site: Site, world) -> None:
    hackney, owner, charity, room_id = world
    day = rooms.london(utcnow()).date() + timedelta(days=21)
    request = rooms.BookingRequest(
        slots=rooms.slots_for(day, time(10), time(12)),
        attendees=20,
        layout="theatre",
        organisation_name="Hackney Food Bank",
    )
    order, _ = rooms.book(charity, hackney, room_id, request)
    order_id = order.id
    db.session.commit()
    billing.mark_paid(owner, hackney, order_id, "BACS 1")
    db.session.commit()
    page = site.page
    site.sign_in(CHARITY, PASSWORD)
    site.goto("/account/bookings")
    site.submit(page.get_by_role("link", name="Cancel booking"))
    main = page.get_by_role("main").inner_text()
    assert "Cancel your booking of Main hall?" in main
    assert "£40.00 is refunded to you" in main
    look(site, "confirm-cancel-booking")
    site.submit(page.get_by_role("link", name="No, go back"))
    assert "Confirmed" in page.get_by_role("row").filter(has_text="Main hall").inner_text()
    site.submit(page.get_by_role("link", name="Cancel booking"))
    site.submit(page.get_by_role("button", name="Yes, cancel the booking"))
    assert "Cancelled" in page.get_by_role("row").filter(has_text="Main hall").inner_text()


def test_too_large_logo_comes_back_to_the_form_with_the_limit(site: Site, world, tmp_path):
    big = tmp_path / "logo.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * (3 * 1024 * 1024))
    page = site.page
    site.sign_in(OWNER, PASSWORD)
    site.goto("/b/hackney/admin/profile")
    assert "smaller than 512 KB" in page.get_by_role("main").inner_text()
    page.get_by_label("Logo").set_input_files(str(big))
    site.submit(page.get_by_role("button", name="Upload logo"), status=413)
    assert "The logo must be smaller than 512 KB" in page.locator(".error-summary").inner_text()
    look(site, "logo-too-large")


def test_borough_page_settings_and_notifications(site: Site, world) -> None:
    """Items 11, 12 and 3: the owner sets the address, opening hours and booking horizon; the
    borough page shows its rooms, a map link and the hours; staff choose their emails and see
    a booking among their notifications."""
    hackney, _, charity, room_id = world
    page = site.page
    site.sign_in(OWNER, PASSWORD)
    site.goto("/b/hackney/admin/profile")
    page.get_by_label("Street address").fill("12 Mare Street, Hackney")
    page.get_by_label("Postcode").fill("E8 1DY")
    page.get_by_label("Opening hours").fill("Monday to Friday, 9:30 to 17:00")
    page.get_by_label("How far ahead rooms can be booked").select_option("92")
    site.submit(page.get_by_role("button", name="Save profile"))
    look(site, "profile-where-and-when")

    site.goto("/b/hackney/")
    main = page.get_by_role("main")
    assert "Monday to Friday, 9:30 to 17:00" in main.inner_text()
    link = page.get_by_role("link", name="See Hackney CVS on OpenStreetMap")
    assert link.get_attribute("href").startswith("https://www.openstreetmap.org/search?query=")
    assert main.get_by_role("link", name="Main hall, Hackney Community Centre").count() == 1
    look(site, "borough-page")

    site.goto("/b/hackney/admin/notifications")
    page.get_by_label("A room is booked, or held for payment").uncheck()
    site.submit(page.get_by_role("button", name="Save"))
    assert not page.get_by_label("A room is booked, or held for payment").is_checked()
    look(site, "staff-emails")

    day = rooms.london(utcnow()).date() + timedelta(days=10)
    request = rooms.BookingRequest(
        slots=rooms.slots_for(day, time(10), time(12)),
        attendees=20,
        layout="theatre",
        organisation_name="Hackney Food Bank",
    )
    rooms.book(charity, hackney, room_id, request)
    db.session.commit()
    site.goto("/account")
    site.submit(page.get_by_role("link", name="Notifications (1 new)"))
    assert "Hackney Food Bank" in page.get_by_role("main").inner_text()
    look(site, "notifications")
    site.submit(page.get_by_role("button", name="Mark all 1 as read"))
    assert "New" not in page.get_by_role("list").filter(has_text="Hackney Food Bank").inner_text()
