"""The webhook: verified, stored once, processed idempotently whatever the order or number of
deliveries; refunds, expiry, delayed payments, disputes; failures visible and retried."""

from __future__ import annotations

import json
import threading

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from londonhub.billing import services
from londonhub.billing.models import (
    LedgerKind,
    OrderStatus,
    Refund,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)
from londonhub.platform.core import jobs
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context

from .conftest import (
    all_entries,
    entries,
    history,
    kinds,
    reload,
    sign,
    stored_event,
)

pytestmark = pytest.mark.stripe


def count_events() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(StripeEvent))


# --- verification -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Stripe-Signature": ""},
        {"Stripe-Signature": "garbage"},
        {"Stripe-Signature": "t=1,v1=00"},
        "wrong secret",
        "old",
    ],
)
def test_bad_or_missing_signature_is_refused_and_nothing_stored(
    people, checkout, client, stripe_driver, headers
):
    order, _ = checkout(deliver=False)
    event = stripe_driver.last("checkout.session.completed")
    payload = json.dumps(event)
    if headers == "wrong secret":
        headers = {"Stripe-Signature": sign(payload, "whsec_someone_else")}
    elif headers == "old":
        headers = {"Stripe-Signature": sign(payload, timestamp=1_600_000_000)}
    response = client.post(
        "/billing/stripe/webhook", data=payload, headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert count_events() == 0
    assert reload(order).status == OrderStatus.PENDING


def test_a_tampered_body_is_refused(people, checkout, client, stripe_driver):
    order, _ = checkout(deliver=False)
    event = stripe_driver.last("checkout.session.completed")
    signature = sign(json.dumps(event))
    event["data"]["object"]["amount_total"] = 1
    response = client.post(
        "/billing/stripe/webhook",
        data=json.dumps(event),
        headers={"Stripe-Signature": signature},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert count_events() == 0


def test_without_a_webhook_secret_nothing_is_accepted(app, people, checkout, client, stripe_driver):
    order, _ = checkout(deliver=False)
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    payload = json.dumps(stripe_driver.last("checkout.session.completed"))
    response = client.post(
        "/billing/stripe/webhook", data=payload, headers={"Stripe-Signature": sign(payload)}
    )
    assert response.status_code == 400
    assert count_events() == 0


# --- the paid path, replayed and out of order -----------------------------------------------------


def test_paid_checkout_books_the_sale_once_however_often_stripe_tells_us(
    people, checkout, stripe_driver, feature, outbox
):
    order, session_id = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    stripe_driver.post(completed, times=5)
    stripe_driver.deliver()  # and the rest, in order
    stripe_driver.post(completed)
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert order.stripe_payment_intent_id.startswith("pi_")
    assert order.stripe_charge_id.startswith("ch_")
    rows = entries(people.hackney.id, order.id)
    assert kinds(rows) == [("charge", 2500, True), ("platform_fee", -125, True)]
    assert rows[0].source_id == order.stripe_charge_id
    assert feature.paid == [order.id]
    assert history(order) == [(None, "pending"), ("pending", "paid")]
    assert len(outbox.to("buyer@example.com")) == 1
    event = stored_event(completed["id"])
    assert event.status == StripeEventStatus.PROCESSED
    assert event.attempts == 1
    ignored = stored_event(stripe_driver.last("payment_intent.succeeded")["id"])
    assert ignored.status == StripeEventStatus.IGNORED


def test_refund_that_overtakes_the_payment_is_applied_after_it(
    people, checkout, fake_stripe, stripe_driver, feature
):
    order, session_id = checkout(deliver=False)
    charge_id = fake_stripe.get(fake_stripe.get(session_id)["payment_intent"])["latest_charge"]
    # Refunded at Stripe (the dashboard, say) before any event reached us.
    fake_stripe.client().v1.refunds.create({"charge": charge_id, "amount": 1000})
    refunded = stripe_driver.last("charge.refunded")
    stripe_driver.post(refunded)
    order = reload(order)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_pence == 1000
    stripe_driver.deliver()  # now checkout.session.completed and the rest arrive
    stripe_driver.post(refunded)
    order = reload(order)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert kinds(entries(people.hackney.id, order.id)) == [
        ("charge", 2500, True),
        ("platform_fee", -125, True),
        ("refund", -1000, True),
        ("fee_refund", 50, True),
    ]
    assert feature.paid == [order.id]
    assert feature.refunded == [(order.id, 1000, False)]


def test_expired_session_releases_the_order(people, checkout, fake_stripe, stripe_driver, feature):
    order, session_id = checkout(pay=False)
    fake_stripe.expire_session(session_id)
    expired = stripe_driver.last("checkout.session.expired")
    stripe_driver.post(expired, times=2)
    order = reload(order)
    assert order.status == OrderStatus.CANCELLED
    assert feature.cancelled == [order.id]
    assert history(order)[-1] == ("pending", "cancelled")
    assert all_entries() == []


def test_an_unpaid_order_past_its_time_is_expired_by_the_job(
    people, checkout, fake_stripe, stripe_driver, feature, runner
):
    from datetime import timedelta

    from londonhub.billing.models import Order
    from londonhub.platform.core.timeutil import utcnow

    order, session_id = checkout(pay=False)
    with tenant_context(order.tenant_id):
        db.session.get(Order, order.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["billing", "expire-due"])
    assert result.exit_code == 0, result.output
    assert "1 unpaid order(s)" in result.output
    order = reload(order)
    assert order.status == OrderStatus.CANCELLED
    assert fake_stripe.get(session_id)["status"] == "expired"
    stripe_driver.deliver()  # Stripe's checkout.session.expired: nothing more happens
    assert feature.cancelled == [order.id]
    assert reload(order).status == OrderStatus.CANCELLED


def test_an_order_paid_just_before_its_time_ran_out_is_settled_not_cancelled(
    people, checkout, stripe_driver, feature
):
    from datetime import timedelta

    from londonhub.billing.models import Order
    from londonhub.platform.core.timeutil import utcnow

    order, _ = checkout(deliver=False)
    with tenant_context(order.tenant_id):
        db.session.get(Order, order.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert services.expire_order(order.id, order.tenant_id) == "paid"
    db.session.commit()
    stripe_driver.deliver()
    assert reload(order).status == OrderStatus.PAID
    assert feature.cancelled == [] and feature.paid == [order.id]
    assert len([e for e in all_entries() if e.kind == LedgerKind.CHARGE]) == 1


def test_delayed_payment_that_succeeds(people, checkout, fake_stripe, stripe_driver, feature):
    order, session_id = checkout(pay=False)
    fake_stripe.async_payment(session_id, None)
    stripe_driver.deliver()
    order = reload(order)
    assert order.status == OrderStatus.PENDING
    assert "Payment is processing" in [e.note for e in services.order_history(order)]
    fake_stripe.async_payment(session_id, True)
    stripe_driver.deliver()
    assert reload(order).status == OrderStatus.PAID
    assert feature.paid == [order.id]
    assert len(entries(people.hackney.id, order.id)) == 2


def test_delayed_payment_that_fails(people, checkout, fake_stripe, stripe_driver, feature):
    order, session_id = checkout(pay=False)
    fake_stripe.async_payment(session_id, False)
    stripe_driver.deliver()
    order = reload(order)
    assert order.status == OrderStatus.CANCELLED
    assert feature.cancelled == [order.id] and feature.paid == []
    assert all_entries() == []


# --- refunds ---------------------------------------------------------------------------------


def test_partial_then_full_refund_through_stripe(
    people, checkout, signed_in, fake_stripe, stripe_driver, feature
):
    order, _ = checkout()
    admin = signed_in("admin@hackney.example.org")
    response = admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund",
        data={"refund-amount": "10.00", "refund-reason": "Shorter booking"},
    )
    assert response.status_code == 302
    order = reload(order)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_pence == 1000
    assert feature.refunded == [(order.id, 1000, False)]
    stripe_driver.deliver()  # Stripe's charge.refunded for the same refund: booked already
    admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund", data={"refund-amount": "15.00"}
    )
    stripe_driver.deliver()
    order = reload(order)
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_pence == 2500
    assert feature.refunded == [(order.id, 1000, False), (order.id, 1500, True)]
    with tenant_context(order.tenant_id):
        refunds = db.session.scalars(select(Refund).order_by(Refund.id)).all()
        assert [r.status for r in refunds] == [RefundStatus.SUCCEEDED] * 2
        refund_ids = [r.id for r in refunds]
        stripe_refund_ids = [r.stripe_refund_id for r in refunds]
    calls = [c for c in fake_stripe.api_calls if c["path"] == "/v1/refunds"]
    assert [c["idempotency_key"] for c in calls] == [f"refund:{i}" for i in refund_ids]
    assert calls[0]["params"]["amount"] == 1000
    assert calls[0]["params"]["charge"] == order.stripe_charge_id
    rows = kinds(entries(people.hackney.id, order.id))
    assert rows == [
        ("charge", 2500, True),
        ("platform_fee", -125, True),
        ("refund", -1000, True),
        ("fee_refund", 50, True),
        ("refund", -1500, True),
        ("fee_refund", 75, True),
    ]
    assert [
        e.source_id for e in entries(people.hackney.id, order.id) if e.kind == LedgerKind.REFUND
    ] == (stripe_refund_ids)
    assert services.balance(people.hackney).held == 0
    assert services.balance(services.hub_workspace()).held == 0
    assert history(order)[-2:] == [
        ("paid", "partially_refunded"),
        ("partially_refunded", "refunded"),
    ]
    page = admin.get(f"/b/hackney/admin/billing/orders/{order.id}").get_data(as_text=True)
    assert "Refund</button>" not in page


@pytest.mark.parametrize(
    "failure", [{"status": 500}, {"kind": "network"}, {"kind": "card_declined"}]
)
def test_refund_refused_by_stripe_changes_no_money_and_can_be_tried_again(
    people, checkout, signed_in, fake_stripe, stripe_driver, failure
):
    order, _ = checkout()
    admin = signed_in("admin@hackney.example.org")
    retried = "status" in failure or failure.get("kind") == "network"
    for _ in range(3 if retried else 1):
        fake_stripe.fail_next("POST", "/v1/refunds", **failure)
    response = admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund",
        data={"refund-amount": "10.00"},
        follow_redirects=True,
    )
    assert "did not accept the refund. Nothing was refunded" in response.get_data(as_text=True)
    order = reload(order)
    assert order.status == OrderStatus.PAID and order.refunded_pence == 0
    with tenant_context(order.tenant_id):
        [failed] = db.session.scalars(select(Refund)).all()
        assert failed.status == RefundStatus.FAILED and failed.failure
    assert len(entries(people.hackney.id, order.id)) == 2
    admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund", data={"refund-amount": "10.00"}
    )
    stripe_driver.deliver()
    order = reload(order)
    assert order.refunded_pence == 1000
    refunds = [o for o in fake_stripe.all_objects() if o["object"] == "refund"]
    assert len(refunds) == 1  # charged back once, not twice


def test_a_refund_whose_answer_was_lost_is_not_made_twice(
    people, checkout, signed_in, fake_stripe, stripe_driver
):
    order, _ = checkout()
    admin = signed_in("admin@hackney.example.org")
    fake_stripe.fail_next("POST", "/v1/refunds", kind="network", after_execution=True)
    admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund", data={"refund-amount": "10.00"}
    )
    stripe_driver.deliver()
    assert reload(order).refunded_pence == 1000
    assert len([o for o in fake_stripe.all_objects() if o["object"] == "refund"]) == 1
    calls = [c for c in fake_stripe.api_calls if c["path"] == "/v1/refunds"]
    assert len({c["idempotency_key"] for c in calls}) == 1 and calls[-1]["replayed"]


# --- disputes and failures ----------------------------------------------------------------------


def test_dispute_is_booked_once(people, checkout, fake_stripe, stripe_driver):
    order, _ = checkout()
    dispute = fake_stripe.create_dispute(order.stripe_charge_id, reason="fraudulent")
    stripe_driver.deliver()
    stripe_driver.post(stripe_driver.last("charge.dispute.created"), times=2)
    order = reload(order)
    assert order.disputed
    rows = [e for e in entries(people.hackney.id, order.id) if e.kind == LedgerKind.DISPUTE]
    assert [(r.amount_pence, r.source_id) for r in rows] == [(-2500, dispute["id"])]
    assert any("Disputed" in e.note for e in services.order_history(order))


def test_a_failing_handler_marks_the_event_failed_for_the_hub_and_retry_works(
    people, checkout, signed_in, stripe_driver, feature, outbox
):
    feature.fail_on_paid = 1
    order, _ = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    stripe_driver.post(completed)  # Stripe still gets 200: the event is stored
    event = stored_event(completed["id"])
    assert event.status == StripeEventStatus.FAILED
    assert "could not confirm the booking" in event.last_error
    assert reload(order).status == OrderStatus.PENDING
    assert all_entries() == [] and outbox.messages == []
    hub = signed_in("hub@example.org")
    page = hub.get("/hub/billing/").get_data(as_text=True)
    assert "Webhook events that failed" in page and completed["id"] in page
    response = hub.post(f"/hub/billing/events/{completed['id']}/retry")
    assert response.status_code == 302
    assert stored_event(completed["id"]).status == StripeEventStatus.PROCESSED
    assert reload(order).status == OrderStatus.PAID
    assert feature.paid == [order.id]
    assert "Webhook events that failed" not in hub.get("/hub/billing/").get_data(as_text=True)
    assert len(outbox.to("buyer@example.com")) == 1
    assert hub.post("/hub/billing/events/evt_nothing/retry").status_code == 404
    admin = signed_in("admin@hackney.example.org")
    assert admin.post(f"/hub/billing/events/{completed['id']}/retry").status_code == 403


def test_a_failed_event_is_processed_again_when_stripe_retries(
    people, checkout, stripe_driver, feature
):
    feature.fail_on_paid = 1
    order, _ = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    stripe_driver.post(completed)
    stripe_driver.post(completed)
    assert reload(order).status == OrderStatus.PAID
    assert stored_event(completed["id"]).attempts >= 2


def test_replay_event_command(people, checkout, stripe_driver, runner, feature):
    feature.fail_on_paid = 1
    order, _ = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    stripe_driver.post(completed)
    result = runner.invoke(args=["billing", "replay-event", completed["id"]])
    assert result.exit_code == 0, result.output
    assert f"{completed['id']}: paid" in result.output
    assert reload(order).status == OrderStatus.PAID
    result = runner.invoke(args=["billing", "replay-event", "evt_missing"])
    assert result.exit_code != 0 and "No stored Stripe event" in result.output


def test_events_of_other_types_and_unknown_objects_are_stored_and_harmless(people, stripe_driver):
    stripe_driver.post(
        {"id": "evt_other", "object": "event", "type": "customer.created", "data": {"object": {}}}
    )
    stripe_driver.post(
        {
            "id": "evt_orphan",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_test_unknown", "payment_status": "paid"}},
        }
    )
    assert stored_event("evt_other").status == StripeEventStatus.IGNORED
    assert stored_event("evt_orphan").status == StripeEventStatus.PROCESSED
    assert all_entries() == []


# --- RQ on a real Redis ---------------------------------------------------------------------------


@pytest.fixture
def rq_config(app_config: dict, redis_url: str) -> dict:
    app_config["REDIS_URL"] = redis_url
    return app_config


def test_with_rq_the_webhook_answers_at_once_and_a_worker_books_the_sale(
    rq_config, app, people, checkout, stripe_driver, feature, outbox
):
    order, _ = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    stripe_driver.post(completed, times=3)
    stripe_driver.deliver()
    assert reload(order).status == OrderStatus.PENDING  # queued, not yet run
    queue = jobs.get_queue(app)
    assert queue.count >= 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)  # events, then the email
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert kinds(entries(people.hackney.id, order.id)) == [
        ("charge", 2500, True),
        ("platform_fee", -125, True),
    ]
    assert feature.paid == [order.id]
    assert queue.failed_job_registry.count == 0
    [receipt] = outbox.to("buyer@example.com")
    assert f"http://localhost/account/orders/{order.id}" in outbox.body(receipt)


# --- concurrency (PostgreSQL row locks) ------------------------------------------------------


def _in_threads(*targets) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def run(target) -> None:
        try:
            barrier.wait(timeout=10)
            target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.postgres
def test_two_workers_processing_the_same_event_book_it_once(
    app, people, checkout, stripe_driver, feature
):
    order, _ = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    payload = json.dumps(completed)
    services.receive_webhook(payload.encode(), sign(payload))  # stored, not processed
    db.session.commit()
    name = jobs.job_name(__import__("londonhub.billing.views", fromlist=["x"]).process_stripe_event)

    def work() -> None:
        jobs.run_job(name, (completed["id"],), {}, None, app=app)

    errors = _in_threads(work, work)
    assert errors == []
    assert reload(order).status == OrderStatus.PAID
    assert [e.kind for e in entries(people.hackney.id, order.id)] == [
        LedgerKind.CHARGE,
        LedgerKind.PLATFORM_FEE,
    ]
    assert feature.paid == [order.id]


@pytest.mark.postgres
def test_two_deliveries_at_once_book_the_sale_once(app, people, checkout, stripe_driver, feature):
    order, _ = checkout(deliver=False)
    completed = stripe_driver.last("checkout.session.completed")
    async_too = dict(
        completed, id="evt_same_session_again", type="checkout.session.async_payment_succeeded"
    )
    clients = [app.test_client() for _ in range(3)]

    def deliver(client, event):
        payload = json.dumps(event)

        def post() -> None:
            response = client.post(
                "/billing/stripe/webhook",
                data=payload,
                headers={"Stripe-Signature": sign(payload)},
                content_type="application/json",
            )
            assert response.status_code == 200

        return post

    errors = _in_threads(
        deliver(clients[0], completed),
        deliver(clients[1], completed),
        deliver(clients[2], async_too),
    )
    assert errors == []
    assert count_events() == 2
    assert reload(order).status == OrderStatus.PAID
    assert [e.kind for e in all_entries()] == [
        LedgerKind.CHARGE,
        LedgerKind.PLATFORM_FEE,
        LedgerKind.PLATFORM_FEE,
    ]
    assert feature.paid == [order.id]
    assert history(order) == [(None, "pending"), ("pending", "paid")]
