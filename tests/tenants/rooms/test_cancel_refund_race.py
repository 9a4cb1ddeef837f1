"""A buyer's cancellation sent many times at once (double clicks, retries, several tabs)
refunds the booking once: billing counts refunds already on their way under the order's lock."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.billing.models import LedgerEntry, LedgerKind, OrderStatus, Refund
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from tests.conftest import PASSWORD

from .conftest import BUYER, book, future_day, order_of, request_for

ATTEMPTS = 20


@pytest.mark.postgres
def test_twenty_concurrent_cancellations_refund_the_booking_once(
    app, make_room, hackney, buyer, admin
) -> None:
    room = make_room(cancellation_days=7)
    order_id, (booking_id,) = book(buyer, hackney, room.id, request_for(future_day(14)))
    billing.mark_paid(admin, hackney, order_id, "BACS 150")
    db.session.commit()
    total = order_of(hackney, order_id).total_pence

    first = app.test_client()
    assert first.post("/login", data={"email": BUYER, "password": PASSWORD}).status_code == 302
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"])
    clients = [first]
    for _ in range(ATTEMPTS - 1):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    barrier = threading.Barrier(ATTEMPTS)
    answers: list[int | str] = []
    lock = threading.Lock()

    def cancel(client) -> None:
        try:
            barrier.wait(timeout=30)
            answer: int | str = client.post(f"/account/bookings/{booking_id}/cancel").status_code
        except Exception as exc:  # report, do not hide
            answer = f"{type(exc).__name__}: {exc}"
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=cancel, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == ATTEMPTS and all(a in (302, 400) for a in answers), Counter(answers)

    db.session.rollback()
    with tenant_context(hackney.id):
        refunds = db.session.scalars(select(Refund).where(Refund.order_id == order_id)).all()
        booked = db.session.scalars(
            select(LedgerEntry.amount_pence).where(
                LedgerEntry.order_id == order_id, LedgerEntry.kind == LedgerKind.REFUND
            )
        ).all()
    assert [r.amount_pence for r in refunds] == [total]
    assert booked == [-total]
    order = order_of(hackney, order_id)
    assert order.status == OrderStatus.REFUNDED and order.refunded_pence == total
