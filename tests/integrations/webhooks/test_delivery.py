"""Events reach a workspace's own receiver signed, once, after the commit; a receiver
following the README refuses replays; failures are retried with back-off."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select, update

from londonhub.billing import services as billing
from londonhub.integrations.webhooks import delivery, signing
from londonhub.integrations.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
)
from londonhub.platform.core.events import OutboxEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import hub_scope, tenant_context
from londonhub.platform.core.timeutil import as_utc, utcnow
from tests.tenants.rooms.conftest import book, future_day, request_for

from .receiver import Receiver


def _confirm_booking(admin, buyer, workspace, room) -> tuple[int, list[int]]:
    """A booking held, then its invoice marked paid: confirmed, committed."""
    order_id, booking_ids = book(buyer, workspace, room.id, request_for(future_day(20)))
    billing.mark_paid(admin, workspace, order_id, "BACS 1")
    db.session.commit()
    return order_id, booking_ids


def _deliveries(workspace) -> list[WebhookDelivery]:
    with tenant_context(workspace.id):
        return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _attempts(workspace) -> list[WebhookAttempt]:
    with tenant_context(workspace.id):
        return list(db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


def _time_passes(workspace) -> None:
    """The delivery's next attempt falls due (as if its back-off had elapsed)."""
    with tenant_context(workspace.id):
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    db.session.commit()


def test_a_confirmed_booking_reaches_the_receiver_signed_and_verified(
    hackney, admin, buyer, make_room, receiver: Receiver, subscribe
) -> None:
    subscribe(admin, hackney, receiver)
    room = make_room()
    order_id, booking_ids = _confirm_booking(admin, buyer, hackney, room)

    (got,) = receiver.received
    assert got.verdict == "accepted", got.verdict
    assert got.headers["content-type"] == "application/json"
    payload = got.payload
    assert payload["type"] == "booking.confirmed"
    assert payload["id"] == got.headers["webhook-id"]
    assert payload["workspace"] == "hackney"
    data = payload["data"]
    assert data["booking_ids"] == booking_ids
    assert data["order_id"] == order_id
    assert data["room"] == {"id": room.id, "name": room.name, "venue": room.venue_name}
    assert data["amount_pence"] == 4000  # two hours at the community rate of £20
    assert data["confirmed_at"].endswith("Z")
    assert "charity@example.org" not in got.body.decode()  # no buyer email in the payload

    (sent,) = _deliveries(hackney)
    assert sent.status == DeliveryStatus.DELIVERED
    assert sent.attempts == 1 and sent.last_status_code == 200
    (attempt,) = _attempts(hackney)
    assert attempt.status_code == 200 and attempt.response_excerpt == "accepted"


def test_a_receiver_refuses_a_replayed_delivery(
    hackney, admin, buyer, make_room, receiver: Receiver, subscribe
) -> None:
    _, secret = subscribe(admin, hackney, receiver)
    _confirm_booking(admin, buyer, hackney, make_room())
    (captured,) = receiver.accepted

    # The same request sent again at once: the id was already handled.
    assert receiver.post(captured.body, captured.headers) == (409, "refused: already handled")
    # Sent again later: its signed timestamp is too old (our signature, ten minutes back).
    old = signing.headers(
        [secret], captured.headers["webhook-id"], int(time.time()) - 600, captured.body
    )
    status, verdict = receiver.post(captured.body, old)
    assert (status, verdict) == (400, "refused: Message timestamp too old")
    # A fresh timestamp on the captured signature: the signature no longer matches.
    later = int(captured.headers["webhook-timestamp"]) + 30
    forged = {**captured.headers, "webhook-timestamp": str(later)}
    assert receiver.post(captured.body, forged)[1] == "refused: No matching signature found"
    # A changed body under the captured headers.
    tampered = captured.body.replace(b'"amount_pence":4000', b'"amount_pence":1')
    assert tampered != captured.body
    assert receiver.post(tampered, captured.headers)[1] == "refused: No matching signature found"
    assert len(receiver.accepted) == 1


def test_a_rolled_back_booking_emits_and_delivers_nothing(
    hackney, admin, buyer, make_room, receiver: Receiver, subscribe
) -> None:
    subscribe(admin, hackney, receiver)
    room = make_room()
    order_id, _ = book(buyer, hackney, room.id, request_for(future_day(20)))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")  # confirms, emits...
    db.session.rollback()  # ...and the action fails after all

    with hub_scope("test: every event", audit=False):
        assert db.session.scalar(select(func.count(OutboxEvent.id))) == 0
    assert _deliveries(hackney) == []
    assert delivery.deliver_due() == 0
    assert receiver.received == []


def test_a_failed_delivery_is_retried_with_back_off_until_it_succeeds(
    hackney, admin, buyer, make_room, receiver: Receiver, subscribe, runner
) -> None:
    subscribe(admin, hackney, receiver)
    receiver.answers = [500, 503]
    before = utcnow()
    _confirm_booking(admin, buyer, hackney, make_room())

    (pending,) = _deliveries(hackney)
    assert pending.status == DeliveryStatus.PENDING and pending.attempts == 1
    assert pending.last_status_code == 500
    wait = as_utc(pending.next_attempt_at) - before
    assert timedelta(seconds=55) < wait < timedelta(seconds=70)  # first back-off: a minute
    assert delivery.deliver_due() == 0  # not due yet: nothing sent

    _time_passes(hackney)
    assert "Attempted 1 delivery" in runner.invoke(args=["webhooks", "deliver-due"]).output
    db.session.expire_all()
    (pending,) = _deliveries(hackney)
    assert pending.attempts == 2 and pending.last_status_code == 503
    wait = as_utc(pending.next_attempt_at) - utcnow()
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)  # then five minutes

    _time_passes(hackney)
    assert delivery.deliver_due() == 1
    db.session.expire_all()
    (done,) = _deliveries(hackney)
    assert done.status == DeliveryStatus.DELIVERED and done.attempts == 3
    assert [a.status_code for a in _attempts(hackney)] == [500, 503, 200]
    assert [r.verdict for r in receiver.received] == [
        "failed with 500",
        "failed with 503",
        "accepted",
    ]
    # Every attempt carried the same event id, signed afresh.
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_a_delivery_fails_after_its_last_retry(
    hackney, admin, buyer, make_room, receiver: Receiver, subscribe
) -> None:
    subscribe(admin, hackney, receiver)
    receiver.answers = [500] * 10
    _confirm_booking(admin, buyer, hackney, make_room())
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        _time_passes(hackney)
        assert delivery.deliver_due() == 1
    db.session.expire_all()
    (failed,) = _deliveries(hackney)
    assert failed.status == DeliveryStatus.FAILED
    assert failed.attempts == delivery.MAX_ATTEMPTS == 6
    assert failed.next_attempt_at is None
    _time_passes(hackney)
    assert delivery.deliver_due() == 0


def test_an_unreachable_address_is_recorded_not_raised(
    hackney, admin, buyer, make_room, receiver: Receiver, subscribe
) -> None:
    subscribe(admin, hackney, receiver)
    receiver.stop()  # nobody listens any more
    _confirm_booking(admin, buyer, hackney, make_room())
    (pending,) = _deliveries(hackney)
    assert pending.status == DeliveryStatus.PENDING and pending.last_status_code is None
    (attempt,) = _attempts(hackney)
    assert attempt.status_code is None and "ConnectionError" in attempt.error


def test_an_event_of_one_workspace_never_reaches_anothers_endpoint(
    hackney, camden, admin, buyer, make_room, make_user, receiver: Receiver, subscribe
) -> None:
    camden_admin = make_user("admin@camden.example.org", workspace=camden, role="owner")
    other = Receiver().start()
    try:
        subscribe(camden_admin, camden, other, events=("booking.confirmed", "order.paid"))
        subscribe(admin, hackney, receiver, events=("booking.confirmed", "order.paid"))
        _confirm_booking(admin, buyer, hackney, make_room())
        assert other.received == []
        assert _deliveries(camden) == []
        assert sorted(r.payload["type"] for r in receiver.accepted) == [
            "booking.confirmed",
            "order.paid",
        ]
        assert {r.payload["workspace"] for r in receiver.accepted} == {"hackney"}
    finally:
        other.stop()
