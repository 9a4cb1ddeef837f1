"""Issue 13's done-when, in the browser: buyer@acme.example.com buys a package for 5 employees
by card, uploads a CSV of 6 rows (one refused, with its reason), two employees accept and
choose Hackney and Camden, those workspaces confirm the placements, hours are logged and
verified, the buyer's dashboard and impact summary show it, and the hub's ledger for the
purchase shows each workspace's share and the hub's. axe passes on every page visited."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import london_today
from londonhub.platform.corporate.models import CorporatePackage, PackageStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.platform.corporate.conftest import BUYER, HUB, corporate_opportunity, package_values

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

CSV = (
    "Email,Name\n"
    "zoe.adams@acme.example.com,Zoe Adams\n"
    "chen.li@acme.example.com,Chen Li\n"
    "ann.b@acme.example.com,Ann B\n"
    "no email here,Sam Nobody\n"
    "dan.ng@acme.example.com,Dan Ng\n"
    "eve.k@acme.example.com,Eve K\n"
)


@pytest.fixture
def world(make_workspace, make_user) -> None:
    make_user(HUB, name="Hub Admin", hub_admin=True)
    make_user(BUYER, name="Alex Buyer")
    db.session.add(
        CorporatePackage(status=PackageStatus.PUBLISHED, **package_values(min_quantity=1))
    )
    for slug, borough, title, cause in (
        ("hackney", "Hackney", "Food bank team", "food-poverty"),
        ("camden", "Camden", "Camden park clean-up", "environment"),
    ):
        workspace = make_workspace(slug, f"{borough} CVS", borough=borough)
        admin = make_user(
            f"admin@{slug}.example.org", name=f"{borough} Admin", workspace=workspace, role="owner"
        )
        corporate_opportunity(workspace, admin, title=title, cause=cause, group=f"{borough} Group")
    for email, name in (
        ("zoe.adams@acme.example.com", "Zoe Adams"),
        ("chen.li@acme.example.com", "Chen Li"),
    ):
        make_user(email, name=name)
    db.session.commit()


def sign_out(site: Site) -> None:
    site.submit(site.page.get_by_role("button", name="Sign out"))


def test_a_company_buys_places_its_people_volunteer_near_home_and_everyone_sees_it(
    site: Site, world, stripe_webhooks, live_server: str, outbox
) -> None:
    page = site.page
    site.sign_in(BUYER, PASSWORD)
    site.goto("/")
    site.submit(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="For companies")
    )
    site.submit(page.get_by_role("link", name="Buy Employee volunteering, one year"))
    page.get_by_label("Quantity").fill("9999")
    site.submit(page.get_by_role("button", name="Continue"), status=400)
    assert "sold up to 50 at a time" in page.locator(".error-summary").inner_text()
    page.get_by_label("Quantity").fill("5")
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Company number").fill("01234567")
    page.get_by_label("Billing address").fill("1 Finsbury Square, London EC2A 1AE")
    page.get_by_label("Purchase-order number (optional)").fill("PO-4471")
    page.get_by_label("Pay now by card").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.startswith(stripe_webhooks.base_url + "/pay/cs_test_")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    with page.expect_navigation(url=f"{live_server}/account/orders/*/return*"):
        page.get_by_role("button", name="Pay").click()
    deadline = time.monotonic() + 15
    while "Your payment is confirmed" not in page.locator("main").inner_text():
        assert time.monotonic() < deadline, "the payment was never confirmed"
        time.sleep(0.2)
        page.reload()
    site.check()

    site.goto("/corporate/account")
    assert "5 of your places can still be given to employees" in page.locator("main").inner_text()
    site.submit(
        page.get_by_role("navigation", name="Company account").get_by_role("link", name="Employees")
    )
    page.get_by_label("Spreadsheet of employees (CSV)").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": CSV.encode("cp1252")}
    )
    site.submit(page.get_by_role("button", name="Upload and invite"))
    report = page.get_by_role("table", name="What happened to each row of your file").inner_text()
    assert "Refused: Not an email address" in report
    assert page.get_by_role("heading", name="Your upload: 5 invited, 1 refused").count() == 1
    sign_out(site)

    for email, borough in (
        ("zoe.adams@acme.example.com", "Hackney"),
        ("chen.li@acme.example.com", "Camden"),
    ):
        site.sign_in(email, PASSWORD)
        site.goto(outbox.link(outbox.to(email)[0]))
        site.submit(page.get_by_role("button", name="Accept my place"))
        site.submit(page.get_by_role("button", name="Save and see opportunities"), status=400)
        assert "Choose the borough you live in" in page.locator(".error-summary").inner_text()
        page.get_by_label("Home borough").select_option(label=borough)
        site.submit(page.get_by_role("button", name="Save and see opportunities"))
        site.submit(page.get_by_role("button", name="Choose this").first)
        assert "Waiting for the Volunteer Centre" in page.locator("main").inner_text()
        sign_out(site)

    for slug, name in (("hackney", "Zoe Adams"), ("camden", "Chen Li")):
        site.sign_in(f"admin@{slug}.example.org", PASSWORD)
        site.goto(f"/b/{slug}/admin/corporate/")
        site.submit(page.get_by_role("button", name=f"Confirm the placement of {name}"))
        assert "The placement is confirmed" in page.get_by_role("status").inner_text()
        sign_out(site)

    for email, hours in (("zoe.adams@acme.example.com", "3"), ("chen.li@acme.example.com", "2.5")):
        site.sign_in(email, PASSWORD)
        site.goto("/corporate/me")
        site.submit(page.get_by_role("link", name="Record your hours"))
        page.get_by_label("Opportunity").select_option(index=1)
        page.get_by_label("Date").fill(london_today().isoformat())
        page.get_by_label("Hours").fill(hours)
        site.submit(page.get_by_role("button", name="Record the hours"))
        assert "Your hours are recorded" in page.get_by_role("status").inner_text()
        sign_out(site)

    for slug, name in (("hackney", "Zoe Adams"), ("camden", "Chen Li")):
        site.sign_in(f"admin@{slug}.example.org", PASSWORD)
        site.goto(f"/b/{slug}/admin/volunteering/hours")
        site.submit(page.get_by_role("button", name=f"Save for {name}"))
        site.goto(f"/b/{slug}/admin/corporate/")
        assert "Completed" in page.get_by_role("table", name="Employees placed here").inner_text()
        sign_out(site)

    site.sign_in(BUYER, PASSWORD)
    site.goto("/corporate/account")
    main = page.locator("main").inner_text()
    assert "5\nplaces bought" in main and "2\nplaced" in main and "2\ncompleted" in main
    assert "5.5\nverified hours" in main
    boroughs = page.get_by_role(
        "table", name="Employees placed by borough: the figures"
    ).inner_text()
    assert "Hackney\t1" in boroughs and "Camden\t1" in boroughs
    causes = page.get_by_role("table", name="Employees placed by cause: the figures").inner_text()
    assert "Food poverty\t1" in causes and "Environment\t1" in causes
    site.submit(page.get_by_role("link", name="Printable impact summary"))
    assert "Placements completed\n2" in page.locator("main").inner_text()
    csv = page.request.get(f"{live_server}/corporate/account/impact.csv").text()
    assert "Verified hours,5.5" in csv and "Zoe Adams,Completed,Hackney" in csv
    sign_out(site)

    site.sign_in(HUB, PASSWORD)
    site.goto("/hub/corporate")
    assert (
        "Acme Ltd"
        in page.get_by_role(
            "table", name="Every corporate account, its places and revenue"
        ).inner_text()
    )
    site.submit(page.get_by_role("link", name=re.compile(r"^Purchase \d+ \(order \d+\)$")))
    money = page.get_by_role(
        "table", name="Every ledger entry of this purchase's order, in every workspace"
    ).inner_text()
    assert "£900.00" in money  # the charge: 5 x £150 and VAT
    assert "Hackney CVS\tTransfer\t£100.00" in money and "Camden CVS\tTransfer\t£100.00" in money
    assert "The hub keeps £700.00 of this order so far" in page.locator("main").inner_text()
    db.session.rollback()
    assert db.session.scalar(select(CorporatePackage.name)) == "Employee volunteering, one year"
