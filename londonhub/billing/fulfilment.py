"""Fulfilment handlers: how billing tells a feature that its sale settled, lapsed or was refunded.

Billing never imports a feature; each feature registers a handler for its order kind.
Handlers run inside the order's workspace context and the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Order


def _nothing(order: Order, *args: object) -> None:
    return None


def _full(order: Order) -> int:
    return order.refundable_pence


@dataclass(frozen=True)
class FulfilmentHandler:
    on_paid: Callable[[Order], None] = _nothing
    #: Invoice mode: an invoice was issued and the order is provisionally confirmed until it
    #: is paid (or the seller cancels it): stop any timer on what it holds.
    on_invoiced: Callable[[Order], None] = _nothing
    #: The order lapsed or was cancelled before payment: release what it held.
    on_cancelled: Callable[[Order], None] = _nothing
    #: Money went back: (order, amount_pence, fully_refunded).
    on_refunded: Callable[[Order, int, bool], None] = _nothing
    #: How much the seller may refund now, under its cancellation policy.
    refundable_now: Callable[[Order], int] = _full


_HANDLERS: dict[str, FulfilmentHandler] = {}


def register_fulfilment(kind: str, handler: FulfilmentHandler) -> None:
    _HANDLERS[kind] = handler


def handler_for(kind: str) -> FulfilmentHandler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no fulfilment handler registered for order kind {kind!r}") from None
