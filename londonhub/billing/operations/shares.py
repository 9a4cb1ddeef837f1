"""Shares of a hub sale earned later: the hub sold something up front (a corporate package)
and a workspace earns its share when it delivers (a placement confirmed). The share moves
from the hub's balance to the workspace's: a Stripe Connect transfer when the workspace has a
connected account and the order was paid through Stripe, otherwise a balance the hub holds
for it. Booked once per `reference`, however often it is asked."""

from __future__ import annotations

import logging

import stripe
from sqlalchemy import and_, or_, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context

from .. import gateway
from ..models import LedgerEntry, LedgerKind, Order, PaymentMode
from .errors import BillingError
from .ledger import _book, _destination
from .orders import hub_workspace

log = logging.getLogger(__name__)


def pay_share(
    order: Order, workspace: Workspace, amount_pence: int, reference: str, description: str
) -> LedgerEntry | None:
    """Pass `amount_pence` of the hub's paid `order` to `workspace`; the entry booked for the
    workspace (None when nothing is owed, or it was booked before under `reference`)."""
    hub = hub_workspace()
    if order.tenant_id != hub.id:
        raise BillingError("Only the hub's own sales are shared this way")
    if not order.is_settled:
        raise BillingError(f"Order {order.id} is not paid: nothing to share yet")
    if amount_pence <= 0:
        return None
    source = f"share:{reference}"
    held = True
    destination = _destination(workspace)
    if destination and order.payment_mode == PaymentMode.STRIPE:
        params: dict = {
            "amount": amount_pence,
            "currency": order.currency,
            "destination": destination,
            "transfer_group": order.transfer_group,
            "metadata": {"order_id": str(order.id), "reference": reference},
        }
        if order.stripe_charge_id:
            params["source_transaction"] = order.stripe_charge_id
        try:
            transfer = gateway.client().v1.transfers.create(
                params, options={"idempotency_key": source}
            )
        except stripe.StripeError as exc:
            log.warning("Transfer for %s failed: %s", reference, exc)
            raise BillingError(
                "We could not reach the payment service to pay the workspace its share. "
                "Nothing has changed: please try again in a minute."
            ) from exc
        source = transfer["id"]
        held = False
    _book(
        hub.id,
        order,
        LedgerKind.TRANSFER,
        -amount_pence,
        source,
        held=True,
        description=f"Share of order {order.id} for {workspace.name}: {description}",
    )
    if not _book(
        workspace.id,
        order,
        LedgerKind.TRANSFER,
        amount_pence,
        source,
        held=held,
        description=f"Share of hub order {order.id}: {description}",
    ):
        return None
    with tenant_context(workspace.id):
        return db.session.scalar(
            select(LedgerEntry).where(
                LedgerEntry.kind == LedgerKind.TRANSFER, LedgerEntry.source_id == source
            )
        )


def order_ledger(order: Order) -> list[tuple[Workspace, LedgerEntry]]:
    """Every ledger entry of one hub order, in every workspace it touched: the charge, the
    hub's fee, each share passed on, refunds (where one sale's money went)."""
    with hub_scope("where one hub order's money went"):
        rows = db.session.execute(
            select(Workspace, LedgerEntry)
            .join(Workspace, Workspace.id == LedgerEntry.tenant_id)
            .where(
                or_(
                    and_(
                        LedgerEntry.order_id == order.id,
                        LedgerEntry.tenant_id == order.tenant_id,
                    ),
                    LedgerEntry.description.like(f"Share of hub order {order.id}:%"),
                )
            )
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        ).all()
    return [(ws, entry) for ws, entry in rows]
