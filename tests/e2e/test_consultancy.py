"""Issue 14's "done when", in the browser: a Camden charity finds an associate by expertise,
sends an enquiry, gets a quote, accepts it and pays the deposit on the (fake) Stripe Checkout
page; the associate records a milestone, the client accepts it and pays the balance, reviews
the associate; the hub's ledger shows the associate's share, the hub's commission and a
transfer to the associate's connected account. A Lifeboat request made without an account
reaches the hub and is assigned. axe-core checks every page of ours on the way."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from londonhub.platform.consultancy.models import Engagement
from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import london_today
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.platform.consultancy.conftest import approved

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]


@pytest.fixture
def people(make_user, make_workspace, stripe_webhooks):
    make_workspace("camden", "Voluntary Action Camden", borough="Camden")
    hub = make_user("hub@example.org", name="Hugh Hub", hub_admin=True)
    ada = make_user("ada@associates.example.org", name="Ada Adviser")
    make_user("chair@camden-carers.example.org", name="Cam Chair")
    associate = approved(ada, hub, expertise=["governance", "finance"])
    account = stripe_webhooks.client().v1.accounts.create(
        {"type": "express", "country": "GB", "capabilities": {"transfers": {"requested": True}}}
    )
    stripe_webhooks.complete_onboarding(account["id"])
    associate.stripe_account_id = account["id"]
    db.session.commit()
    return associate.slug


def _site(browser, live_server: str) -> Site:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return Site(context.new_page(), live_server)


def _pay_on_stripe(site: Site, stripe_base: str, live_server: str, button: str) -> None:
    page = site.page
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    assert page.url.startswith(stripe_base + "/pay/cs_test_")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    with page.expect_navigation(url=f"{live_server}/account/orders/*/return*"):
        page.get_by_role("button", name="Pay").click()
    site.check()
    deadline = time.monotonic() + 15
    while "Your payment is confirmed" not in page.locator("main").inner_text():
        assert time.monotonic() < deadline, "the payment was never confirmed"
        time.sleep(0.2)
        page.reload()


def _engagement_id() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(Engagement.id))


def test_a_camden_charity_books_pays_and_reviews_an_associate(
    browser, site: Site, people, stripe_webhooks, live_server: str
):
    page = site.page
    client = site
    client.sign_in("chair@camden-carers.example.org", PASSWORD)
    client.goto("/consultancy")
    page.get_by_label("Expertise").select_option("governance")
    client.submit(page.get_by_role("button", name="Search associates"))
    client.submit(page.get_by_role("link", name="Ada Adviser"))
    client.submit(page.get_by_role("link", name="Send Ada Adviser an enquiry"))
    page.get_by_label("Your organisation").fill("Camden Carers")
    page.get_by_label("Borough").select_option("camden")
    page.get_by_label("What you need help with").fill("Our board needs a governance review")
    client.submit(page.get_by_role("button", name="Send enquiry"))
    assert "Your enquiry has been sent." in page.get_by_role("status").inner_text()

    ada = _site(browser, live_server)
    ada.sign_in("ada@associates.example.org", PASSWORD)
    ada.goto("/consultancy/work")
    ada.submit(ada.page.get_by_role("link", name="Camden Carers"))
    ada.submit(ada.page.get_by_role("link", name="Write a quote"))
    first = ada.page.get_by_role("group", name="Line 1")
    first.get_by_label("Description").fill("Board review")
    first.get_by_label("Days (empty for a fixed item)").fill("2")
    first.get_by_label("Day rate or price (£)").fill("450")
    second = ada.page.get_by_role("group", name="Line 2")
    second.get_by_label("Description").fill("Written report")
    second.get_by_label("Day rate or price (£)").fill("200")
    ada.page.get_by_label("Deposit (% of the total)").fill("25")
    ada.page.get_by_label("Quote expires on").fill(
        (london_today() + timedelta(days=14)).isoformat()
    )
    ada.submit(ada.page.get_by_role("button", name="Send quote"))
    assert "£1,100.00" in ada.page.locator("main").inner_text()

    client.goto("/consultancy/work")
    client.submit(page.get_by_role("link", name="Camden Carers"))
    client.submit(page.get_by_role("link", name="Quote version 1"))
    client.submit(page.get_by_role("button", name="Accept the quote"))
    engagement = _engagement_id()
    _pay_on_stripe(client, stripe_webhooks.base_url, live_server, "Pay the deposit")
    client.goto(f"/consultancy/engagements/{engagement}")
    assert page.locator("#engagement-status").inner_text() == "Active"

    ada.goto(f"/consultancy/engagements/{engagement}")
    ada.page.get_by_label("What was delivered").fill("Board review day")
    ada.submit(ada.page.get_by_role("button", name="Record milestone"))

    client.goto(f"/consultancy/engagements/{engagement}")
    client.submit(page.get_by_role("button", name="Accept Board review day"))
    _pay_on_stripe(client, stripe_webhooks.base_url, live_server, "Pay the balance")
    client.goto(f"/consultancy/engagements/{engagement}")
    assert page.locator("#engagement-status").inner_text() == "Completed"
    page.get_by_label("5 out of 5").check()
    page.get_by_label("Your review").fill("Clear, kind and practical.")
    client.submit(page.get_by_role("button", name="Send review"))

    hub = _site(browser, live_server)
    hub.sign_in("hub@example.org", PASSWORD)
    hub.goto("/hub/consultancy")
    hub.submit(hub.page.get_by_role("button", name="Publish review"))
    hub.goto("/hub/consultancy/money")
    ledger = hub.page.locator("#ledger").inner_text()
    assert "Share" in ledger and "15% commission" in ledger
    assert "Transferred to Ada Adviser's Stripe account" in ledger
    assert hub.page.locator("#commission-total").inner_text() == "£165.00"
    transfers = [o for o in stripe_webhooks.all_objects() if o.get("object") == "transfer"]
    assert sum(t["amount"] for t in transfers) == 93_500  # 85% of £1,100
    client.goto(f"/consultancy/{people}")
    assert "Clear, kind and practical." in page.locator("main").inner_text()


def test_a_lifeboat_request_without_an_account_reaches_the_hub_and_is_assigned(
    browser, site: Site, people, live_server: str
):
    page = site.page
    site.goto("/consultancy")
    site.submit(page.get_by_role("link", name="Ask the Lifeboat scheme for help"))
    page.get_by_label("Name of your organisation").fill("Riverside Youth Club")
    page.get_by_label("Your name").fill("Pat Treasurer")
    page.get_by_label("Your email address").fill("pat@riverside.example.org")
    page.get_by_label("We are running out of money (cash-flow crisis)").check()
    page.get_by_label("Tell us in your own words").fill("Our grant ended; rent is due.")
    site.submit(page.get_by_role("button", name="Ask for help"))
    assert page.get_by_role("heading", level=1).inner_text() == "We have your request"

    hub = _site(browser, live_server)
    hub.sign_in("hub@example.org", PASSWORD)
    hub.goto("/hub/consultancy/lifeboat")
    hub.submit(hub.page.get_by_role("link", name="Riverside Youth Club"))
    hub.page.get_by_label("Urgency").select_option("3")
    hub.submit(hub.page.get_by_role("button", name="Save triage"))
    hub.page.get_by_label("Associate").select_option(label="Ada Adviser")
    hub.submit(hub.page.get_by_role("button", name="Assign"))
    assert hub.page.locator("#lifeboat-status").inner_text() == "Assigned"
    assert hub.page.locator("#lifeboat-assigned").inner_text() == "Ada Adviser"
