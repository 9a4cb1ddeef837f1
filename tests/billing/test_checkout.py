"""Stripe Checkout: one session per order, keyed on the order; the return page shows the real
state; Stripe's errors leave the order as it was and say what to do next."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from londonhub.billing import services
from londonhub.billing.models import OrderStatus, PaymentMode
from londonhub.platform.core.timeutil import utcnow
from tests.stripe_server.server import CardDeclined

from .conftest import all_entries, reload, session_id_of

pytestmark = pytest.mark.stripe


def session_creations(fake_stripe) -> list[dict]:
    return [
        c
        for c in fake_stripe.api_calls
        if c["method"] == "POST" and c["path"] == "/v1/checkout/sessions"
    ]


def test_order_waits_for_stripe_checkout(people, make_order):
    order = make_order(people.hackney, people.buyer)
    assert order.status == OrderStatus.PENDING
    assert order.payment_mode == PaymentMode.STRIPE


def test_pay_creates_one_checkout_session_keyed_on_the_order(
    people, make_order, client, auth, fake_stripe
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    page = client.get(f"/account/orders/{order.id}").get_data(as_text=True)
    assert "Pay £25.00 by card" in page
    response = client.post(f"/account/orders/{order.id}/pay")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(fake_stripe.base_url + "/pay/cs_test_")
    [call] = session_creations(fake_stripe)
    assert call["idempotency_key"] == f"checkout:{order.id}:1"
    params = call["params"]
    assert params["client_reference_id"] == f"order-{order.id}"
    assert params["metadata"] == {
        "order_id": str(order.id),
        "workspace_id": str(people.hackney.id),
        "kind": "test_item",
    }
    assert params["payment_intent_data"]["metadata"] == params["metadata"]
    assert (
        params["payment_intent_data"]["transfer_group"] == f"order-{people.hackney.id}-{order.id}"
    )
    assert "application_fee_amount" not in params["payment_intent_data"]  # not connected
    assert params["customer_email"] == "buyer@example.com"
    assert params["line_items"] == [
        {
            "price_data": {
                "currency": "gbp",
                "unit_amount": 2500,
                "product_data": {"name": "Main hall, 2 hours"},
            },
            "quantity": 1,
        }
    ]
    assert urlsplit(params["success_url"]).path == f"/account/orders/{order.id}/return"
    assert call["stripe_version"] == services.gateway.API_VERSION
    assert reload(order).stripe_checkout_session_id == location.rsplit("/", 1)[1]

    # Paying again while the session is open goes back to the same page, without a new one.
    again = client.post(f"/account/orders/{order.id}/pay")
    assert again.headers["Location"] == location
    assert len(session_creations(fake_stripe)) == 1


def test_an_expired_session_is_replaced_with_a_new_key(
    people, make_order, client, auth, fake_stripe
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    client.post(f"/account/orders/{order.id}/pay")
    fake_stripe.expire_session(session_id_of(order))
    second = client.post(f"/account/orders/{order.id}/pay")
    assert second.status_code == 303
    keys = [c["idempotency_key"] for c in session_creations(fake_stripe)]
    assert keys == [f"checkout:{order.id}:1", f"checkout:{order.id}:2"]
    assert reload(order).status == OrderStatus.PENDING


def test_return_page_shows_the_real_state_and_never_marks_paid(
    people, make_order, client, auth, fake_stripe, stripe_driver, feature
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    client.post(f"/account/orders/{order.id}/pay")
    session_id = session_id_of(order)
    fake_stripe.pay_session(session_id)  # paid at Stripe; the webhook has not come yet
    page = client.get(f"/account/orders/{order.id}/return?session_id={session_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "waiting for the payment service to confirm" in text
    assert "Pending" in text
    assert reload(order).status == OrderStatus.PENDING
    assert all_entries() == []
    assert feature.paid == []
    # A forged session id in the address changes nothing either.
    client.get(f"/account/orders/{order.id}/return?session_id=cs_test_forged")
    assert reload(order).status == OrderStatus.PENDING

    stripe_driver.deliver()
    text = client.get(f"/account/orders/{order.id}/return").get_data(as_text=True)
    assert "Your payment is confirmed" in text
    assert reload(order).status == OrderStatus.PAID
    assert feature.paid == [order.id]


def test_someone_elses_order_cannot_be_paid(people, make_order, client, auth, fake_stripe):
    order = make_order(people.hackney, people.other_buyer)
    auth.login("buyer@example.com")
    assert client.post(f"/account/orders/{order.id}/pay").status_code == 404
    assert session_creations(fake_stripe) == []
    with pytest.raises(services.OrderNotFound):
        services.checkout_url(order, people.buyer)


def test_a_paid_order_cannot_be_paid_again(
    people, make_order, client, auth, fake_stripe, stripe_driver
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    client.post(f"/account/orders/{order.id}/pay")
    fake_stripe.pay_session(session_id_of(order))
    # Before the webhook: Stripe says the session is complete.
    early = client.post(f"/account/orders/{order.id}/pay", follow_redirects=True)
    assert "This order has been paid" in early.get_data(as_text=True)
    stripe_driver.deliver()
    late = client.post(f"/account/orders/{order.id}/pay", follow_redirects=True)
    assert "cannot be paid online now" in late.get_data(as_text=True)
    assert len(session_creations(fake_stripe)) == 1


def test_an_order_past_its_time_cannot_be_paid(people, make_order, client, auth, fake_stripe):
    order = make_order(people.hackney, people.buyer, expires_at=utcnow() - timedelta(minutes=1))
    auth.login("buyer@example.com")
    response = client.post(f"/account/orders/{order.id}/pay", follow_redirects=True)
    assert "The time to pay for this order has run out" in response.get_data(as_text=True)
    assert session_creations(fake_stripe) == []


@pytest.mark.parametrize("failure", [{"status": 500}, {"kind": "network"}, {"status": 400}])
def test_stripe_errors_leave_the_order_as_it_was_and_say_what_to_do(
    people, make_order, client, auth, fake_stripe, failure
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    retried = failure.get("status", 500) >= 500  # the client retries those twice, same key
    for _ in range(3 if retried else 1):
        fake_stripe.fail_next("POST", "/v1/checkout/sessions", **failure)
    response = client.post(f"/account/orders/{order.id}/pay", follow_redirects=True)
    assert response.status_code == 200
    assert "Nothing has been charged: please try again in a minute" in response.get_data(
        as_text=True
    )
    order = reload(order)
    assert order.status == OrderStatus.PENDING
    assert order.stripe_checkout_session_id is None
    assert order.checkout_attempts == 0
    keys = {c["idempotency_key"] for c in session_creations(fake_stripe)}
    assert keys <= {f"checkout:{order.id}:1"}
    # Trying again works, with the same key: a session made before a lost answer is reused.
    retry = client.post(f"/account/orders/{order.id}/pay")
    assert retry.status_code == 303
    assert {c["idempotency_key"] for c in session_creations(fake_stripe)} == {
        f"checkout:{order.id}:1"
    }


def test_a_lost_answer_is_recovered_by_the_same_key_and_nothing_is_made_twice(
    people, make_order, client, auth, fake_stripe
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", kind="network", after_execution=True)
    response = client.post(f"/account/orders/{order.id}/pay")
    assert response.status_code == 303
    calls = session_creations(fake_stripe)
    assert len(calls) == 2 and calls[1]["replayed"]
    sessions = [o for o in fake_stripe.all_objects() if o["object"] == "checkout.session"]
    assert len(sessions) == 1


def test_a_declined_card_leaves_the_order_pending(
    people, make_order, client, auth, fake_stripe, stripe_driver
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    client.post(f"/account/orders/{order.id}/pay")
    with pytest.raises(CardDeclined):
        fake_stripe.pay_session(session_id_of(order), "4000000000000002")
    stripe_driver.deliver()  # charge.failed and payment_intent.payment_failed: stored, ignored
    assert reload(order).status == OrderStatus.PENDING
    assert all_entries() == []
    page = client.get(f"/account/orders/{order.id}?cancelled=1").get_data(as_text=True)
    assert "Nothing has been charged" in page
    assert "Pay £25.00 by card" in page
