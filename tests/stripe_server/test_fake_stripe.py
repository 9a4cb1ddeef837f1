"""The fake Stripe server, driven through `stripe.StripeClient` exactly as the app drives Stripe."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest
import requests
import stripe
from stripe._object_classes import OBJECT_CLASSES

from tests.stripe_server.fixtures import FakeStripe, WebhookReceiver
from tests.stripe_server.schema import resource_keys
from tests.stripe_server.server import CardDeclined, FakeStripeError

API_VERSION = stripe.api_version
SECRET = "whsec_test_secret"
DECLINED = "4000 0000 0000 0002"


# ---------------------------------------------------------------------------------------------
# Helpers


def make_client(fake: FakeStripe, api_key: str = "sk_test_app") -> stripe.StripeClient:
    """Configured as the app configures its client."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": fake.base_url, "connect": fake.base_url, "files": fake.base_url},
        stripe_version=API_VERSION,
        max_network_retries=0,
    )


def onboarded_account(stripe_client: stripe.StripeClient, fake: FakeStripe) -> Any:
    account = stripe_client.v1.accounts.create(
        {
            "type": "express",
            "country": "GB",
            "email": "treasurer@example.org",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "business_type": "non_profit",
            "metadata": {"workspace_id": "7"},
        },
        options={"idempotency_key": "account:7"},
    )
    fake.complete_onboarding(account.id)
    return account


def session_params(destination: str | None = None, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 1250,
                    "product_data": {"name": "Room hire: Community Hall"},
                },
                "quantity": 2,
            }
        ],
        "client_reference_id": "payment-41",
        "metadata": {"payment_id": "41", "workspace_id": "7"},
        "customer_email": "payer@example.org",
        "success_url": "http://app.test/pay/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://app.test/pay/cancelled",
        "payment_intent_data": {"metadata": {"payment_id": "41"}},
    }
    if destination:
        params["payment_intent_data"].update(
            application_fee_amount=125,
            transfer_data={"destination": destination},
            transfer_group="booking-41",
        )
    params.update(overrides)
    return params


def as_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def resource_class(object_name: str) -> type:
    module, name = OBJECT_CLASSES[object_name]
    return getattr(importlib.import_module(module), name)


FREE_FORM = {"metadata", "previous_attributes"}


def assert_declared(obj: dict[str, Any], cls: type | None = None, where: str = "") -> None:
    """Every key is declared by the stripe resource class (along its MRO), recursively through
    inner classes and nested resources."""
    if cls is None:
        cls = resource_class(obj["object"])
        where = where or obj["object"]
    allowed = resource_keys(cls) | {"id", "object"}
    extra = set(obj) - allowed
    assert not extra, f"{where}: {sorted(extra)} not declared by {cls.__qualname__}"
    inner = getattr(cls, "_inner_class_types", {})
    for key, value in obj.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("object"), str) and item["object"] in OBJECT_CLASSES:
                assert_declared(item, None, f"{where}.{key}")
            elif key in inner:
                assert_declared(item, inner[key], f"{where}.{key}")
            elif key == "object" or key in FREE_FORM or (cls is stripe.Event.Data):
                continue
            else:
                pytest.fail(f"{where}.{key}: nested dict with no declared type")


def verified(receiver: WebhookReceiver, secret: str = SECRET) -> list[Any]:
    return [
        stripe.Webhook.construct_event(r["body"], r["signature"], secret) for r in receiver.received
    ]


@pytest.fixture
def stripe_client(fake_stripe: FakeStripe) -> stripe.StripeClient:
    return make_client(fake_stripe)


@pytest.fixture
def http() -> Any:
    with requests.Session() as session:
        yield session


# ---------------------------------------------------------------------------------------------
# Checkout Sessions


def test_create_session_with_every_app_param_then_retrieve(fake_stripe, stripe_client):
    account = onboarded_account(stripe_client, fake_stripe)
    expires_at = fake_stripe.now() + 3600
    created = stripe_client.v1.checkout.sessions.create(
        session_params(account.id, expires_at=expires_at),
        options={"idempotency_key": "checkout:41:1"},
    )
    assert created.id.startswith("cs_test_")
    assert created.object == "checkout.session"
    assert created.url == f"{fake_stripe.base_url}/pay/{created.id}"
    assert (created.status, created.payment_status) == ("open", "unpaid")
    assert (created.amount_total, created.amount_subtotal, created.currency) == (2500, 2500, "gbp")
    assert created.client_reference_id == "payment-41"
    assert created.metadata.to_dict() == {"payment_id": "41", "workspace_id": "7"}
    assert created.customer_email == "payer@example.org"
    assert created.success_url.endswith("session_id={CHECKOUT_SESSION_ID}")
    assert created.cancel_url == "http://app.test/pay/cancelled"
    assert created.expires_at == expires_at
    assert created.mode == "payment"
    assert created.payment_intent is None
    assert created.livemode is False
    assert isinstance(created.created, int)

    fetched = stripe_client.v1.checkout.sessions.retrieve(created.id)
    assert fetched.to_dict() == created.to_dict()
    assert_declared(as_dict(fetched))

    call = fake_stripe.api_calls[-2]
    assert call["idempotency_key"] == "checkout:41:1"
    assert call["stripe_version"] == API_VERSION
    assert call["params"]["line_items"][0]["price_data"]["unit_amount"] == 1250


def test_unknown_params_are_refused_with_the_param_named(stripe_client):
    cases = [
        ({"colour": "red"}, "colour"),
        ({"payment_intent_data": {"metadata": {}, "tip": "1"}}, "payment_intent_data[tip]"),
        (
            {"payment_intent_data": {"transfer_data": {"destination": "acct_1", "when": "now"}}},
            "payment_intent_data[transfer_data][when]",
        ),
    ]
    for extra, param in cases:
        params = session_params()
        for key, value in extra.items():
            params[key] = {**params.get(key, {}), **value} if isinstance(value, dict) else value
        with pytest.raises(stripe.InvalidRequestError) as caught:
            stripe_client.v1.checkout.sessions.create(params)
        assert caught.value.http_status == 400
        assert caught.value.param == param
        assert caught.value.user_message == f"Received unknown parameter: {param}"

    items = session_params()["line_items"]
    items[0]["price_data"]["product_data"]["colour"] = "red"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(session_params(line_items=items))
    assert caught.value.param == "line_items[0][price_data][product_data][colour]"

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create({"payment_intent": "pi_x", "amount": 5, "why": "x"})
    assert caught.value.param == "why"


def test_declared_values_are_type_checked_and_unmodelled_params_refused(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(session_params(mode="donation"))
    assert caught.value.param == "mode"

    items = session_params()["line_items"]
    items[0]["quantity"] = "two"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(session_params(line_items=items))
    assert (caught.value.param, caught.value.user_message) == (
        "line_items[0][quantity]",
        "Invalid integer: two",
    )

    # Declared by Stripe, not modelled by the fake: refused loudly rather than ignored.
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(session_params(allow_promotion_codes=True))
    assert caught.value.param == "allow_promotion_codes"
    assert "does not model" in caught.value.user_message

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(session_params(expires_at=0))
    assert caught.value.param == "expires_at"

    # An application fee needs a destination (or a Stripe-Account header).
    params = session_params()
    params["payment_intent_data"]["application_fee_amount"] = 100
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(params)
    assert caught.value.param == "payment_intent_data[application_fee_amount]"


def test_idempotent_replay_and_conflict(fake_stripe, stripe_client):
    options = {"idempotency_key": "checkout:41:1"}
    first = stripe_client.v1.checkout.sessions.create(session_params(), options=options)
    again = stripe_client.v1.checkout.sessions.create(session_params(), options=options)
    assert again.id == first.id
    sessions = [o for o in fake_stripe.all_objects() if o["object"] == "checkout.session"]
    assert len(sessions) == 1
    assert fake_stripe.api_calls[-1]["replayed"] is True

    with pytest.raises(stripe.IdempotencyError) as caught:
        stripe_client.v1.checkout.sessions.create(
            session_params(client_reference_id="payment-42"), options=options
        )
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"

    other = stripe_client.v1.checkout.sessions.create(
        session_params(), options={"idempotency_key": "checkout:41:2"}
    )
    assert other.id != first.id


def test_paying_on_the_hosted_page_delivers_signed_events(
    fake_stripe, stripe_client, webhook_receiver, http
):
    fake_stripe.configure_webhook(webhook_receiver.url, SECRET)
    account = onboarded_account(stripe_client, fake_stripe)
    session = stripe_client.v1.checkout.sessions.create(
        session_params(account.id), options={"idempotency_key": "checkout:41:1"}
    )
    webhook_receiver.received.clear()

    page = http.get(session.url)
    assert page.status_code == 200
    assert '<html lang="en-GB">' in page.text
    assert "<main>" in page.text and "<h1>Pay £25.00</h1>" in page.text
    assert '<label for="card">Card number</label>' in page.text
    assert 'id="card"' in page.text and 'value="4242 4242 4242 4242"' in page.text
    assert "Room hire: Community Hall" in page.text
    assert '<button type="submit">Pay</button>' in page.text
    assert 'href="http://app.test/pay/cancelled">Cancel</a>' in page.text
    assert "<script" not in page.text

    paid = http.post(session.url, data={"card": "4242 4242 4242 4242"}, allow_redirects=False)
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://app.test/pay/done?session_id={session.id}"

    events = verified(webhook_receiver)
    types = [e.type for e in events]
    assert types[-1] == "checkout.session.completed"
    assert {"payment_intent.succeeded", "charge.succeeded", "transfer.created"} <= set(types)
    assert all(r["content_type"].startswith("application/json") for r in webhook_receiver.received)
    assert all(d["status"] == 200 for d in fake_stripe.deliveries)

    completed = events[-1]
    assert completed.id.startswith("evt_")
    assert completed.api_version == API_VERSION
    assert completed.livemode is False
    assert completed.request.id is None  # caused by the customer, not an API request
    obj = completed.data.object
    assert (obj.id, obj.status, obj.payment_status) == (session.id, "complete", "paid")
    assert obj.metadata.payment_id == "41"
    assert obj.payment_intent.startswith("pi_")

    intent = stripe_client.v1.payment_intents.retrieve(obj.payment_intent)
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 2500, 2500)
    assert intent.metadata.to_dict() == {"payment_id": "41"}
    assert intent.application_fee_amount == 125
    assert intent.transfer_data.destination == account.id
    assert intent.transfer_group == "booking-41"
    assert intent.on_behalf_of is None
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)
    assert charge.id.startswith("ch_")
    assert (charge.amount, charge.amount_captured, charge.amount_refunded) == (2500, 2500, 0)
    assert (charge.paid, charge.refunded, charge.status) == (True, False, "succeeded")
    assert charge.payment_intent == intent.id
    assert charge.metadata.payment_id == "41"
    assert charge.application_fee_amount == 125
    assert charge.transfer_group == "booking-41"
    assert charge.refunds.data == []
    transfer = fake_stripe.get(charge.transfer)
    assert (transfer["amount"], transfer["destination"]) == (2375, account.id)

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            webhook_receiver.received[-1]["body"], webhook_receiver.received[-1]["signature"], "x"
        )

    # A paid session's page says so; paying again is refused.
    assert "This payment is complete" in http.get(session.url).text
    with pytest.raises(FakeStripeError):
        fake_stripe.pay_session(session.id)


def test_declined_card_leaves_the_session_open(fake_stripe, stripe_client, http):
    session = stripe_client.v1.checkout.sessions.create(session_params())
    declined = http.post(session.url, data={"card": DECLINED}, allow_redirects=False)
    assert declined.status_code == 402
    assert "Your card was declined" in declined.text
    assert 'role="alert"' in declined.text
    after = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert (after.status, after.payment_status) == ("open", "unpaid")
    intent = stripe_client.v1.payment_intents.retrieve(after.payment_intent)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "generic_decline"
    assert [e["type"] for e in fake_stripe.events][-2:] == [
        "charge.failed",
        "payment_intent.payment_failed",
    ]
    with pytest.raises(CardDeclined):
        fake_stripe.pay_session(session.id, card=DECLINED)

    assert fake_stripe.pay_session(session.id)["payment_status"] == "paid"
    intent = stripe_client.v1.payment_intents.retrieve(after.payment_intent)
    assert intent.status == "succeeded"
    assert stripe_client.v1.charges.retrieve(intent.latest_charge).paid is True


def test_expire(fake_stripe, stripe_client, http):
    session = stripe_client.v1.checkout.sessions.create(session_params())
    expired = stripe_client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert fake_stripe.events[-1]["type"] == "checkout.session.expired"
    assert fake_stripe.events[-1]["data"]["object"]["id"] == session.id

    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.expire(session.id)
    page = http.get(session.url)
    assert "This payment has expired" in page.text
    with pytest.raises(FakeStripeError):
        fake_stripe.pay_session(session.id)

    # Sessions also expire by themselves once expires_at passes.
    later = stripe_client.v1.checkout.sessions.create(session_params())
    fake_stripe.advance_clock(86400)
    assert stripe_client.v1.checkout.sessions.retrieve(later.id).status == "expired"
    other = stripe_client.v1.checkout.sessions.create(session_params())
    assert fake_stripe.expire_session(other.id)["status"] == "expired"


def test_unknown_ids_and_auth(fake_stripe, stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"

    for key in ("sk_live_real", "pk_test_public"):
        with pytest.raises(stripe.AuthenticationError):
            make_client(fake_stripe, key).v1.charges.retrieve("ch_x")
    with requests.Session() as http:
        response = http.get(f"{fake_stripe.base_url}/v1/charges/ch_x")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


# ---------------------------------------------------------------------------------------------
# Refunds and disputes


def test_partial_then_full_refund_then_over_refund(fake_stripe, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(session_params())
    intent_id = fake_stripe.pay_session(session.id)["payment_intent"]
    charge_id = stripe_client.v1.payment_intents.retrieve(intent_id).latest_charge

    partial = stripe_client.v1.refunds.create(
        {
            "payment_intent": intent_id,
            "amount": 1000,
            "metadata": {"refund_id": "3"},
            "reason": "requested_by_customer",
        },
        options={"idempotency_key": "refund:3"},
    )
    assert partial.id.startswith("re_")
    assert (partial.amount, partial.status, partial.currency) == (1000, "succeeded", "gbp")
    assert (partial.charge, partial.payment_intent) == (charge_id, intent_id)
    assert partial.reason == "requested_by_customer"
    assert partial.metadata.refund_id == "3"
    charge = stripe_client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (1000, False)
    refunded_event = fake_stripe.events[-1]
    assert refunded_event["type"] == "charge.refunded"
    assert refunded_event["data"]["object"]["amount_refunded"] == 1000
    assert refunded_event["data"]["previous_attributes"] == {
        "amount_refunded": 0,
        "refunded": False,
    }
    assert refunded_event["request"]["idempotency_key"] == "refund:3"

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create({"charge": charge_id, "amount": 1501})
    assert (caught.value.http_status, caught.value.param) == (400, "amount")
    assert caught.value.code == "amount_too_large"
    assert caught.value.error.type == "invalid_request_error"

    rest = stripe_client.v1.refunds.create({"charge": charge_id})
    assert rest.amount == 1500
    charge = stripe_client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (2500, True)
    assert [r.id for r in charge.refunds.data] == [rest.id, partial.id]
    assert stripe_client.v1.refunds.retrieve(partial.id).amount == 1000
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create({"payment_intent": intent_id, "amount": 1})
    assert caught.value.code == "charge_already_refunded"


def test_refund_reverses_the_destination_transfer(fake_stripe, stripe_client):
    account = onboarded_account(stripe_client, fake_stripe)
    session = stripe_client.v1.checkout.sessions.create(session_params(account.id))
    intent_id = fake_stripe.pay_session(session.id)["payment_intent"]
    refund = stripe_client.v1.refunds.create(
        {"payment_intent": intent_id, "reverse_transfer": True, "refund_application_fee": True}
    )
    assert refund.amount == 2500
    transfer = fake_stripe.get(fake_stripe.get(refund.charge)["transfer"])
    assert (transfer["amount_reversed"], transfer["reversed"]) == (2375, True)
    assert "transfer.reversed" in [e["type"] for e in fake_stripe.events]


def test_dispute(fake_stripe, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(session_params())
    intent_id = fake_stripe.pay_session(session.id)["payment_intent"]
    charge_id = fake_stripe.get(intent_id)["latest_charge"]
    dispute = fake_stripe.create_dispute(charge_id, amount=2000)
    assert dispute["id"].startswith("du_")
    event = fake_stripe.events[-1]
    assert event["type"] == "charge.dispute.created"
    assert event["data"]["object"]["charge"] == charge_id
    assert stripe_client.v1.charges.retrieve(charge_id).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create({"charge": charge_id})
    assert caught.value.code == "charge_disputed"
    assert fake_stripe.close_dispute(dispute["id"], won=True)["status"] == "won"
    assert fake_stripe.events[-1]["type"] == "charge.dispute.closed"


def test_async_payment(fake_stripe, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(session_params())
    fake_stripe.async_payment(session.id, succeed=None)
    first = fake_stripe.events[-1]
    assert first["type"] == "checkout.session.completed"
    assert first["data"]["object"]["payment_status"] == "unpaid"
    assert first["data"]["object"]["status"] == "complete"
    intent = stripe_client.v1.payment_intents.retrieve(first["data"]["object"]["payment_intent"])
    assert intent.status == "processing"

    fake_stripe.async_payment(session.id, succeed=True)
    assert fake_stripe.events[-1]["type"] == "checkout.session.async_payment_succeeded"
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"

    failing = stripe_client.v1.checkout.sessions.create(session_params())
    fake_stripe.async_payment(failing.id, succeed=False)
    types = [e["type"] for e in fake_stripe.events]
    assert types[-1] == "checkout.session.async_payment_failed"
    assert "checkout.session.completed" in types[-6:]
    assert stripe_client.v1.checkout.sessions.retrieve(failing.id).payment_status == "unpaid"


# ---------------------------------------------------------------------------------------------
# Connect


def test_connect_account_link_and_onboarding(fake_stripe, stripe_client, webhook_receiver, http):
    fake_stripe.configure_webhook(webhook_receiver.url, SECRET)
    account = stripe_client.v1.accounts.create(
        {
            "type": "express",
            "country": "GB",
            "email": "treasurer@example.org",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "business_type": "non_profit",
            "metadata": {"workspace_id": "7"},
        },
        options={"idempotency_key": "connect:7"},
    )
    assert account.id.startswith("acct_")
    assert (account.type, account.country, account.email) == (
        "express",
        "GB",
        "treasurer@example.org",
    )
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    assert account.metadata.workspace_id == "7"

    link = stripe_client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "http://app.test/connect/refresh",
            "return_url": "http://app.test/connect/return",
            "type": "account_onboarding",
        }
    )
    assert link.object == "account_link"
    assert link.expires_at > link.created
    assert link.url.startswith(f"{fake_stripe.base_url}/connect/onboard/{account.id}?link=")

    page = http.get(link.url)
    assert page.status_code == 200
    assert '<html lang="en-GB">' in page.text and "<main>" in page.text and "<h1>" in page.text
    token = re.search(r'name="link" value="([^"]+)"', page.text).group(1)
    done = http.post(
        f"{fake_stripe.base_url}/connect/onboard/{account.id}",
        data={"link": token, "action": "complete"},
        allow_redirects=False,
    )
    assert (done.status_code, done.headers["Location"]) == (303, "http://app.test/connect/return")

    updated = verified(webhook_receiver)[-1]
    assert updated.type == "account.updated"
    assert updated.account == account.id
    assert updated.data.object.charges_enabled is True
    assert updated.data.previous_attributes.charges_enabled is False
    fetched = stripe_client.v1.accounts.retrieve(account.id)
    assert (fetched.charges_enabled, fetched.payouts_enabled, fetched.details_submitted) == (
        True,
        True,
        True,
    )

    # Links are single-use: a second visit goes to refresh_url.
    again = http.get(link.url, allow_redirects=False)
    assert (again.status_code, again.headers["Location"]) == (
        303,
        "http://app.test/connect/refresh",
    )

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.account_links.create(
            {
                "account": "acct_missing",
                "refresh_url": "http://app.test/r",
                "return_url": "http://app.test/r",
                "type": "account_onboarding",
            }
        )
    assert caught.value.param == "account"


def test_transfer(fake_stripe, stripe_client):
    pending = stripe_client.v1.accounts.create({"type": "express", "country": "GB"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.create(
            {"amount": 500, "currency": "gbp", "destination": pending.id}
        )
    assert caught.value.param == "destination"

    account = onboarded_account(stripe_client, fake_stripe)
    session = stripe_client.v1.checkout.sessions.create(session_params())
    intent_id = fake_stripe.pay_session(session.id)["payment_intent"]
    charge_id = fake_stripe.get(intent_id)["latest_charge"]
    transfer = stripe_client.v1.transfers.create(
        {
            "amount": 2000,
            "currency": "gbp",
            "destination": account.id,
            "transfer_group": "booking-41",
            "metadata": {"payout_id": "9"},
            "source_transaction": charge_id,
        },
        options={"idempotency_key": "transfer:9"},
    )
    assert transfer.id.startswith("tr_")
    assert (transfer.amount, transfer.currency, transfer.destination) == (2000, "gbp", account.id)
    assert (transfer.transfer_group, transfer.source_transaction) == ("booking-41", charge_id)
    assert transfer.metadata.payout_id == "9"
    assert fake_stripe.events[-1]["type"] == "transfer.created"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.create(
            {
                "amount": 501,
                "currency": "gbp",
                "destination": account.id,
                "source_transaction": charge_id,
            }
        )
    assert caught.value.param == "amount"


def test_transfer_reversal(fake_stripe, stripe_client):
    account = onboarded_account(stripe_client, fake_stripe)
    transfer = stripe_client.v1.transfers.create(
        {"amount": 1000, "currency": "gbp", "destination": account.id}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.reversals.create(transfer.id, {"refund_application_fee": True})
    assert caught.value.param == "refund_application_fee"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.reversals.create(transfer.id, {"amount": "lots"})
    assert caught.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.reversals.create("tr_nope", {"amount": 1})
    assert caught.value.code == "resource_missing"

    partial = stripe_client.v1.transfers.reversals.create(
        transfer.id,
        {"amount": 400, "metadata": {"refund": "re_1"}},
        options={"idempotency_key": "reversal:re_1:1"},
    )
    assert isinstance(partial, stripe.TransferReversal)
    assert partial.id.startswith("trr_")
    assert (partial.amount, partial.currency, partial.transfer) == (400, "gbp", transfer.id)
    assert partial.metadata.refund == "re_1"
    assert_declared(as_dict(partial), stripe.TransferReversal)
    replay = stripe_client.v1.transfers.reversals.create(
        transfer.id,
        {"amount": 400, "metadata": {"refund": "re_1"}},
        options={"idempotency_key": "reversal:re_1:1"},
    )
    assert replay.id == partial.id
    stored = fake_stripe.get(transfer.id)
    assert (stored["amount_reversed"], stored["reversed"]) == (400, False)
    assert [r["id"] for r in stored["reversals"]["data"]] == [partial.id]
    reversed_event = fake_stripe.events[-1]
    assert reversed_event["type"] == "transfer.reversed"
    assert reversed_event["data"]["previous_attributes"] == {"amount_reversed": 0}

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.reversals.create(transfer.id, {"amount": 601})
    assert (caught.value.param, caught.value.code) == ("amount", "amount_too_large")
    rest = stripe_client.v1.transfers.reversals.create(transfer.id)  # the rest, by default
    assert rest.amount == 600
    stored = fake_stripe.get(transfer.id)
    assert (stored["amount_reversed"], stored["reversed"]) == (1000, True)
    assert_declared(stored)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.transfers.reversals.create(transfer.id, {"amount": 1})
    assert caught.value.param == "amount"


def test_direct_charge_objects_belong_to_the_connected_account(fake_stripe, stripe_client):
    account = onboarded_account(stripe_client, fake_stripe)
    params = session_params()
    params["payment_intent_data"]["application_fee_amount"] = 100
    session = stripe_client.v1.checkout.sessions.create(
        params, options={"stripe_account": account.id, "idempotency_key": "direct:1"}
    )
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.retrieve(session.id)
    fake_stripe.pay_session(session.id)
    completed = fake_stripe.events_of_type("checkout.session.completed")[-1]
    assert completed["account"] == account.id
    fetched = stripe_client.v1.checkout.sessions.retrieve(
        session.id, options={"stripe_account": account.id}
    )
    assert fetched.payment_status == "paid"
    with pytest.raises(stripe.PermissionError):
        stripe_client.v1.checkout.sessions.retrieve(
            session.id, options={"stripe_account": "acct_nope"}
        )


# ---------------------------------------------------------------------------------------------
# Failures


def test_fail_next(fake_stripe, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(session_params())

    fake_stripe.fail_next("GET", "/v1/checkout/sessions", status=500)
    with pytest.raises(stripe.APIError) as caught:
        stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert caught.value.http_status == 500
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).id == session.id  # one-shot

    fake_stripe.fail_next("POST", "/v1/checkout/sessions", kind="card_declined")
    with pytest.raises(stripe.CardError) as caught:
        stripe_client.v1.checkout.sessions.create(session_params())
    assert caught.value.code == "card_declined"

    fake_stripe.fail_next("GET", "/v1/charges", kind="network")
    with pytest.raises(stripe.APIConnectionError):
        stripe_client.v1.charges.retrieve("ch_anything")

    # Failing before execution stores nothing: a retry with the same key creates the object.
    count = len(fake_stripe.all_objects())
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", status=503)
    options = {"idempotency_key": "checkout:50:1"}
    with pytest.raises(stripe.APIError):
        stripe_client.v1.checkout.sessions.create(session_params(), options=options)
    assert len(fake_stripe.all_objects()) == count
    created = stripe_client.v1.checkout.sessions.create(session_params(), options=options)

    # A lost response after execution: the retry with the same key replays the original.
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", kind="network", after_execution=True)
    options = {"idempotency_key": "checkout:51:1"}
    with pytest.raises(stripe.APIConnectionError):
        stripe_client.v1.checkout.sessions.create(session_params(), options=options)
    retried = stripe_client.v1.checkout.sessions.create(session_params(), options=options)
    sessions = [o["id"] for o in fake_stripe.all_objects() if o["object"] == "checkout.session"]
    assert sessions[-1] == retried.id != created.id
    assert len(sessions) == 3


# ---------------------------------------------------------------------------------------------
# Manual delivery


def test_manual_delivery_in_any_order_and_twice(fake_stripe, stripe_client, webhook_receiver):
    fake_stripe.auto_deliver = False
    session = stripe_client.v1.checkout.sessions.create(session_params())
    fake_stripe.pay_session(session.id)
    fake_stripe.async_payment(stripe_client.v1.checkout.sessions.create(session_params()).id, None)
    assert webhook_receiver.received == []
    assert fake_stripe.pending_events() == fake_stripe.events  # no endpoint yet

    fake_stripe.configure_webhook(webhook_receiver.url, SECRET)
    completed = [e["id"] for e in fake_stripe.events_of_type("checkout.session.completed")]
    assert len(completed) == 2
    fake_stripe.deliver(completed[1])
    fake_stripe.deliver(completed[0])
    fake_stripe.deliver(completed[0])
    received = [e.id for e in verified(webhook_receiver)]
    assert received == [completed[1], completed[0], completed[0]]
    pending = [e["id"] for e in fake_stripe.pending_events()]
    assert completed[0] not in pending and completed[1] not in pending

    webhook_receiver.status = 500
    records = fake_stripe.deliver()
    assert {r["status"] for r in records} == {500}
    assert [r["event_id"] for r in records] == pending  # in creation order
    assert [e["id"] for e in fake_stripe.pending_events()] == pending  # still pending

    webhook_receiver.status = 200
    fake_stripe.deliver()
    assert fake_stripe.pending_events() == []
    assert all(e["pending_webhooks"] == 0 for e in fake_stripe.events)


def test_unreachable_endpoint_is_recorded(fake_stripe, stripe_client):
    fake_stripe.webhook_timeout = 1
    fake_stripe.configure_webhook("http://127.0.0.1:9/webhook", SECRET)
    session = stripe_client.v1.checkout.sessions.create(session_params())
    fake_stripe.expire_session(session.id)
    delivery = fake_stripe.deliveries[-1]
    assert delivery["status"] is None and delivery["error"]
    assert len(fake_stripe.pending_events()) == 1


# ---------------------------------------------------------------------------------------------
# Every object the fake returns is shaped as the stripe package declares it


def test_every_object_has_only_declared_fields(fake_stripe, stripe_client, webhook_receiver):
    fake_stripe.configure_webhook(webhook_receiver.url, SECRET)
    account = onboarded_account(stripe_client, fake_stripe)
    link = stripe_client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "http://app.test/r",
            "return_url": "http://app.test/r",
            "type": "account_onboarding",
        }
    )
    assert_declared(as_dict(link), stripe.AccountLink)
    session = stripe_client.v1.checkout.sessions.create(session_params(account.id))
    with pytest.raises(CardDeclined):
        fake_stripe.pay_session(session.id, card=DECLINED)
    fake_stripe.pay_session(session.id)
    intent_id = stripe_client.v1.checkout.sessions.retrieve(session.id).payment_intent
    refund = stripe_client.v1.refunds.create(
        {"payment_intent": intent_id, "amount": 500, "reverse_transfer": True}
    )
    fake_stripe.create_dispute(refund.charge)
    async_session = stripe_client.v1.checkout.sessions.create(session_params())
    fake_stripe.async_payment(async_session.id, succeed=False)
    fake_stripe.expire_session(stripe_client.v1.checkout.sessions.create(session_params()).id)
    transfer = stripe_client.v1.transfers.create(
        {"amount": 100, "currency": "gbp", "destination": account.id}
    )

    returned = [
        stripe_client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]}),
        stripe_client.v1.payment_intents.retrieve(intent_id, {"expand": ["latest_charge"]}),
        stripe_client.v1.refunds.retrieve(refund.id),
        stripe_client.v1.accounts.retrieve(account.id),
        stripe_client.v1.transfers.retrieve(transfer.id),
        stripe_client.v1.events.retrieve(fake_stripe.events[-1]["id"]),
    ]
    for obj in returned:
        assert_declared(as_dict(obj))
    kinds = set()
    for obj in fake_stripe.all_objects():
        assert_declared(obj)
        kinds.add(obj["object"])
    assert kinds == {
        "account",
        "checkout.session",
        "payment_intent",
        "charge",
        "refund",
        "transfer",
        "dispute",
        "event",
    }
    for body in webhook_receiver.received:
        assert_declared(json.loads(body["body"]))
