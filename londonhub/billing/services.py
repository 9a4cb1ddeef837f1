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
from .document_models import BillingSettings, CreditNote, Invoice
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
from .operations.documents import (
    InvoiceNotFound,
    credit_note_label,
    credit_notes_of,
    get_buyer_credit_note,
    get_buyer_invoice,
    get_seller_credit_note,
    get_seller_invoice,
    invoice_for_order,
    invoice_label,
    invoice_of_note,
    list_invoices,
    normalise_vat_number,
    order_of_invoice,
    save_settings,
    settings_for,
)
from .operations.errors import BillingError, InvalidWebhook, NotAllowed, OrderNotFound
from .operations.followup import cancel_and_release, extend, keep, overdue_invoices, remind_due
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
    seller_orders_after,
)
from .operations.refunds import (
    perform_refund,
    refundable_now,
    request_buyer_refund,
    request_refund,
)
from .operations.shares import order_ledger, pay_share
from .operations.webhooks import (
    due_unpaid_orders,
    expire_order,
    list_events,
    process_event,
    receive_webhook,
)


def invoice_due_days(seller: Workspace) -> int | None:
    """In invoice mode, the days the seller gives to pay (for quotes); None when buyers pay
    by card."""
    if gateway.stripe_enabled():
        return None
    return settings_for(seller).due_days


__all__ = [
    "HUB_SLUG",
    "BillingSettings",
    "CreditNote",
    "Invoice",
    "InvoiceNotFound",
    "cancel_and_release",
    "credit_note_label",
    "credit_notes_of",
    "extend",
    "get_buyer_credit_note",
    "get_buyer_invoice",
    "get_seller_credit_note",
    "get_seller_invoice",
    "invoice_due_days",
    "invoice_for_order",
    "invoice_label",
    "invoice_of_note",
    "keep",
    "list_invoices",
    "normalise_vat_number",
    "order_of_invoice",
    "overdue_invoices",
    "remind_due",
    "save_settings",
    "settings_for",
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
    "order_ledger",
    "order_lines",
    "pay_share",
    "perform_refund",
    "platform_fee",
    "seller_orders_after",
    "process_event",
    "receive_webhook",
    "record_payout",
    "recorded_by",
    "refundable_now",
    "request_buyer_refund",
    "request_refund",
    "send_receipt",
]
