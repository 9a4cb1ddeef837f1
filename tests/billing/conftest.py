"""Billing fixtures: a test fulfilment kind that records what billing tells it, a borough
workspace with its people, an order factory, and a driver that hands the fake Stripe's events
to the app's webhook (signed as Stripe signs them) through the test client."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from londonhub.billing import services
from londonhub.billing.fulfilment import FulfilmentHandler, register_fulfilment
from londonhub.billing.models import LedgerEntry, Order, OrderEvent, StripeEvent
from londonhub.billing.services import Line
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from tests.conftest import PASSWORD, STRIPE_WEBHOOK_SECRET

KIND = "test_item"


@dataclass
class Recorder:
    """What billing told the feature, and how the feature's policy answers."""

    paid: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    refunded: list[tuple[int, int, bool]] = field(default_factory=list)
    #: None: the whole remaining amount may be refunded; a number caps it.
    refund_cap: int | None = None
    #: Raise in on_paid this many more times (a failing handler).
    fail_on_paid: int = 0

    def on_paid(self, order: Order) -> None:
        if self.fail_on_paid:
            self.fail_on_paid -= 1
            raise RuntimeError("the feature could not confirm the booking")
        self.paid.append(order.id)

    def on_cancelled(self, order: Order) -> None:
        self.cancelled.append(order.id)

    def on_refunded(self, order: Order, amount: int, full: bool) -> None:
        self.refunded.append((order.id, amount, full))

    def refundable_now(self, order: Order) -> int:
        left = order.refundable_pence
        return left if self.refund_cap is None else min(left, self.refund_cap)


@pytest.fixture
def feature() -> Recorder:
    recorder = Recorder()
    register_fulfilment(
        KIND,
        FulfilmentHandler(
            on_paid=recorder.on_paid,
            on_cancelled=recorder.on_cancelled,
            on_refunded=recorder.on_refunded,
            refundable_now=recorder.refundable_now,
        ),
    )
    return recorder


@dataclass
class People:
    hackney: Workspace
    owner: Any
    admin: Any
    staff: Any
    buyer: Any
    other_buyer: Any
    hub_admin: Any


_HASH: list[str] = []


@pytest.fixture
def quick_user(make_user) -> Callable[..., Any]:
    """`make_user`, with the password hashed once per run (hashing is slow on purpose)."""
    from werkzeug.security import generate_password_hash

    def factory(email: str, **kwargs: Any) -> Any:
        if not _HASH:
            _HASH.append(generate_password_hash(PASSWORD))
        user = make_user(email, password="", **kwargs)
        user.password_hash = _HASH[0]
        db.session.commit()
        return user

    return factory


@pytest.fixture
def people(make_workspace, quick_user, feature) -> People:
    make_user = quick_user
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    return People(
        hackney=hackney,
        owner=make_user(
            "owner@hackney.example.org", name="Olu Owner", workspace=hackney, role="owner"
        ),
        admin=make_user(
            "admin@hackney.example.org", name="Ada Admin", workspace=hackney, role="admin"
        ),
        staff=make_user(
            "staff@hackney.example.org", name="Sam Staff", workspace=hackney, role="staff"
        ),
        buyer=make_user("buyer@example.com", name="Bea Buyer"),
        other_buyer=make_user("other@example.com", name="Otto Other"),
        hub_admin=make_user("hub@example.org", name="Hugh Hub", hub_admin=True),
    )


@pytest.fixture
def make_order(app, feature) -> Callable[..., Order]:
    def factory(
        seller: Workspace, buyer: Any, lines: list[Line] | None = None, **kwargs: Any
    ) -> Order:
        kwargs.setdefault("description", "Room hire")
        kwargs.setdefault("fulfilment_ref", "booking-1")
        order = services.create_order(
            seller,
            kind=KIND,
            lines=lines or [Line("Main hall, 2 hours", 2500)],
            buyer=buyer,
            **kwargs,
        )
        db.session.commit()
        return snapshot(order)

    return factory


def paid_form(reference: str = "BACS 123", method: str = "bank_transfer") -> dict[str, str]:
    """The admin's "mark as paid" form, filled in: how, the reference, and today's date."""
    from londonhub.billing.operations.invoices import london_today

    return {
        "paid-reference": reference,
        "paid-method": method,
        "paid-received_on": london_today().isoformat(),
    }


def snapshot(order: Order) -> Order:
    """A detached copy of the order as stored: its attributes stay readable after commits
    (refreshing an expired row outside its workspace would be refused, as it should be)."""
    order_id = sa_inspect(order).identity[0]
    db.session.rollback()
    with hub_scope("tests", audit=False):
        fresh = db.session.scalar(
            select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
        )
    db.session.expunge(fresh)
    return fresh


def reload(order: Order) -> Order:
    """The order as the database has it now (requests run in their own sessions)."""
    return snapshot(order)


def entries(workspace_id: int, order_id: int | None = None) -> list[LedgerEntry]:
    db.session.rollback()
    with tenant_context(workspace_id):
        query = select(LedgerEntry).order_by(LedgerEntry.id)
        if order_id is not None:
            query = query.where(LedgerEntry.order_id == order_id)
        return _detached(db.session.scalars(query))


def _detached(rows: Any) -> list[Any]:
    """Rows that stay readable after later commits and rollbacks."""
    rows = list(rows)
    for row in rows:
        db.session.expunge(row)
    return rows


def kinds(rows: list[LedgerEntry]) -> list[tuple[str, int, bool]]:
    return [(row.kind.value, row.amount_pence, row.held_by_hub) for row in rows]


def history(order: Order) -> list[tuple[str | None, str]]:
    db.session.rollback()
    with tenant_context(order.tenant_id):
        return [
            (e.from_status, e.to_status)
            for e in db.session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            )
        ]


def all_entries() -> list[LedgerEntry]:
    db.session.rollback()
    with hub_scope("tests", audit=False):
        return _detached(db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))


def stored_event(event_id: str) -> StripeEvent | None:
    db.session.rollback()
    return db.session.get(StripeEvent, event_id)


def sign(payload: str, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class StripeDriver:
    """Hands the fake's events to the app's webhook through the test client, in any order and
    as often as a test likes (Stripe retries; order of delivery is not guaranteed)."""

    def __init__(self, fake: Any, client: Any) -> None:
        self.fake = fake
        self.client = client
        self.delivered: set[str] = set()

    def post(self, event: dict[str, Any], times: int = 1) -> None:
        payload = json.dumps(event)
        for _ in range(times):
            response = self.client.post(
                "/billing/stripe/webhook",
                data=payload,
                headers={"Stripe-Signature": sign(payload)},
                content_type="application/json",
            )
            assert response.status_code == 200, response.data
        self.delivered.add(event["id"])

    def undelivered(self, type: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.fake.events
            if e["id"] not in self.delivered and (type is None or e["type"] == type)
        ]

    def deliver(self, type: str | None = None) -> list[dict[str, Any]]:
        """Deliver every event not yet delivered (of one type, if given), oldest first."""
        events = self.undelivered(type)
        for event in events:
            self.post(event)
        return events

    def last(self, type: str) -> dict[str, Any]:
        return self.fake.events_of_type(type)[-1]


@pytest.fixture
def stripe_driver(fake_stripe, client) -> StripeDriver:
    return StripeDriver(fake_stripe, client)


def session_id_of(order: Order) -> str:
    return snapshot(order).stripe_checkout_session_id


@pytest.fixture
def signed_in(app) -> Callable[[str], Any]:
    """A new test client signed in as `email` (several people can act in one test)."""

    def factory(email: str) -> Any:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.data[-500:]
        return client

    return factory


@pytest.fixture
def checkout(people, make_order, signed_in, fake_stripe, stripe_driver) -> Callable[..., Any]:
    """An order the buyer took to Stripe Checkout and, unless `pay=False`, paid there; its
    events are delivered unless `deliver=False`. Returns (order, session id)."""
    buyers: dict[str, Any] = {}

    def factory(
        seller: Workspace | None = None,
        lines: list[Line] | None = None,
        *,
        pay: bool = True,
        deliver: bool = True,
        **kwargs: Any,
    ) -> tuple[Order, str]:
        order = make_order(seller or people.hackney, people.buyer, lines=lines, **kwargs)
        if "buyer" not in buyers:
            buyers["buyer"] = signed_in("buyer@example.com")
        response = buyers["buyer"].post(f"/account/orders/{order.id}/pay")
        assert response.status_code == 303, response.data[-800:]
        session_id = response.headers["Location"].rsplit("/", 1)[1]
        if pay:
            fake_stripe.pay_session(session_id)
        if deliver:
            stripe_driver.deliver()
        return snapshot(order), session_id

    return factory
