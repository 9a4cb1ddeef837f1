"""Billing's domain events (core.events), emitted for the seller's workspace when an order is
paid or refunded. Amounts in pence; no buyer email or card detail."""

from __future__ import annotations

from londonhub.platform.core.events import emit, register_event_type, timestamp
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import utcnow

from ..models import Order

_FIELDS = {
    "order_id": "the order",
    "kind": "what was sold (room_booking, consultancy, corporate_package, ...)",
    "reference": "the selling area's own reference (a booking reference, say)",
    "description": "what the order is for",
    "currency": "always gbp",
    "total_pence": "the order's total in pence",
    "platform_fee_pence": "the hub's fee on it in pence",
    "refunded_pence": "refunded so far in pence",
    "status": "the order's status after the change",
}


def register() -> None:
    register_event_type(
        "order.paid",
        "An order to this workspace is paid (by card, or an invoice marked paid).",
        {**_FIELDS, "paid_at": "when it was paid"},
    )
    register_event_type(
        "order.refunded",
        "Money of an order to this workspace is refunded, in full or in part.",
        {
            **_FIELDS,
            "amount_pence": "this refund in pence",
            "full": "true when the whole order is now refunded",
            "refunded_at": "when the refund was booked",
        },
    )


def _data(order: Order) -> dict:
    return {
        "order_id": order.id,
        "kind": order.kind,
        "reference": order.fulfilment_ref,
        "description": order.description,
        "currency": order.currency,
        "total_pence": order.total_pence,
        "platform_fee_pence": order.platform_fee_pence,
        "refunded_pence": order.refunded_pence,
        "status": order.status.value,
    }


def order_paid(seller: Workspace, order: Order) -> None:
    emit(seller, "order.paid", {**_data(order), "paid_at": timestamp(order.paid_at)})


def order_refunded(seller: Workspace, order: Order, amount: int, full: bool) -> None:
    emit(
        seller,
        "order.refunded",
        {
            **_data(order),
            "amount_pence": amount,
            "full": full,
            "refunded_at": timestamp(utcnow()),
        },
    )
