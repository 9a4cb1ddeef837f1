"""Taking money: making an order, Stripe Checkout, Connect onboarding."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import stripe
from flask import url_for

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.jobs import enqueue_at
from londonhub.platform.core.tenancy import (
    Workspace,
    tenant_context,
)
from londonhub.platform.core.timeutil import as_utc, utcnow

from .. import gateway
from ..fulfilment import handler_for
from ..models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMode,
)
from .documents import issue_invoice
from .errors import BillingError, NotAllowed, OrderNotFound
from .followup import announce
from .ledger import _destination, _settle
from .orders import Line, order_lines, platform_fee
from .webhooks import expire_order

log = logging.getLogger(__name__)

CHECKOUT_MIN_SECONDS = 31 * 60  # Stripe wants a session to live at least 30 minutes
CHECKOUT_MAX_SECONDS = 23 * 3600


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
    due_before: datetime | None = None,
    invoice: bool = False,
) -> Order:
    """A new order in the seller's workspace: pending Stripe Checkout (lapsing at
    `expires_at` unless paid), or in invoice mode (without Stripe keys, or when the buyer
    asked for an invoice: `invoice`) provisionally confirmed on an invoice due within the
    seller's time to pay, and before `due_before` (when the service starts) if that is
    sooner: it never lapses by itself. A free order is paid at once."""
    handler_for(kind)  # refuse kinds nobody fulfils
    if not lines:
        raise BillingError("An order needs at least one line")
    for line in lines:
        if line.unit_pence < 0 or line.quantity <= 0:
            raise BillingError("Prices must be zero or more and quantities at least one")
    total = sum(line.total_pence for line in lines)
    mode = PaymentMode.STRIPE if gateway.stripe_enabled() and not invoice else PaymentMode.INVOICE
    if seller.is_hub:
        fee = sum(platform_fee(line.total_pence) for line in lines if line.beneficiary)
        fee += sum(line.total_pence for line in lines if not line.beneficiary)
    else:
        fee = platform_fee(total)
    initial = OrderStatus.PENDING if mode == PaymentMode.STRIPE else OrderStatus.AWAITING_PAYMENT
    if mode == PaymentMode.INVOICE:
        expires_at = None  # the seller decides what happens when the invoice is overdue
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
        elif mode == PaymentMode.INVOICE:
            invoice = issue_invoice(order, seller, due_before=due_before)
            handler_for(kind).on_invoiced(order)
            announce(invoice, order, seller)
        elif expires_at is not None:
            enqueue_at(expires_at, expire_order, order.id, seller.id)
        db.session.flush()
    return order


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
