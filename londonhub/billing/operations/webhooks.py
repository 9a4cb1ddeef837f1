"""Stripe webhooks (verified, stored once, processed idempotently) and lapsing unpaid orders
past their time; the jobs that run them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from flask import current_app, g
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, job
from londonhub.platform.core.tenancy import (
    Workspace,
    hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import as_utc, utcnow

from .. import gateway
from ..models import (
    LedgerKind,
    Order,
    OrderEvent,
    OrderStatus,
    Refund,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)
from .errors import InvalidWebhook
from .ledger import _book, _settle
from .orders import cancel_unpaid, lock_order
from .refunds import _record_refund

HANDLED_EVENTS = {
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "account.updated",
}


# --- webhooks ----------------------------------------------------------------------------------


def receive_webhook(payload: bytes, signature: str | None) -> tuple[StripeEvent | None, bool]:
    """Verify and store an event once. Returns (event, newly stored or needing processing)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise InvalidWebhook("webhooks are not configured")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(str(exc)) from exc
    data = gateway.as_dict(event)
    values = {
        "id": data["id"],
        "type": data["type"],
        "account": data.get("account"),
        "payload": data,
        "status": StripeEventStatus.RECEIVED
        if data["type"] in HANDLED_EVENTS
        else StripeEventStatus.IGNORED,
        "attempts": 0,
        "received_at": utcnow(),
    }
    dialect = db.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = db.session.execute(
        insert(StripeEvent).values(**values).on_conflict_do_nothing(index_elements=["id"])
    )
    stored = db.session.get(StripeEvent, data["id"])
    if result.rowcount == 1:
        return stored, stored.status == StripeEventStatus.RECEIVED
    # Seen before: process again only if it has not been processed yet.
    return stored, stored.status in (StripeEventStatus.RECEIVED, StripeEventStatus.FAILED)


@contextmanager
def _order_locked(order_id: int, tenant_id: int) -> Iterator[Order]:
    with tenant_context(tenant_id):
        order = lock_order(tenant_id, order_id)
        yield order
        db.session.flush()  # rows added in the block belong to this workspace


def _find_order(**criteria: str | int | None) -> tuple[int, int] | None:
    """(order id, workspace id) of the order matching a Stripe id, from our own rows."""
    with hub_scope("match a Stripe event to its order", audit=False):
        for column, value in criteria.items():
            if not value:
                continue
            row = db.session.execute(
                select(Order.id, Order.tenant_id).where(getattr(Order, column) == value)
            ).first()
            if row is not None:
                return row.id, row.tenant_id
    return None


def process_event(event_id: str) -> str:
    """Apply one stored event. Idempotent; safe with duplicates and any delivery order."""
    event = db.session.scalar(
        select(StripeEvent)
        .where(StripeEvent.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise LookupError(f"unknown Stripe event {event_id}")
    if event.status in (StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED):
        return event.status.value
    event.attempts += 1
    obj = event.payload["data"]["object"]
    kind = event.type
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        outcome = _on_session_paid(obj, event)
    elif kind == "checkout.session.async_payment_failed":
        outcome = _on_session_lapsed(obj, event, "The payment did not go through")
    elif kind == "checkout.session.expired":
        outcome = _on_session_lapsed(obj, event, "Checkout expired unpaid")
    elif kind == "charge.refunded":
        outcome = _on_charge_refunded(obj, event)
    elif kind == "charge.dispute.created":
        outcome = _on_dispute(obj, event)
    elif kind == "account.updated":
        outcome = _on_account_updated(obj, event)
    else:
        outcome = "ignored"
    event.status = StripeEventStatus.PROCESSED
    event.processed_at = utcnow()
    event.last_error = None
    db.session.flush()
    return outcome


def _on_session_paid(session: dict, event: StripeEvent) -> str:
    found = _find_order(stripe_checkout_session_id=session["id"])
    if found is None:
        return "no matching order"
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        with _order_locked(*found) as order:
            db.session.add(
                OrderEvent(
                    tenant_id=order.tenant_id,
                    order_id=order.id,
                    from_status=order.status.value,
                    to_status=order.status.value,
                    stripe_event_id=event.id,
                    note="Payment is processing",
                )
            )
        return "processing"
    return _settle_from_session(found, session, event.id)


def _settle_from_session(found: tuple[int, int], session: dict, event_id: str | None) -> str:
    order_id, tenant_id = found
    payment_intent_id = session.get("payment_intent")
    charge_id = None
    if payment_intent_id:
        intent = gateway.client().v1.payment_intents.retrieve(payment_intent_id)
        charge_id = intent["latest_charge"]
    with _order_locked(order_id, tenant_id) as order:
        if session.get("amount_total") not in (None, order.total_pence):
            raise ValueError(f"order {order.id} total differs from the session's amount")
        if order.status == OrderStatus.CANCELLED:
            # Paid after we gave up on it: keep the money honest, refund it in full.
            order.stripe_payment_intent_id = payment_intent_id
            order.stripe_charge_id = charge_id
            db.session.add(
                OrderEvent(
                    tenant_id=order.tenant_id,
                    order_id=order.id,
                    from_status="cancelled",
                    to_status="cancelled",
                    stripe_event_id=event_id,
                    note="Paid after it lapsed: refund needed",
                )
            )
            return "paid after cancellation"
        order.stripe_payment_intent_id = payment_intent_id
        order.stripe_charge_id = charge_id
        seller = db.session.get(Workspace, order.tenant_id)
        settled = _settle(
            order,
            seller,
            charge_id=charge_id or f"session:{session['id']}",
            note="Paid by card (Stripe)",
            stripe_event_id=event_id,
        )
    return "paid" if settled else "already paid"


def _on_session_lapsed(session: dict, event: StripeEvent, note: str) -> str:
    found = _find_order(stripe_checkout_session_id=session["id"])
    if found is None:
        return "no matching order"
    with _order_locked(*found) as order:
        if order.status != OrderStatus.PENDING:
            return f"order already {order.status.value}"
        cancel_unpaid(order, note, stripe_event_id=event.id)
    return "cancelled"


def _on_charge_refunded(charge: dict, event: StripeEvent) -> str:
    found = _find_order(
        stripe_charge_id=charge["id"], stripe_payment_intent_id=charge.get("payment_intent")
    )
    if found is None:
        # Perhaps the refund overtook the payment: find the order from our own session id.
        order_id = (charge.get("metadata") or {}).get("order_id")
        found = _find_order(id=int(order_id)) if order_id and str(order_id).isdigit() else None
        if found is None:
            return "no matching order"
        with tenant_context(found[1]):
            session_id = db.session.scalar(
                select(Order.stripe_checkout_session_id).where(Order.id == found[0])
            )
        if not session_id:
            return "no matching order"
        session = gateway.as_dict(gateway.client().v1.checkout.sessions.retrieve(session_id))
        if session.get("payment_intent") != charge.get("payment_intent"):
            return "charge does not belong to the order"
        _settle_from_session(found, session, None)
    booked = 0
    refunds = (charge.get("refunds") or {}).get("data") or []
    with _order_locked(*found) as order:
        if not order.is_settled:
            return f"order is {order.status.value}"
        for refund in refunds:
            if refund.get("status") in (None, "succeeded", "pending"):
                _match_refund_row(order, refund)
                booked += _record_refund(
                    order,
                    refund["id"],
                    int(refund["amount"]),
                    note=f"Refund {refund['id']} (Stripe)",
                    stripe_event_id=event.id,
                )
    return f"{booked} refund(s) booked"


def _match_refund_row(order: Order, refund: dict) -> None:
    """Our refund row that asked for this Stripe refund (its id is in the refund's metadata)
    learns that it went through, even if the request that asked never heard back: a row left
    "requested" would keep counting as money on its way and block the rest of the order."""
    row_id = str((refund.get("metadata") or {}).get("refund_id") or "")
    if not row_id.isdigit():
        return
    with tenant_context(order.tenant_id):
        row = db.session.scalar(
            select(Refund).where(Refund.id == int(row_id), Refund.order_id == order.id)
        )
        if row is not None and row.status == RefundStatus.REQUESTED:
            row.status = RefundStatus.SUCCEEDED
            row.stripe_refund_id = refund["id"]
            db.session.flush()


def _on_dispute(dispute: dict, event: StripeEvent) -> str:
    found = _find_order(
        stripe_charge_id=dispute.get("charge"),
        stripe_payment_intent_id=dispute.get("payment_intent"),
    )
    if found is None:
        return "no matching order"
    with _order_locked(*found) as order:
        order.disputed = True
        db.session.add(
            OrderEvent(
                tenant_id=order.tenant_id,
                order_id=order.id,
                from_status=order.status.value,
                to_status=order.status.value,
                stripe_event_id=event.id,
                note=f"Disputed by the buyer's bank ({dispute.get('reason')})",
            )
        )
        _book(
            order.tenant_id,
            order,
            LedgerKind.DISPUTE,
            -int(dispute["amount"]),
            dispute["id"],
            held=not order.stripe_destination,
            description=f"Dispute on order {order.id}",
        )
    return "dispute booked"


def _on_account_updated(account: dict, event: StripeEvent) -> str:
    account_id = event.account or account.get("id")
    workspace = db.session.scalar(
        select(Workspace).where(Workspace.stripe_account_id == account_id)
    )
    if workspace is None:
        return "unknown account"
    workspace.stripe_charges_enabled = bool(account.get("charges_enabled"))
    return f"charges {'enabled' if workspace.stripe_charges_enabled else 'disabled'}"


def list_events(status: StripeEventStatus | None = None, limit: int = 100) -> list[StripeEvent]:
    query = select(StripeEvent).order_by(StripeEvent.received_at.desc()).limit(limit)
    if status is not None:
        query = query.where(StripeEvent.status == status)
    return list(db.session.scalars(query))


# --- lapsing unpaid orders ----------------------------------------------------------------------


@job
def expire_order(order_id: int, tenant_id: int) -> str:
    """An unpaid order whose time ran out: close its Checkout Session, then cancel it — unless
    Stripe says it was paid after all."""
    with tenant_context(tenant_id):
        order = db.session.scalar(select(Order).where(Order.id == order_id))
    if order is None or order.status not in (OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT):
        return "nothing to do"
    if order.expires_at is None or as_utc(order.expires_at) > utcnow():
        return "not due"
    if order.stripe_checkout_session_id and gateway.stripe_enabled():
        client = gateway.client()
        session = gateway.as_dict(
            client.v1.checkout.sessions.retrieve(order.stripe_checkout_session_id)
        )
        if session.get("payment_status") == "paid":
            return _settle_from_session((order_id, tenant_id), session, None)
        if session.get("status") == "open":
            client.v1.checkout.sessions.expire(order.stripe_checkout_session_id)
    with _order_locked(order_id, tenant_id) as locked:
        if locked.status not in (OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT):
            return f"order already {locked.status.value}"
        cancel_unpaid(locked, "Not paid in time")
    return "cancelled"


def due_unpaid_orders(limit: int = 500) -> list[tuple[int, int]]:
    """(order id, workspace id) of unpaid orders past their time, across the hub."""
    with hub_scope("find unpaid orders past their time", audit=False):
        return [
            (row.id, row.tenant_id)
            for row in db.session.execute(
                select(Order.id, Order.tenant_id)
                .where(
                    Order.status.in_([OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT]),
                    Order.expires_at.is_not(None),
                    Order.expires_at <= utcnow(),
                )
                .order_by(Order.expires_at)
                .limit(limit)
            )
        ]


@job
def expire_due_orders() -> int:
    """The sweep: queue the expiry of every unpaid order past its time (the CLI and, without
    a scheduler, the only way expiry happens)."""
    done = 0
    for order_id, tenant_id in due_unpaid_orders():
        enqueue(expire_order, order_id, tenant_id)
        done += 1
    return done


@job
def process_stripe_event(event_id: str, base_url: str | None = None) -> str:
    """Apply a stored event; on failure record why (for the hub) and raise so RQ retries.

    `base_url` is the site's address as the webhook was called, for links in receipts (a
    worker has no request to take it from)."""
    if base_url:
        g.billing_base_url = base_url
    try:
        return process_event(event_id)
    except Exception as exc:
        db.session.rollback()
        event = db.session.get(StripeEvent, event_id)
        if event is not None:
            event.status = StripeEventStatus.FAILED
            event.attempts += 1
            event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            db.session.commit()
        raise
