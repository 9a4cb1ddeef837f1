"""A buyer pays for an order in the browser: our order page, the (fake) Stripe Checkout page,
and back to our success page, which shows the payment once the webhook has confirmed it.
axe-core checks every page of ours on the way."""

from __future__ import annotations

import time

import pytest

from londonhub.billing import services
from londonhub.billing.fulfilment import FulfilmentHandler, register_fulfilment
from londonhub.billing.models import OrderStatus
from londonhub.billing.services import Line
from londonhub.platform.core.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]


@pytest.fixture
def order(make_workspace, make_user):
    register_fulfilment("e2e_item", FulfilmentHandler())
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    buyer = make_user("buyer@example.com", name="Bea Buyer")
    order = services.create_order(
        hackney,
        kind="e2e_item",
        fulfilment_ref="booking-7",
        lines=[Line("Main hall, 2 hours", 2500), Line("Tea and coffee", 450, quantity=2)],
        buyer=buyer,
        description="Main hall hire",
    )
    order_id = order.id
    db.session.commit()
    return order_id


def test_buyer_pays_on_the_checkout_page_and_sees_the_payment_confirmed(
    site: Site, order: int, stripe_webhooks, live_server: str
) -> None:
    page = site.page
    site.sign_in("buyer@example.com", PASSWORD)
    site.goto("/account/orders")
    site.submit(page.get_by_role("link", name=f"{order}: Main hall hire"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Order {order}"
    assert "Pending" in page.locator("main").inner_text()

    with page.expect_navigation():
        page.get_by_role("button", name="Pay £34.00 by card").click()
    assert page.url.startswith(stripe_webhooks.base_url + "/pay/cs_test_")
    assert page.get_by_role("heading", level=1).inner_text() == "Pay £34.00"
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    with page.expect_navigation(url=f"{live_server}/account/orders/{order}/return*"):
        page.get_by_role("button", name="Pay").click()
    site.check()

    # The fake delivers its events to our webhook; reload (bounded) until the page says paid.
    deadline = time.monotonic() + 15
    while "Your payment is confirmed" not in page.locator("main").inner_text():
        assert time.monotonic() < deadline, "the payment was never confirmed"
        time.sleep(0.2)
        page.reload()
    site.check()
    main = page.locator("main").inner_text()
    assert "Paid" in main and "A receipt is on its way to buyer@example.com" in main
    assert page.get_by_role("button", name="Pay £34.00 by card").count() == 0

    db.session.rollback()
    assert services.get_buyer_order(_buyer(), order).status == OrderStatus.PAID
    assert [
        d["status"] for d in stripe_webhooks.deliveries if d["type"] == "checkout.session.completed"
    ] == [200]

    site.goto("/account/orders")
    assert "Paid" in page.locator("main").inner_text()


def _buyer():
    from sqlalchemy import select

    return db.session.scalar(
        select(services.User).where(services.User.email == "buyer@example.com")
    )
