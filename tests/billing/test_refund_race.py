"""Concurrent refunds of one paid order: however they interleave, the refunds asked for and
made never add up to more than was paid, and each one is booked in the ledger once.

Each attempt runs in its own session (a test client per thread: its own app context and
database connection), released together by a barrier, as simultaneous requests would be.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from londonhub.billing import services
from londonhub.billing.models import LedgerKind, OrderStatus, Refund, RefundStatus
from londonhub.billing.services import Line
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context

from .conftest import entries, reload

ROOM = [Line("Main hall, a day", 15000)]  # £150
POLICY = "Cancelled by the buyer within the cancellation policy"


def _race(attempts: int, attempt: Callable[[int], str]) -> list[str]:
    """Run `attempt(i)` in `attempts` threads at once; each returns what happened."""
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = attempt(i)
        except Exception as exc:  # report, do not hide
            result = f"error: {type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == attempts, "an attempt hung"
    return outcomes


def _clients(app: Any, signed_in: Callable[[str], Any], email: str, count: int) -> list[Any]:
    """`count` test clients sharing one signed-in session (signing in is slow on purpose)."""
    first = signed_in(email)
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"])
    clients = [first]
    for _ in range(count - 1):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    return clients


def _admin_refunds_race(app: Any, people: Any, make_order: Any, signed_in: Any, n: int) -> None:
    order = make_order(people.hackney, people.buyer, lines=ROOM)
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 0001")
    db.session.commit()
    clients = _clients(app, signed_in, "admin@hackney.example.org", n)

    def attempt(i: int) -> str:
        response = clients[i].post(
            f"/b/hackney/admin/billing/orders/{order.id}/refund",
            data={"refund-amount": "150.00", "refund-reason": f"attempt {i}"},
        )
        if response.status_code == 302:
            return "refunded"
        if response.status_code == 400 and b"cannot be refunded any further" in response.data:
            return "refused"
        return f"answer {response.status_code}"

    outcomes = _race(n, attempt)
    assert sorted(outcomes) == ["refunded"] + ["refused"] * (n - 1), Counter(outcomes)
    _assert_one_full_refund(order)


def _assert_one_full_refund(order: Any) -> None:
    db.session.rollback()
    with tenant_context(order.tenant_id):
        rows = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert [(r.amount_pence, r.status) for r in rows] == [(15000, RefundStatus.SUCCEEDED)]
    booked = entries(order.tenant_id, order.id)
    charges = [e.amount_pence for e in booked if e.kind == LedgerKind.CHARGE]
    refunds = [e.amount_pence for e in booked if e.kind == LedgerKind.REFUND]
    assert charges == [15000]
    assert refunds == [-15000]
    assert sum(charges) + sum(refunds) == 0
    fresh = reload(order)
    assert fresh.refunded_pence == 15000
    assert fresh.status == OrderStatus.REFUNDED


@pytest.mark.postgres
def test_twenty_concurrent_admin_refunds_make_exactly_one_refund(
    app, people, make_order, signed_in
) -> None:
    _admin_refunds_race(app, people, make_order, signed_in, 20)


def test_concurrent_admin_refunds_make_exactly_one_refund_on_any_database(
    app, people, make_order, signed_in
) -> None:
    # SQLite serialises writers: each attempt waits for the others' write transactions, and
    # gives up ("database is locked", a 500, nothing written) after the 5 s busy timeout. On a
    # loaded test machine eight attempts (sixteen write transactions) can exceed that; four
    # keep the test about the cap, not about the machine's speed.
    _admin_refunds_race(app, people, make_order, signed_in, 4)


@pytest.mark.postgres
def test_twenty_concurrent_buyer_cancellations_refund_once(app, people, make_order) -> None:
    """The path a buyer's cancellation takes (rooms calls these two, committing between)."""
    order = make_order(people.hackney, people.buyer, lines=ROOM)
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 0002")
    db.session.commit()
    buyer_id, seller_id = people.buyer.id, people.hackney.id

    def attempt(_: int) -> str:
        with app.app_context():
            try:
                buyer = db.session.get(User, buyer_id)
                seller = db.session.get(Workspace, seller_id)
                mine = services.get_buyer_order(buyer, order.id)
                refund = services.request_buyer_refund(buyer, mine, POLICY)
                refund_id = refund.id if refund is not None else None
                db.session.commit()
                if refund_id is None:
                    return "nothing to refund"
                services.perform_refund(seller, refund_id)
                db.session.commit()
                return "refunded"
            finally:
                db.session.remove()

    outcomes = _race(20, attempt)
    assert sorted(outcomes) == ["nothing to refund"] * 19 + ["refunded"], Counter(outcomes)
    _assert_one_full_refund(order)


@pytest.mark.postgres
@pytest.mark.stripe
def test_concurrent_refunds_by_card_leave_no_failed_refund_rows(
    app, people, checkout, signed_in, fake_stripe, stripe_driver
) -> None:
    order, _ = checkout(lines=ROOM)
    assert reload(order).status == OrderStatus.PAID
    clients = _clients(app, signed_in, "admin@hackney.example.org", 12)

    def attempt(i: int) -> str:
        response = clients[i].post(
            f"/b/hackney/admin/billing/orders/{order.id}/refund",
            data={"refund-amount": "150.00"},
        )
        if response.status_code == 302:
            return "refunded"
        if response.status_code == 400 and b"cannot be refunded any further" in response.data:
            return "refused"
        return f"answer {response.status_code}"

    outcomes = _race(12, attempt)
    assert sorted(outcomes) == ["refunded"] + ["refused"] * 11, Counter(outcomes)
    stripe_driver.deliver()  # charge.refunded books nothing twice
    _assert_one_full_refund(order)
    assert [o["amount"] for o in fake_stripe.all_objects() if o.get("object") == "refund"] == [
        15000
    ]


@pytest.mark.stripe
def test_a_refund_whose_request_never_heard_back_is_matched_by_the_webhook(
    people, checkout, fake_stripe, stripe_driver
) -> None:
    """Stripe made the refund but the request that asked for it died before recording the
    answer: Stripe's charge.refunded marks our row succeeded, so the money is not counted as
    both refunded and still on its way (which would block the rest of the order)."""
    order, _ = checkout()  # £25
    row_id = services.request_refund(people.admin, people.hackney, order.id, 1000).id
    db.session.commit()
    charge = reload(order).stripe_charge_id
    fake_stripe.client().v1.refunds.create(
        {"charge": charge, "amount": 1000, "metadata": {"refund_id": str(row_id)}}
    )
    stripe_driver.deliver()
    db.session.rollback()
    with tenant_context(order.tenant_id):
        row = db.session.scalar(select(Refund).where(Refund.id == row_id))
        assert row.status == RefundStatus.SUCCEEDED and row.stripe_refund_id.startswith("re_")
    fresh = reload(order)
    assert fresh.refunded_pence == 1000
    with tenant_context(order.tenant_id):
        assert services.refundable_now(fresh) == 1500
