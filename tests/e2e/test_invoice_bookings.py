"""Issue 10, item 1 in the browser (invoice mode, the default of `make run`): a charity books a
room and it is provisionally confirmed on an invoice (no 15-minute hold); the buyer sees the
invoice page and downloads its PDF; the workspace's admin finds it among its invoices and
marks it paid (how, reference, when). axe checks every page; the invoice is looked at at 375
and 1280 px wide."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.rooms import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.tenants.rooms.conftest import approve_community, room_values

pytestmark = pytest.mark.e2e

HACKNEY_ADMIN = "admin@hackney.example.org"
CHARITY = "volunteer@camden-food-bank.example.org"
SCREENSHOTS = os.environ.get("LONDONHUB_E2E_SCREENSHOTS")


def look(site: Site, name: str) -> None:
    """At 375 and 1280 px: nothing wider than the screen, axe passes; keep a screenshot."""
    for width in (375, 1280):
        site.page.set_viewport_size({"width": width, "height": 900})
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            site.page.screenshot(
                path=os.path.join(SCREENSHOTS, f"{name}-{width}.png"), full_page=True
            )
        scroll = site.page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{site.page.url} is {scroll}px wide at {width}px"
        site.check()
    site.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def world(make_workspace, make_user):
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    admin = make_user(HACKNEY_ADMIN, name="Hana Admin", workspace=hackney, role="owner")
    charity = make_user(CHARITY, name="Cam Charity")
    room_id = services.save_room(admin, hackney, room_values(name="Main hall")).id
    db.session.commit()
    billing.save_settings(
        admin,
        hackney,
        address="Hackney CVS\n1 Mare Street\nLondon E8 1DY",
        vat_registered=False,
        vat_number="",
        vat_rate_percent=0,
        payment_instructions="Bank transfer to sort code 20-00-00, account 12345678",
        due_days=14,
        reminder_days=3,
    )
    db.session.commit()
    approve_community(hackney, charity, admin, "Camden Food Bank")
    return hackney, room_id


def test_invoice_booking_is_provisionally_confirmed_then_marked_paid(site: Site, world) -> None:
    _, room_id = world
    page = site.page
    day = services.london(utcnow()).date() + timedelta(days=30)
    site.sign_in(CHARITY, PASSWORD)
    site.goto(f"/b/hackney/rooms/{room_id}")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("12:00")
    page.get_by_label("Number of people").fill("30")
    page.get_by_label("Organisation name").fill("Camden Food Bank")
    page.get_by_label("Organisation type").select_option("community")
    site.submit(page.get_by_role("button", name="Check the price"))
    main = page.get_by_role("main").inner_text()
    assert "will invoice you" in main and "15 minutes" not in main
    site.submit(page.get_by_role("button", name="Book and get the invoice"))
    status = page.get_by_role("main").inner_text()
    assert "provisionally booked" in status and "Provisionally confirmed" in status
    assert "holding" not in status

    site.submit(page.get_by_role("link", name="See invoice INV-00001 and how to pay"))
    invoice = page.get_by_role("main").inner_text()
    for expected in ("Invoice INV-00001", "1 Mare Street", "Not registered for VAT", "Cam Charity"):
        assert expected in invoice
    assert "sort code 20-00-00" in invoice and "£40.00" in invoice
    look(site, "invoice-buyer")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download invoice INV-00001 as a PDF").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename == "INV-00001.pdf"

    site.goto("/account/bookings")
    row = page.get_by_role("row").filter(has_text="Main hall")
    assert "Provisionally confirmed" in row.inner_text()
    site.submit(page.get_by_role("button", name="Sign out"))

    site.sign_in(HACKNEY_ADMIN, PASSWORD)
    site.goto("/b/hackney/admin/billing/")
    site.submit(page.get_by_role("link", name="Invoices"))
    site.submit(page.get_by_role("link", name="INV-00001"))
    look(site, "invoice-admin")
    site.submit(page.get_by_role("link", name="Order 1: mark it paid"))
    page.get_by_label("How was it paid?").select_option("cheque")
    page.get_by_label("Payment reference").fill("CHQ 000123")
    site.submit(page.get_by_role("button", name="Mark as paid"))
    assert "is marked paid" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("link", name="INV-00001"))
    assert "Paid on" in page.get_by_role("main").inner_text()
    assert "by cheque" in page.get_by_role("main").inner_text()
