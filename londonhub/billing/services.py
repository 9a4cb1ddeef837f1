"""Billing verbs: orders, checkout, settlement, refunds, Connect, ledger and balances.

Plain functions: each names the workspace it acts in (entering its context), checks
permission first when a person acts, and flushes; the caller commits. Stripe is the only
proof of payment; every change of an order's status is recorded; money is booked once.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import stripe
from flask import current_app, g, has_request_context, url_for
from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from londonhub.platform.core import errors
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.jobs import enqueue_at
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceKind,
    WorkspaceStatus,
    hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import as_utc, utcnow

from . import gateway
from .fulfilment import handler_for
from .models import (
    TRANSITIONS,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMode,
    Refund,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)

log = logging.getLogger(__name__)

HUB_SLUG = "london-hub"
CHECKOUT_MIN_SECONDS = 31 * 60  # Stripe wants a session to live at least 30 minutes
CHECKOUT_MAX_SECONDS = 23 * 3600

HANDLED_EVENTS = {
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "account.updated",
}


class BillingError(ValueError):
    """Something a person can act on; the message says what to do next."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(errors.NotAllowed):
    pass


class OrderNotFound(errors.NotFound):
    pass


class InvalidWebhook(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    description: str
    unit_pence: int
    quantity: int = 1
    #: For hub sales: the workspace that receives this line's income, less the hub's fee.
    beneficiary: Workspace | None = None

    @property
    def total_pence(self) -> int:
        return self.unit_pence * self.quantity


# --- the hub as a seller ------------------------------------------------------------------------


def hub_workspace() -> Workspace:
    """The hub's own workspace row: the seller of hub-sold items and holder of the fees."""
    workspace = db.session.scalar(select(Workspace).where(Workspace.is_hub.is_(True)))
    if workspace is None:
        workspace = Workspace(
            slug=HUB_SLUG,
            name=current_app.config["HUB_NAME"],
            borough="London",
            kind=WorkspaceKind.BOTH,
            status=WorkspaceStatus.ACTIVE,
            description="",
            is_hub=True,
        )
        db.session.add(workspace)
        db.session.flush()
    return workspace


def platform_fee(total_pence: int) -> int:
    """The hub's fee in whole pence, rounded down (the seller keeps the odd penny)."""
    return total_pence * int(current_app.config["PLATFORM_FEE_PERCENT"]) // 100


# --- orders -----------------------------------------------------------------------------------


def _transition(
    order: Order,
    to: OrderStatus,
    note: str,
    *,
    actor: User | None = None,
    stripe_event_id: str | None = None,
) -> bool:
    """Move an order along; False (and nothing changed) when the move is not allowed."""
    if to != order.status and to not in TRANSITIONS[order.status]:
        return False
    if to == order.status and to != OrderStatus.PARTIALLY_REFUNDED:
        return False
    db.session.add(
        OrderEvent(
            tenant_id=order.tenant_id,
            order_id=order.id,
            from_status=order.status.value if order.status else None,
            to_status=to.value,
            note=note[:300],
            actor_id=actor.id if actor else None,
            stripe_event_id=stripe_event_id,
        )
    )
    order.status = to
    return True


def create_order(
    seller: Workspace,
    *,
    kind: str,
    fulfilment_ref: str,
    lines: list[Line],
    buyer: User,
    description: str,
    organisation: str | None = None,
    organisation_type: str | None = None,
    expires_at: datetime | None = None,
) -> Order:
    """A new order in the seller's workspace: pending Stripe Checkout, or awaiting payment
    in invoice mode. A free order is paid at once."""
    handler_for(kind)  # refuse kinds nobody fulfils
    if not lines:
        raise BillingError("An order needs at least one line")
    for line in lines:
        if line.unit_pence < 0 or line.quantity <= 0:
            raise BillingError("Prices must be zero or more and quantities at least one")
    total = sum(line.total_pence for line in lines)
    mode = PaymentMode.STRIPE if gateway.stripe_enabled() else PaymentMode.INVOICE
    if seller.is_hub:
        fee = sum(platform_fee(line.total_pence) for line in lines if line.beneficiary)
        fee += sum(line.total_pence for line in lines if not line.beneficiary)
    else:
        fee = platform_fee(total)
    initial = OrderStatus.PENDING if mode == PaymentMode.STRIPE else OrderStatus.AWAITING_PAYMENT
    with tenant_context(seller.id):
        order = Order(
            kind=kind,
            fulfilment_ref=str(fulfilment_ref),
            status=initial,
            payment_mode=mode,
            total_pence=total,
            platform_fee_pence=fee,
            refunded_pence=0,
            buyer_user_id=buyer.id,
            buyer_email=buyer.email,
            buyer_name=buyer.name,
            buyer_organisation=organisation,
            buyer_organisation_type=organisation_type,
            description=description[:300],
            expires_at=expires_at,
            transfer_group=None,
        )
        db.session.add(order)
        db.session.flush()
        order.transfer_group = f"order-{seller.id}-{order.id}"
        db.session.add(
            OrderEvent(
                tenant_id=seller.id,
                order_id=order.id,
                from_status=None,
                to_status=initial.value,
                note="Order created"
                if mode == PaymentMode.STRIPE
                else "Order created: invoice mode, waiting for payment",
            )
        )
        for line in lines:
            db.session.add(
                OrderLine(
                    order_id=order.id,
                    description=line.description[:300],
                    quantity=line.quantity,
                    unit_pence=line.unit_pence,
                    total_pence=line.total_pence,
                    beneficiary_workspace_id=line.beneficiary.id if line.beneficiary else None,
                )
            )
        db.session.flush()
        if total == 0:
            _settle(order, seller, charge_id=f"free:{order.id}", note="Nothing to pay")
        elif expires_at is not None:
            from .jobs import expire_order as expire_order_job  # jobs imports this module

            enqueue_at(expires_at, expire_order_job, order.id, seller.id)
        db.session.flush()
    return order


def order_lines(order: Order) -> list[OrderLine]:
    with tenant_context(order.tenant_id):
        return list(
            db.session.scalars(
                select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
            )
        )


def order_history(order: Order) -> list[OrderEvent]:
    with tenant_context(order.tenant_id):
        return list(
            db.session.scalars(
                select(OrderEvent)
                .where(OrderEvent.order_id == order.id)
                .order_by(OrderEvent.created_at, OrderEvent.id)
            )
        )


def get_seller_order(workspace: Workspace, order_id: int, *, lock: bool = False) -> Order:
    """An order of this workspace; another workspace's id is simply not found."""
    with tenant_context(workspace.id):
        query = select(Order).where(Order.id == order_id)
        if lock:
            # Re-read the row under the lock: a copy already in the session may be stale.
            query = query.with_for_update().execution_options(populate_existing=True)
        order = db.session.scalar(query)
    if order is None:
        raise OrderNotFound("No such order")
    return order


def get_buyer_order(user: User, order_id: int) -> Order:
    """One of this person's own orders, whichever workspace sold it."""
    with hub_scope("a buyer's own order", audit=False):
        order = db.session.scalar(
            select(Order).where(Order.id == order_id, Order.buyer_user_id == user.id)
        )
    if order is None:
        raise OrderNotFound("No such order")
    return order


def list_buyer_orders(user: User) -> list[tuple[Order, Workspace]]:
    return _orders_of_buyers([user.id], "a buyer's own orders")


def list_orders_of_buyers(user_ids: list[int]) -> list[tuple[Order, Workspace]]:
    """Every order any of these people bought, in any workspace, newest first (a partner
    organisation's orders, shared with its members)."""
    return _orders_of_buyers(user_ids, "orders of a partner organisation's members")


def _orders_of_buyers(user_ids: list[int], reason: str) -> list[tuple[Order, Workspace]]:
    if not user_ids:
        return []
    with hub_scope(reason, audit=False):
        rows = db.session.execute(
            select(Order, Workspace)
            .join(Workspace, Workspace.id == Order.tenant_id)
            .where(Order.buyer_user_id.in_(user_ids))
            .order_by(Order.created_at.desc(), Order.id.desc())
        ).all()
    return [(order, workspace) for order, workspace in rows]


def list_seller_orders(workspace: Workspace, limit: int = 200) -> list[Order]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(Order).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
            )
        )


# --- checkout ----------------------------------------------------------------------------------


def _require_seller_admin(user: User, workspace: Workspace) -> None:
    if not has_role(user, workspace, Role.ADMIN):
        raise NotAllowed(f"You need the admin role in {workspace.name} to do this")


def _destination(seller: Workspace) -> str | None:
    if seller.is_hub or not seller.stripe_account_id or not seller.stripe_charges_enabled:
        return None
    return seller.stripe_account_id


def checkout_url(order: Order, buyer: User) -> str:
    """The Stripe Checkout page for this order, made once per attempt (idempotent)."""
    if order.buyer_user_id != buyer.id:
        raise OrderNotFound("No such order")
    if order.status != OrderStatus.PENDING or order.payment_mode != PaymentMode.STRIPE:
        raise BillingError("This order cannot be paid online now: see its status below")
    if order.expires_at is not None and as_utc(order.expires_at) <= utcnow():
        raise BillingError("The time to pay for this order has run out. Please start again.")
    seller = db.session.get(Workspace, order.tenant_id)
    client = gateway.client()
    try:
        if order.stripe_checkout_session_id:
            session = client.v1.checkout.sessions.retrieve(order.stripe_checkout_session_id)
            if session["status"] == "open":
                return session["url"]
            if session["status"] == "complete":
                raise BillingError("This order has been paid: its receipt is on its way")
        order.checkout_attempts += 1
        with tenant_context(order.tenant_id):
            lines = order_lines(order)
        metadata = {
            "order_id": str(order.id),
            "workspace_id": str(order.tenant_id),
            "kind": order.kind,
        }
        payment_intent_data: dict = {"metadata": metadata, "transfer_group": order.transfer_group}
        destination = _destination(seller)
        if destination:
            payment_intent_data["application_fee_amount"] = order.platform_fee_pence
            payment_intent_data["transfer_data"] = {"destination": destination}
        now = utcnow()
        lifetime = CHECKOUT_MIN_SECONDS
        if order.expires_at is not None:
            lifetime = int((as_utc(order.expires_at) - now).total_seconds())
        lifetime = min(max(lifetime, CHECKOUT_MIN_SECONDS), CHECKOUT_MAX_SECONDS)
        session = client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": order.currency,
                            "unit_amount": line.unit_pence,
                            "product_data": {"name": line.description},
                        },
                        "quantity": line.quantity,
                    }
                    for line in lines
                ],
                "client_reference_id": f"order-{order.id}",
                "customer_email": order.buyer_email,
                "metadata": metadata,
                "payment_intent_data": payment_intent_data,
                "success_url": url_for("billing.order_return", order_id=order.id, _external=True)
                + "?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": url_for("billing.buyer_order", order_id=order.id, _external=True)
                + "?cancelled=1",
                "expires_at": int((now + timedelta(seconds=lifetime)).timestamp()),
            },
            options={"idempotency_key": f"checkout:{order.id}:{order.checkout_attempts}"},
        )
    except stripe.StripeError as exc:
        log.warning("Stripe Checkout for order %s failed: %s", order.id, exc)
        raise BillingError(
            "We could not reach the payment service. Nothing has been charged: please try "
            "again in a minute."
        ) from exc
    with tenant_context(order.tenant_id):
        order.stripe_checkout_session_id = session["id"]
        order.stripe_destination = destination
        db.session.flush()
    return session["url"]


# --- settlement and the ledger -----------------------------------------------------------------


def _book(
    workspace_id: int,
    order: Order | None,
    kind: LedgerKind,
    amount: int,
    source: str,
    *,
    held: bool,
    description: str,
) -> bool:
    """Book one movement once: False when it was booked before (same kind and source)."""
    with tenant_context(workspace_id):
        exists = db.session.scalar(
            select(LedgerEntry.id).where(LedgerEntry.kind == kind, LedgerEntry.source_id == source)
        )
        if exists is not None:
            return False
        db.session.add(
            LedgerEntry(
                order_id=order.id
                if order is not None and order.tenant_id == workspace_id
                else None,
                kind=kind,
                amount_pence=amount,
                source_id=source,
                held_by_hub=held,
                description=description[:300],
            )
        )
        db.session.flush()
    return True


def _settle(
    order: Order,
    seller: Workspace,
    *,
    charge_id: str,
    note: str,
    stripe_event_id: str | None = None,
    actor: User | None = None,
) -> bool:
    """Mark the order paid and book the money; idempotent (False when already settled)."""
    if not _transition(order, OrderStatus.PAID, note, actor=actor, stripe_event_id=stripe_event_id):
        return False
    order.paid_at = utcnow()
    if order.total_pence > 0:
        _book_sale(order, seller, charge_id)
    handler_for(order.kind).on_paid(order)
    if order.total_pence > 0:
        send_receipt(order, seller)
    db.session.flush()
    return True


def _book_sale(order: Order, seller: Workspace, charge_id: str) -> None:
    hub = hub_workspace()
    with_destination = bool(order.stripe_destination)
    label = f"Order {order.id}: {order.description}"
    _book(
        seller.id,
        order,
        LedgerKind.CHARGE,
        order.total_pence,
        charge_id,
        held=not with_destination,
        description=label,
    )
    if seller.id == hub.id:
        _book_hub_splits(order, hub, charge_id)
        return
    fee = order.platform_fee_pence
    if fee:
        _book(
            seller.id,
            order,
            LedgerKind.PLATFORM_FEE,
            -fee,
            charge_id,
            held=not with_destination,
            description=f"Hub fee on order {order.id}",
        )
        _book(
            hub.id,
            order,
            LedgerKind.PLATFORM_FEE,
            fee,
            f"{charge_id}:fee",
            held=True,
            description=f"Fee on {seller.name} order {order.id}",
        )


def _book_hub_splits(order: Order, hub: Workspace, charge_id: str) -> None:
    """A hub sale shared with workspaces: a transfer to each connected workspace (one transfer
    group), or a balance the hub holds for it."""
    with tenant_context(hub.id):
        lines = list(
            db.session.scalars(
                select(OrderLine).where(
                    OrderLine.order_id == order.id, OrderLine.beneficiary_workspace_id.is_not(None)
                )
            )
        )
    for line in lines:
        beneficiary = db.session.get(Workspace, line.beneficiary_workspace_id)
        share = line.total_pence - platform_fee(line.total_pence)
        source = f"order:{order.id}:line:{line.id}"
        destination = _destination(beneficiary)
        held = True
        if destination and order.payment_mode == PaymentMode.STRIPE:
            transfer = gateway.client().v1.transfers.create(
                {
                    "amount": share,
                    "currency": order.currency,
                    "destination": destination,
                    "transfer_group": order.transfer_group,
                    "source_transaction": charge_id,
                    "metadata": {"order_id": str(order.id), "line_id": str(line.id)},
                },
                options={"idempotency_key": f"transfer:{order.id}:{line.id}"},
            )
            source = transfer["id"]
            held = False
        _book(
            hub.id,
            order,
            LedgerKind.TRANSFER,
            -share,
            source,
            held=True,
            description=f"Share of order {order.id} for {beneficiary.name}",
        )
        _book(
            beneficiary.id,
            order,
            LedgerKind.TRANSFER,
            share,
            source,
            held=held,
            description=f"Share of hub order {order.id}: {line.description}",
        )


def external_url(endpoint: str, **values: object) -> str:
    """A full link for an email. Jobs run without a request: they use `SERVER_NAME` if set,
    else the address the job was started from (`g.billing_base_url`, which the webhook passes
    on), else a path on this site."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    path = adapter.build(endpoint, values)
    base = g.get("billing_base_url")
    return f"{base.rstrip('/')}{path}" if base else path


def send_receipt(order: Order, seller: Workspace) -> None:
    lines = order_lines(order)
    body = "\n".join(
        f"  {line.quantity} x {line.description}: {format_pence(line.total_pence)}"
        for line in lines
    )
    link = external_url("billing.buyer_order", order_id=order.id)
    send_email(
        order.buyer_email,
        f"Receipt for order {order.id} from {seller.name}",
        f"Hello {order.buyer_name},\n\nThank you for your payment to {seller.name}.\n\n"
        f"Order {order.id}: {order.description}\n{body}\n\nTotal paid: "
        f"{format_pence(order.total_pence)}\n\nSee your order at {link}\n",
    )


def mark_paid(actor: User, seller: Workspace, order_id: int, reference: str = "") -> Order:
    """Invoice mode: the seller confirms the money arrived."""
    _require_seller_admin(actor, seller)
    order = get_seller_order(seller, order_id, lock=True)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise BillingError(
            f"Order {order.id} is {order.status.label.lower()}: it cannot be marked paid"
        )
    with tenant_context(seller.id):
        _settle(
            order,
            seller,
            charge_id=f"invoice:{order.id}",
            note=f"Marked paid by {actor.email}" + (f" ({reference})" if reference else ""),
            actor=actor,
        )
    record(
        "billing.mark_paid",
        f"Marked order {order.id} paid ({format_pence(order.total_pence)})",
        workspace=seller,
        actor=actor,
        order_id=order.id,
        reference=reference,
    )
    return order


def cancel_unpaid(
    order: Order, note: str, *, stripe_event_id: str | None = None, actor: User | None = None
) -> bool:
    with tenant_context(order.tenant_id):
        if not _transition(
            order, OrderStatus.CANCELLED, note, actor=actor, stripe_event_id=stripe_event_id
        ):
            return False
        handler_for(order.kind).on_cancelled(order)
        db.session.flush()
    return True


# --- refunds -----------------------------------------------------------------------------------


def refundable_now(order: Order) -> int:
    if not order.is_settled or order.status == OrderStatus.REFUNDED:
        return 0
    return max(0, min(order.refundable_pence, handler_for(order.kind).refundable_now(order)))


def request_refund(
    actor: User, seller: Workspace, order_id: int, amount_pence: int, reason: str = ""
) -> Refund:
    """Step one: record the refund asked for (commit it before calling Stripe)."""
    _require_seller_admin(actor, seller)
    order = get_seller_order(seller, order_id, lock=True)
    allowed = refundable_now(order)
    if allowed <= 0:
        raise BillingError("This order cannot be refunded under the cancellation policy", "amount")
    if amount_pence <= 0:
        raise BillingError("Enter an amount of at least 1p", "amount")
    if amount_pence > allowed:
        raise BillingError(f"You can refund at most {format_pence(allowed)} now", "amount")
    refund = _new_refund(order, amount_pence, reason, actor)
    record(
        "billing.refund_requested",
        f"Asked for a refund of {format_pence(amount_pence)} on order {order.id}",
        workspace=seller,
        actor=actor,
        order_id=order.id,
        refund_id=refund.id,
    )
    return refund


def request_buyer_refund(buyer: User, order: Order, reason: str) -> Refund | None:
    """A buyer cancels their own order: record the refund the seller's cancellation policy
    allows now (None when it allows nothing). Commit it, then `perform_refund`."""
    if order.buyer_user_id != buyer.id:
        raise OrderNotFound("No such order")
    amount = refundable_now(order)
    if amount <= 0:
        return None
    return _new_refund(order, amount, reason, buyer)


def _new_refund(order: Order, amount_pence: int, reason: str, requested_by: User) -> Refund:
    """The refund row, made before Stripe hears of it: its id keys the API call."""
    with tenant_context(order.tenant_id):
        refund = Refund(
            order_id=order.id,
            amount_pence=amount_pence,
            status=RefundStatus.REQUESTED,
            reason=reason[:300],
            requested_by_id=requested_by.id,
        )
        db.session.add(refund)
        db.session.flush()
    return refund


def perform_refund(seller: Workspace, refund_id: int) -> Refund:
    """Step two: ask Stripe (idempotently, keyed on the refund row) and book the result.

    No row lock is held during the call: Stripe may tell our webhook of the refund before it
    answers, and that webhook books the same refund (once, by its id).
    """
    with tenant_context(seller.id):
        refund = db.session.scalar(select(Refund).where(Refund.id == refund_id))
        if refund is None:
            raise OrderNotFound("No such refund")
        if refund.status != RefundStatus.REQUESTED:
            return refund
        order = get_seller_order(seller, refund.order_id)
        if order.payment_mode == PaymentMode.INVOICE or order.stripe_charge_id is None:
            source = f"refund:{refund.id}"
        else:
            params = {
                "charge": order.stripe_charge_id,
                "amount": refund.amount_pence,
                "metadata": {"order_id": str(order.id), "refund_id": str(refund.id)},
                "reason": "requested_by_customer",
            }
            if order.stripe_destination:
                params["reverse_transfer"] = True
                params["refund_application_fee"] = True
            try:
                result = gateway.client().v1.refunds.create(
                    params, options={"idempotency_key": f"refund:{refund.id}"}
                )
            except stripe.StripeError as exc:
                log.warning("Refund %s failed: %s", refund.id, exc)
                refund.status = RefundStatus.FAILED
                refund.failure = (getattr(exc, "user_message", None) or str(exc))[:300]
                db.session.flush()
                raise BillingError(
                    "The payment service did not accept the refund. Nothing was refunded; try "
                    "again later or contact the hub."
                ) from exc
            source = result["id"]
            refund.stripe_refund_id = source
        refund.status = RefundStatus.SUCCEEDED
        order = get_seller_order(seller, refund.order_id, lock=True)
        try:
            _record_refund(order, source, refund.amount_pence, note=f"Refund {source}")
        except stripe.StripeError as exc:
            # Taking a workspace's share back failed: nothing is booked yet. Stripe's
            # charge.refunded event books the refund (and is retried until it can).
            log.warning("Reversing shares for refund %s failed: %s", source, exc)
        db.session.flush()
    return refund


def _record_refund(
    order: Order, source: str, amount: int, *, note: str, stripe_event_id: str | None = None
) -> bool:
    """Book a refund once, update the order's status and tell the feature.

    A hub sale shared with workspaces takes each workspace's share back in proportion (Stripe
    transfers are reversed first, so a failing call books nothing and can be retried)."""
    seller = db.session.get(Workspace, order.tenant_id)
    held = not order.stripe_destination
    with tenant_context(order.tenant_id):
        if db.session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.kind == LedgerKind.REFUND, LedgerEntry.source_id == source
            )
        ):
            return False
        refunded_before = -db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
                LedgerEntry.order_id == order.id, LedgerEntry.kind == LedgerKind.REFUND
            )
        )
    reversals = []
    if seller.is_hub and order.total_pence:
        reversals = _reverse_hub_splits(order, source, refunded_before, amount)
    if not _book(
        seller.id,
        order,
        LedgerKind.REFUND,
        -amount,
        source,
        held=held,
        description=f"Refund on order {order.id}",
    ):
        return False
    for book in reversals:
        book()
    refunded = refunded_before + amount
    if not seller.is_hub and order.platform_fee_pence and order.total_pence:
        # The fee comes back in proportion to the money refunded so far, rounded down on the
        # running total, so partial refunds that add up to the whole return the whole fee.
        fee, total = order.platform_fee_pence, order.total_pence
        after = min(refunded, total)
        before = min(refunded_before, total)
        fee_back = fee * after // total - fee * before // total
        if fee_back:
            _book(
                seller.id,
                order,
                LedgerKind.FEE_REFUND,
                fee_back,
                source,
                held=held,
                description=f"Hub fee returned with refund on order {order.id}",
            )
            _book(
                hub_workspace().id,
                order,
                LedgerKind.FEE_REFUND,
                -fee_back,
                f"{source}:fee",
                held=True,
                description=f"Fee returned: {seller.name} order {order.id}",
            )
    with tenant_context(order.tenant_id):
        order.refunded_pence = min(refunded, order.total_pence)
        full = order.refunded_pence >= order.total_pence
        _transition(
            order,
            OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED,
            note,
            stripe_event_id=stripe_event_id,
        )
        handler_for(order.kind).on_refunded(order, amount, full)
        db.session.flush()
    return True


def _split_rows(order: Order) -> dict[int, tuple[Workspace, int, str, bool]]:
    """Each shared line's (beneficiary, share, source of its booking, held by the hub), read
    from the ledger rows `_book_hub_splits` wrote; lines never booked are left out."""
    hub_id = order.tenant_id
    with tenant_context(hub_id):
        lines = list(
            db.session.scalars(
                select(OrderLine)
                .where(
                    OrderLine.order_id == order.id, OrderLine.beneficiary_workspace_id.is_not(None)
                )
                .order_by(OrderLine.id)
            )
        )
        hub_sources = list(
            db.session.scalars(
                select(LedgerEntry.source_id)
                .where(
                    LedgerEntry.order_id == order.id,
                    LedgerEntry.kind == LedgerKind.TRANSFER,
                    LedgerEntry.amount_pence < 0,
                )
                .order_by(LedgerEntry.id)
            )
        )
    used: set[str] = set()
    found: dict[int, tuple[Workspace, int, str, bool]] = {}
    for line in lines:
        beneficiary = db.session.get(Workspace, line.beneficiary_workspace_id)
        share = line.total_pence - platform_fee(line.total_pence)
        held_source = f"order:{order.id}:line:{line.id}"
        if held_source in hub_sources:
            found[line.id] = (beneficiary, share, held_source, True)
            continue
        # A transfer: the beneficiary's row of that share carries the same transfer id.
        candidates = [src for src in hub_sources if src.startswith("tr_") and src not in used]
        if not candidates:
            continue
        with tenant_context(beneficiary.id):
            mine = set(
                db.session.scalars(
                    select(LedgerEntry.source_id).where(
                        LedgerEntry.kind == LedgerKind.TRANSFER,
                        LedgerEntry.amount_pence == share,
                        LedgerEntry.source_id.in_(candidates),
                    )
                )
            )
        transfer_id = next((src for src in candidates if src in mine), None)
        if transfer_id is not None:
            used.add(transfer_id)
            found[line.id] = (beneficiary, share, transfer_id, False)
    return found


def _reverse_hub_splits(
    order: Order, refund_source: str, refunded_before: int, amount: int
) -> list[Callable[[], bool]]:
    """Take back each workspace's share of a refunded hub sale, in proportion to the refund:
    rounded down on the running total, so refunds adding up to the whole order take back the
    whole share. Transfers are reversed at Stripe now (idempotently); the ledger rows are
    returned as bookings to make once the refund itself is booked."""
    total = order.total_pence
    after = min(refunded_before + amount, total)
    before = min(refunded_before, total)
    bookings: list[Callable[[], bool]] = []
    hub_id = order.tenant_id
    for line_id, (beneficiary, share, booked_as, held) in _split_rows(order).items():
        back = share * after // total - share * before // total
        if back <= 0:
            continue
        if held:
            source = f"{refund_source}:line:{line_id}"
        else:
            reversal = gateway.client().v1.transfers.reversals.create(
                booked_as,
                {
                    "amount": back,
                    "metadata": {
                        "order_id": str(order.id),
                        "line_id": str(line_id),
                        "refund": refund_source,
                    },
                },
                options={"idempotency_key": f"reversal:{refund_source}:{line_id}"},
            )
            source = reversal["id"]
        bookings.append(
            partial(
                _book,
                hub_id,
                order,
                LedgerKind.TRANSFER,
                back,
                source,
                held=True,
                description=f"Share of refunded order {order.id} back from {beneficiary.name}",
            )
        )
        bookings.append(
            partial(
                _book,
                beneficiary.id,
                order,
                LedgerKind.TRANSFER,
                -back,
                source,
                held=held,
                description=f"Share returned: refund on hub order {order.id}",
            )
        )
    return bookings


# --- balances ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    sales: int
    fees: int
    refunds: int
    transfers: int
    disputes: int
    payouts: int
    held: int  # what the hub owes this workspace now


def balance(workspace: Workspace) -> Balance:
    """Sums of ledger rows, in one query."""
    sums = {
        kind: func.coalesce(
            func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_pence), else_=0)), 0
        )
        for kind in LedgerKind
    }
    held = func.coalesce(
        func.sum(case((LedgerEntry.held_by_hub.is_(True), LedgerEntry.amount_pence), else_=0)), 0
    )
    with tenant_context(workspace.id):
        row = db.session.execute(select(*sums.values(), held)).one()
    values = dict(zip(list(sums), row[:-1], strict=True))
    return Balance(
        sales=values[LedgerKind.CHARGE],
        fees=values[LedgerKind.PLATFORM_FEE] + values[LedgerKind.FEE_REFUND],
        refunds=values[LedgerKind.REFUND],
        transfers=values[LedgerKind.TRANSFER],
        disputes=values[LedgerKind.DISPUTE],
        payouts=values[LedgerKind.PAYOUT],
        held=row[-1],
    )


def ledger(workspace: Workspace, limit: int | None = None) -> list[LedgerEntry]:
    with tenant_context(workspace.id):
        query = select(LedgerEntry).order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        if limit:
            query = query.limit(limit)
        return list(db.session.scalars(query))


def record_payout(actor: User, workspace: Workspace, amount_pence: int, reference: str) -> None:
    """The hub paid a held balance to a workspace (by bank transfer)."""
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins record payouts")
    if workspace.is_hub:
        raise BillingError("The hub does not pay itself out: choose a borough workspace", "amount")
    # One payout at a time per workspace, so two cannot both pass the balance check.
    db.session.execute(select(Workspace.id).where(Workspace.id == workspace.id).with_for_update())
    held = balance(workspace).held
    if amount_pence <= 0:
        raise BillingError("Enter an amount of at least 1p", "amount")
    if amount_pence > held:
        raise BillingError(
            f"{workspace.name} is owed {format_pence(held)}: pay out no more", "amount"
        )
    _book(
        workspace.id,
        None,
        LedgerKind.PAYOUT,
        -amount_pence,
        f"payout:{secrets.token_hex(8)}",
        held=True,
        description=f"Paid out by the hub{': ' + reference if reference else ''}",
    )
    record(
        "billing.payout",
        f"Recorded a payout of {format_pence(amount_pence)} to {workspace.name}",
        workspace=workspace,
        actor=actor,
        reference=reference,
    )


# --- Connect -----------------------------------------------------------------------------------


def connect_onboarding_url(
    actor: User, workspace: Workspace, return_url: str, refresh_url: str
) -> str:
    """An Express account for the workspace (made once) and a link to finish setting it up."""
    if not has_role(actor, workspace, Role.OWNER):
        raise NotAllowed("Only an owner can connect the workspace's Stripe account")
    if not gateway.stripe_enabled():
        raise BillingError("Online payments are not switched on for the hub yet")
    client = gateway.client()
    try:
        if not workspace.stripe_account_id:
            account = client.v1.accounts.create(
                {
                    "type": "express",
                    "country": "GB",
                    "email": workspace.contact_email or actor.email,
                    "business_type": "non_profit",
                    # Destination charges need the transfers capability on the account.
                    "capabilities": {
                        "card_payments": {"requested": True},
                        "transfers": {"requested": True},
                    },
                    "metadata": {"workspace_id": str(workspace.id), "slug": workspace.slug},
                },
                options={"idempotency_key": f"account:{workspace.id}"},
            )
            workspace.stripe_account_id = account["id"]
            workspace.stripe_charges_enabled = bool(account["charges_enabled"])
            record(
                "billing.connect",
                f"Created Stripe account {account['id']} for {workspace.name}",
                workspace=workspace,
                actor=actor,
            )
            db.session.flush()
        link = client.v1.account_links.create(
            {
                "account": workspace.stripe_account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    except stripe.StripeError as exc:
        raise BillingError("We could not reach Stripe. Please try again in a minute.") from exc
    return link["url"]


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
        order = db.session.scalar(
            select(Order)
            .where(Order.id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
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
                booked += _record_refund(
                    order,
                    refund["id"],
                    int(refund["amount"]),
                    note=f"Refund {refund['id']} (Stripe)",
                    stripe_event_id=event.id,
                )
    return f"{booked} refund(s) booked"


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


@dataclass(frozen=True)
class WorkspaceBalance:
    workspace: Workspace
    sales: int
    held: int
    entries: int


def all_balances() -> list[WorkspaceBalance]:
    """Every workspace's sales and held balance, in one grouped query (hub admins)."""
    with hub_scope("London-wide balances"):
        rows = db.session.execute(
            select(
                LedgerEntry.tenant_id,
                func.coalesce(
                    func.sum(
                        case(
                            (LedgerEntry.kind == LedgerKind.CHARGE, LedgerEntry.amount_pence),
                            else_=0,
                        )
                    ),
                    0,
                ),
                func.coalesce(
                    func.sum(
                        case((LedgerEntry.held_by_hub.is_(True), LedgerEntry.amount_pence), else_=0)
                    ),
                    0,
                ),
                func.count(),
            ).group_by(LedgerEntry.tenant_id)
        ).all()
    sums = {tenant_id: (sales, held, count) for tenant_id, sales, held, count in rows}
    workspaces = db.session.scalars(
        select(Workspace).order_by(Workspace.is_hub.desc(), Workspace.borough)
    ).all()
    return [WorkspaceBalance(ws, *sums.get(ws.id, (0, 0, 0))) for ws in workspaces]
