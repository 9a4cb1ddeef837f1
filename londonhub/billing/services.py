"""Billing's public face: the verbs other areas (and billing's views) call.

Plain functions: each names the workspace it acts in (entering its context), checks
permission first when a person acts, and flushes; the caller commits. Stripe is the only
proof of payment; every change of an order's status is recorded; money is booked once.
The code lives in `billing.operations`, one module per concern; this module only re-exports
(with the models and core names callers used to reach through it).
"""

from __future__ import annotations

from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import Workspace

from . import gateway
from .models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentMode,
    Refund,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)
from .operations.checkout import checkout_url, connect_onboarding_url, create_order
from .operations.errors import BillingError, InvalidWebhook, NotAllowed, OrderNotFound
from .operations.invoices import awaiting_confirmation, confirm_receipt, mark_paid, recorded_by
from .operations.ledger import (
    Balance,
    WorkspaceBalance,
    all_balances,
    balance,
    ledger,
    record_payout,
    send_receipt,
)
from .operations.orders import (
    HUB_SLUG,
    Line,
    cancel_unpaid,
    get_buyer_order,
    get_seller_order,
    hub_workspace,
    list_buyer_orders,
    list_orders_of_buyers,
    list_seller_orders,
    order_history,
    order_lines,
    platform_fee,
)
from .operations.refunds import (
    perform_refund,
    refundable_now,
    request_buyer_refund,
    request_refund,
)
from .operations.webhooks import (
    due_unpaid_orders,
    expire_order,
    list_events,
    process_event,
    receive_webhook,
)

__all__ = [
    "HUB_SLUG",
    "Balance",
    "BillingError",
    "InvalidWebhook",
    "Line",
    "NotAllowed",
    "OrderNotFound",
    "StripeEvent",
    "StripeEventStatus",
    "LedgerEntry",
    "LedgerKind",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "PaymentMethod",
    "PaymentMode",
    "Refund",
    "RefundStatus",
    "User",
    "Workspace",
    "WorkspaceBalance",
    "all_balances",
    "awaiting_confirmation",
    "balance",
    "cancel_unpaid",
    "checkout_url",
    "confirm_receipt",
    "connect_onboarding_url",
    "create_order",
    "due_unpaid_orders",
    "expire_order",
    "format_pence",
    "gateway",
    "get_buyer_order",
    "get_seller_order",
    "hub_workspace",
    "ledger",
    "list_buyer_orders",
    "list_events",
    "list_orders_of_buyers",
    "list_seller_orders",
    "mark_paid",
    "order_history",
    "order_lines",
    "perform_refund",
    "platform_fee",
    "process_event",
    "receive_webhook",
    "record_payout",
    "recorded_by",
    "refundable_now",
    "request_buyer_refund",
    "request_refund",
    "send_receipt",
]
