"""Invoice mode (no Stripe): the seller records how an order was paid, and a hub admin
confirms the money arrived before what the hub holds for the seller from it can be paid out.

Without the second step a workspace admin could price a room, book it, mark it paid and have
the hub pay out money that never came in.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import as_utc, utcnow

from ..models import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentMode
from .documents import LONDON, london_today
from .errors import BillingError, NotAllowed
from .ledger import _settle
from .orders import _require_seller_admin, get_seller_order

__all__ = ["LONDON", "awaiting_confirmation", "confirm_receipt", "london_today", "mark_paid"]


def mark_paid(
    actor: User,
    seller: Workspace,
    order_id: int,
    reference: str,
    *,
    method: PaymentMethod | str = PaymentMethod.BANK_TRANSFER,
    received_on: date | None = None,
) -> Order:
    """Invoice mode: the seller records that the buyer paid (how, when, and the reference
    that lets the hub find the money). The order is paid; the money it brings stays held
    until a hub admin confirms it arrived (`confirm_receipt`)."""
    _require_seller_admin(actor, seller)
    reference = (reference or "").strip()
    if not reference:
        raise BillingError(
            "Enter the payment reference, so the hub can find the money", "reference"
        )
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise BillingError("Choose how the order was paid", "method") from None
    received_on = received_on or london_today()
    order = get_seller_order(seller, order_id, lock=True)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise BillingError(
            f"Order {order.id} is {order.status.label.lower()}: it cannot be marked paid"
        )
    if received_on > london_today():
        raise BillingError("The payment date cannot be in the future", "received_on")
    if received_on < as_utc(order.created_at).astimezone(LONDON).date():
        raise BillingError("The payment date cannot be before the order was made", "received_on")
    with tenant_context(seller.id):
        order.payment_method = method.value
        order.payment_reference = reference[:100]
        order.payment_received_on = received_on
        order.payment_recorded_by_id = actor.id
        _settle(
            order,
            seller,
            charge_id=f"invoice:{order.id}",
            note=f"Marked paid by {actor.email}: {method.label}, reference {reference[:100]}, "
            f"received {received_on:%d %b %Y}; waiting for the hub to confirm the money arrived",
            actor=actor,
        )
    record(
        "billing.mark_paid",
        f"Marked order {order.id} paid ({format_pence(order.total_pence)}, {method.label}, "
        f"reference {reference[:100]})",
        workspace=seller,
        actor=actor,
        order_id=order.id,
        reference=reference[:100],
        method=method.value,
        received_on=received_on.isoformat(),
    )
    return order


def confirm_receipt(actor: User, seller: Workspace, order_id: int) -> Order:
    """A hub admin confirms an invoice payment reached the hub: from now on the money held
    for the seller from this order may be paid out. Recorded in the order's history and the
    audit log."""
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins confirm that invoice payments arrived")
    order = get_seller_order(seller, order_id, lock=True)
    if order.payment_mode != PaymentMode.INVOICE or not order.is_settled:
        raise BillingError(f"Order {order.id} has no invoice payment to confirm")
    if order.receipt_confirmed_at is not None:
        raise BillingError(f"Order {order.id}'s payment was confirmed already")
    with tenant_context(seller.id):
        order.receipt_confirmed_at = utcnow()
        order.receipt_confirmed_by_id = actor.id
        db.session.add(
            OrderEvent(
                tenant_id=order.tenant_id,
                order_id=order.id,
                from_status=order.status.value,
                to_status=order.status.value,
                note=f"The hub confirmed the payment arrived ({actor.email}): its money can be "
                "paid out",
                actor_id=actor.id,
            )
        )
        db.session.flush()
    record(
        "billing.receipt_confirmed",
        f"Confirmed the payment of {seller.name} order {order.id} arrived "
        f"({format_pence(order.total_pence)}, reference {order.payment_reference or 'none'})",
        workspace=seller,
        actor=actor,
        order_id=order.id,
    )
    return order


def awaiting_confirmation(limit: int = 200) -> list[tuple[Order, Workspace, User | None]]:
    """Invoice orders of borough workspaces marked paid whose money the hub has not yet
    confirmed, oldest first, with who recorded the payment (hub admins' list)."""
    with hub_scope("invoice payments waiting for the hub's confirmation"):
        rows = db.session.execute(
            select(Order, Workspace, User)
            .join(Workspace, Workspace.id == Order.tenant_id)
            .outerjoin(User, User.id == Order.payment_recorded_by_id)
            .where(
                Order.payment_mode == PaymentMode.INVOICE,
                Order.status.in_(
                    [OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED]
                ),
                Order.total_pence > 0,
                Order.receipt_confirmed_at.is_(None),
                Workspace.is_hub.is_(False),
            )
            .order_by(Order.paid_at, Order.id)
            .limit(limit)
        ).all()
    return [(order, workspace, user) for order, workspace, user in rows]


def recorded_by(order: Order) -> tuple[User | None, User | None]:
    """Who recorded the payment and who confirmed it (for the order page)."""
    ids = [order.payment_recorded_by_id, order.receipt_confirmed_by_id]
    found = {
        user.id: user
        for user in db.session.scalars(select(User).where(User.id.in_([i for i in ids if i])))
    }
    return found.get(ids[0]), found.get(ids[1])
