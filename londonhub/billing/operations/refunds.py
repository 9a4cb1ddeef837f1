"""Refunds: asking for one (a row before Stripe hears of it), performing it, booking it once,
and taking back workspaces' shares of hub sales in proportion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import stripe
from sqlalchemy import func, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import (
    Workspace,
    tenant_context,
)

from .. import gateway
from ..fulfilment import handler_for
from ..models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMode,
    Refund,
    RefundStatus,
)
from .documents import issue_credit_note
from .errors import BillingError, OrderNotFound
from .events import order_refunded
from .ledger import _book
from .orders import (
    _require_seller_admin,
    _transition,
    get_seller_order,
    hub_workspace,
    lock_order,
    platform_fee,
)

log = logging.getLogger(__name__)

# --- refunds -----------------------------------------------------------------------------------


def refunds_in_flight(order: Order) -> int:
    """Pence asked for or sent back that `order.refunded_pence` does not show yet: refund rows
    still requested (Stripe may be working on them), and rows that succeeded whose booking is
    still to come (Stripe's `charge.refunded` books those). Read under the order's lock, this is
    what stops two refunds of the same money."""
    with tenant_context(order.tenant_id):
        rows = db.session.execute(
            select(Refund.id, Refund.amount_pence, Refund.status, Refund.stripe_refund_id).where(
                Refund.order_id == order.id,
                Refund.status.in_([RefundStatus.REQUESTED, RefundStatus.SUCCEEDED]),
            )
        ).all()
        if not rows:
            return 0
        booked = set(
            db.session.scalars(
                select(LedgerEntry.source_id).where(
                    LedgerEntry.order_id == order.id, LedgerEntry.kind == LedgerKind.REFUND
                )
            )
        )
    return sum(
        row.amount_pence
        for row in rows
        if row.status == RefundStatus.REQUESTED
        or (row.stripe_refund_id or f"refund:{row.id}") not in booked
    )


def refundable_now(order: Order) -> int:
    """What may be refunded now: the seller's policy, less what is refunded or on its way."""
    if not order.is_settled or order.status == OrderStatus.REFUNDED:
        return 0
    allowed = min(order.refundable_pence, handler_for(order.kind).refundable_now(order))
    return max(0, allowed - refunds_in_flight(order))


def _refusal(order: Order) -> BillingError:
    taken = order.refunded_pence + refunds_in_flight(order)
    if order.is_settled and taken > 0:
        return BillingError(
            f"This order cannot be refunded any further now: {format_pence(taken)} of "
            f"{format_pence(order.total_pence)} is refunded or on its way back",
            "amount",
        )
    return BillingError("This order cannot be refunded under the cancellation policy", "amount")


def request_refund(
    actor: User, seller: Workspace, order_id: int, amount_pence: int, reason: str = ""
) -> Refund:
    """Step one: record the refund asked for (commit it before calling Stripe).

    The order stays locked until the caller commits, so the check against refunds already
    made or on their way and the new row are one step: concurrent requests cannot together
    refund more than was paid."""
    _require_seller_admin(actor, seller)
    order = get_seller_order(seller, order_id, lock=True)
    allowed = refundable_now(order)
    if allowed <= 0:
        raise _refusal(order)
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
    # Lock (and re-read) it here, whatever the caller did: two cancellations at once must
    # not both be offered the same money.
    order = lock_order(order.tenant_id, order.id)
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
    order_refunded(seller, order, amount, full)
    issue_credit_note(order, amount, source, note)
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
