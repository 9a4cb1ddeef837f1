"""Issue 5, done when: a charity user books and pays for a room in another borough in the
browser, the room's workspace admin sees it on the calendar and in their income, and the buyer
cancels within policy and is refunded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.rooms import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.tenants.rooms.conftest import approve_community, room_values

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

HACKNEY_ADMIN = "admin@hackney.example.org"
CHARITY = "volunteer@camden-food-bank.example.org"


@pytest.fixture
def world(make_workspace, make_user):
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    admin = make_user(HACKNEY_ADMIN, name="Hana Admin", workspace=hackney, role="owner")
    charity = make_user(CHARITY, name="Cam Charity")
    services.save_room(admin, hackney, room_values(name="Main hall"))
    db.session.commit()
    approve_community(hackney, charity, admin, "Camden Food Bank")  # the community rate
    return hackney, camden


def test_charity_books_pays_and_cancels_a_room_in_another_borough(
    site: Site, world, stripe_webhooks
) -> None:
    page = site.page
    day = services.london(utcnow()).date() + timedelta(days=21)
    site.sign_in(CHARITY, PASSWORD)
    site.submit(page.get_by_role("navigation", name="Main").get_by_role("link", name="Rooms"))
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("From").fill("10:00")
    page.get_by_label("Until").fill("12:00")
    page.get_by_label("People").fill("30")
    page.get_by_label("Borough").select_option("Hackney")
    site.submit(page.get_by_role("button", name="Search rooms"))
    site.submit(page.get_by_role("link", name="Main hall, Hackney Community Centre"))

    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("12:00")
    page.get_by_label("Number of people").fill("30")
    page.get_by_label("Organisation name").fill("Camden Food Bank")
    page.get_by_label("Organisation type").select_option("community")
    site.submit(page.get_by_role("button", name="Check the price"))
    assert "£40.00" in page.get_by_role("table", name="Price").inner_text()
    site.submit(page.get_by_role("button", name="Hold the room and pay"))
    assert "We are holding Main hall" in page.get_by_role("status").inner_text()

    # Stripe Checkout (the fake server's hosted page), then back to our order page.
    with page.expect_navigation():
        page.get_by_role("button", name="Pay £40.00 by card").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Pay").click()
    site.check()
    assert "Your payment is confirmed" in page.get_by_role("main").inner_text()

    site.goto("/account/bookings")
    row = page.get_by_role("row").filter(has_text="Main hall")
    assert "Confirmed" in row.inner_text()
    site.submit(page.get_by_role("button", name="Sign out"))

    site.sign_in(HACKNEY_ADMIN, PASSWORD)
    site.goto(f"/b/hackney/admin/rooms/calendar?date={day.isoformat()}")
    assert "Camden Food Bank (30 people)" in page.get_by_role("main").inner_text()
    site.goto("/b/hackney/admin/billing/")
    income = page.get_by_role("main").inner_text()
    assert "Camden Food Bank" in income and "£40.00" in income
    site.submit(page.get_by_role("button", name="Sign out"))

    site.sign_in(CHARITY, PASSWORD)
    site.goto("/account/bookings")
    assert "Full refund of £40.00" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("link", name="Cancel booking"))
    assert "£40.00 is refunded to you" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("button", name="Yes, cancel the booking"))
    assert "is being refunded" in page.get_by_role("status").inner_text()
    assert "Cancelled" in page.get_by_role("row").filter(has_text="Main hall").inner_text()


def test_a_group_asks_for_the_community_rate_and_an_admin_approves_it(
    site: Site, make_workspace, make_user
) -> None:
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    admin = make_user(HACKNEY_ADMIN, name="Hana Admin", workspace=hackney, role="owner")
    make_user("choir@example.org", name="Carol Choir")
    room_id = services.save_room(admin, hackney, room_values(name="Main hall")).id
    db.session.commit()
    page = site.page
    site.sign_in("choir@example.org", PASSWORD)
    site.goto(f"/b/hackney/rooms/{room_id}")
    site.submit(page.get_by_role("link", name="Ask Hackney CVS for the community rate"))
    page.get_by_label("Name of your group").fill("Mare Street Choir")
    page.get_by_label("Charity or company number").fill("12")
    site.submit(page.get_by_role("button", name="Send the request"), status=400)
    assert "Enter a real charity number" in page.get_by_role("main").inner_text()
    page.get_by_label("Charity or company number").fill("1234567")
    site.submit(page.get_by_role("button", name="Send the request"))
    assert "Waiting for a decision" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("button", name="Sign out"))

    site.sign_in(HACKNEY_ADMIN, PASSWORD)
    site.goto("/b/hackney/admin/rooms/rate-requests/")
    site.submit(page.get_by_role("button", name="Approve Mare Street Choir"))
    assert "Approved" in page.get_by_role("row").filter(has_text="Mare Street Choir").inner_text()
