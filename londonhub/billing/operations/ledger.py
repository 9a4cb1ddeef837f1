"""The ledger: settling a paid order (booking the sale, the hub's fee and shares once each),
receipts, balances as sums of ledger rows, payouts of held balances."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, g, has_request_context, url_for
from sqlalchemy import ColumnElement, Select, and_, case, func, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import (
    Workspace,
    hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import utcnow

from .. import gateway
from ..fulfilment import handler_for
from ..models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMode,
)
from .errors import BillingError, NotAllowed
from .events import order_paid
from .orders import _transition, hub_workspace, order_lines, platform_fee


def _destination(seller: Workspace) -> str | None:
    if seller.is_hub or not seller.stripe_account_id or not seller.stripe_charges_enabled:
        return None
    return seller.stripe_account_id


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
    order_paid(seller, order)
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
    #: Of `held`, money from invoice orders the hub has not yet confirmed it received.
    unconfirmed: int = 0

    @property
    def payable(self) -> int:
        """What the hub may pay out now: held money it has seen arrive."""
        return max(0, self.held - max(0, self.unconfirmed))


def _held() -> ColumnElement[int]:
    return func.coalesce(
        func.sum(case((LedgerEntry.held_by_hub.is_(True), LedgerEntry.amount_pence), else_=0)), 0
    )


def _unconfirmed() -> ColumnElement[int]:
    """Held pence from invoice orders whose payment the hub has not confirmed (the query
    outer-joins each entry's order)."""
    return func.coalesce(
        func.sum(
            case(
                (
                    and_(
                        LedgerEntry.held_by_hub.is_(True),
                        Order.payment_mode == PaymentMode.INVOICE,
                        Order.receipt_confirmed_at.is_(None),
                    ),
                    LedgerEntry.amount_pence,
                ),
                else_=0,
            )
        ),
        0,
    )


def _with_orders(query: Select) -> Select:
    return query.select_from(LedgerEntry).outerjoin(
        Order, and_(Order.tenant_id == LedgerEntry.tenant_id, Order.id == LedgerEntry.order_id)
    )


def balance(workspace: Workspace) -> Balance:
    """Sums of ledger rows, in one query."""
    sums = {
        kind: func.coalesce(
            func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_pence), else_=0)), 0
        )
        for kind in LedgerKind
    }
    with tenant_context(workspace.id):
        row = db.session.execute(
            _with_orders(select(*sums.values(), _held(), _unconfirmed()))
        ).one()
    values = dict(zip(list(sums), row[:-2], strict=True))
    return Balance(
        sales=values[LedgerKind.CHARGE],
        fees=values[LedgerKind.PLATFORM_FEE] + values[LedgerKind.FEE_REFUND],
        refunds=values[LedgerKind.REFUND],
        transfers=values[LedgerKind.TRANSFER],
        disputes=values[LedgerKind.DISPUTE],
        payouts=values[LedgerKind.PAYOUT],
        held=row[-2],
        unconfirmed=row[-1],
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
    owed = balance(workspace)
    if amount_pence <= 0:
        raise BillingError("Enter an amount of at least 1p", "amount")
    if amount_pence > owed.payable:
        waiting = (
            f", of which {format_pence(owed.unconfirmed)} is from invoice payments the hub "
            "has not yet confirmed arrived"
            if owed.unconfirmed > 0
            else ""
        )
        raise BillingError(
            f"{workspace.name} is owed {format_pence(owed.held)}{waiting}: pay out at most "
            f"{format_pence(owed.payable)}",
            "amount",
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


@dataclass(frozen=True)
class WorkspaceBalance:
    workspace: Workspace
    sales: int
    held: int
    entries: int
    unconfirmed: int = 0

    @property
    def payable(self) -> int:
        return max(0, self.held - max(0, self.unconfirmed))


def all_balances() -> list[WorkspaceBalance]:
    """Every workspace's sales and held balance, in one grouped query (hub admins)."""
    sales = func.coalesce(
        func.sum(case((LedgerEntry.kind == LedgerKind.CHARGE, LedgerEntry.amount_pence), else_=0)),
        0,
    )
    with hub_scope("London-wide balances"):
        rows = db.session.execute(
            _with_orders(
                select(
                    LedgerEntry.tenant_id, sales, _held(), func.count(), _unconfirmed()
                ).group_by(LedgerEntry.tenant_id)
            )
        ).all()
    sums = {row[0]: tuple(row[1:]) for row in rows}
    workspaces = db.session.scalars(
        select(Workspace).order_by(Workspace.is_hub.desc(), Workspace.borough)
    ).all()
    return [WorkspaceBalance(ws, *sums.get(ws.id, (0, 0, 0, 0))) for ws in workspaces]
