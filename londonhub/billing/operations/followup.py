"""After an invoice is issued: both sides told, a reminder before the due date, the seller told
when it passes, and the seller's decision then (extend, keep waiting, or cancel and release).
Nothing happens to an unpaid invoice by itself: what it holds stays held until the seller
decides or the buyer pays.

Jobs are idempotent (each checks, under the invoice's row lock, that its email was not sent
and the invoice is still unpaid), scheduled for their day where RQ has a scheduler, and swept
by `flask billing remind-due` (the way they happen without one).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User
from londonhub.platform.core.jobs import enqueue, enqueue_at, job
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.core.urls import public_url

from ..document_models import DEFAULT_REMINDER_DAYS, BillingSettings, Invoice, OverdueDecision
from ..models import Order, OrderEvent, OrderStatus
from .documents import (
    LONDON,
    get_seller_invoice,
    invoice_label,
    issue_credit_note,
    london_today,
    order_of_invoice,
    settings_for,
)
from .errors import BillingError
from .orders import _require_seller_admin, cancel_unpaid, lock_order

REMIND_AT = time(9, 0)  # reminders and overdue notices go out at 09:00 London time


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, REMIND_AT, tzinfo=LONDON)


def seller_recipients(seller: Workspace) -> list[str]:
    """Who hears about the seller's invoices: its contact address, else its owners and admins."""
    if seller.contact_email:
        return [seller.contact_email]
    return list(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.workspace_id == seller.id,
                Membership.role.in_([Role.OWNER, Role.ADMIN]),
            )
            .order_by(User.email)
        )
    )


def reminder_day(invoice: Invoice, reminder_days: int) -> date | None:
    """The day the buyer is reminded, or None (no reminder set, or none fits after issue)."""
    if not reminder_days:
        return None
    day = invoice.due_on - timedelta(days=reminder_days)
    return day if day > invoice.issued_on else None


def _summary(invoice: Invoice, order: Order) -> str:
    return (
        f"Invoice {invoice_label(invoice.number)} from {invoice.seller_name}\n"
        f"For: {order.description}\n"
        f"Amount due: {format_pence(invoice.total_pence)}\n"
        f"Due by: {invoice.due_on:%-d %B %Y}\n\n"
        f"How to pay:\n{invoice.payment_instructions}\n"
    )


def announce(invoice: Invoice, order: Order, seller: Workspace) -> None:
    """Tell the buyer (the invoice, and that the order is provisionally confirmed) and the
    seller (a new invoice to watch for); schedule the reminder and the overdue notice."""
    buyer_link = public_url("billing.buyer_invoice", invoice_id=invoice.id)
    send_email(
        invoice.buyer_email,
        f"Provisionally confirmed: invoice {invoice_label(invoice.number)} from "
        f"{invoice.seller_name}",
        f"Hello {invoice.buyer_name},\n\n{order.description} is provisionally confirmed. It is "
        f"yours once {invoice.seller_name} receives your payment.\n\n"
        f"{_summary(invoice, order)}\n"
        f"See the invoice or download it as a PDF: {buyer_link}\n",
    )
    seller_link = public_url("billing_admin.invoice", slug=seller.slug, invoice_id=invoice.id)
    for address in seller_recipients(seller):
        send_email(
            address,
            f"New invoice {invoice_label(invoice.number)}: {order.description}",
            f"{invoice.buyer_name} ({invoice.buyer_email}) booked {order.description}, on "
            f"invoice.\n\n{_summary(invoice, order)}\n"
            f"It is provisionally confirmed. Mark it paid when the money arrives: "
            f"{seller_link}\n",
        )
    settings = settings_for(seller)
    with tenant_context(seller.id):
        day = reminder_day(invoice, settings.reminder_days)
        if day is not None:
            enqueue_at(_at_nine(day), send_reminder, invoice.id)
        enqueue_at(_at_nine(invoice.due_on + timedelta(days=1)), notify_overdue, invoice.id)


def _unpaid(order: Order) -> bool:
    return order.status == OrderStatus.AWAITING_PAYMENT


@job
def send_reminder(invoice_id: int) -> str:
    """Remind the buyer before the due date (once per due date; never once it is paid)."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
    if invoice is None:
        return "no such invoice"
    order = order_of_invoice(invoice)
    if not _unpaid(order):
        return f"order {order.status.value}"
    if invoice.reminder_sent_at is not None:
        return "reminded already"
    settings = settings_for(db.session.get(Workspace, invoice.tenant_id))
    day = reminder_day(invoice, settings.reminder_days)
    if day is None or london_today() < day:
        return "not due"
    invoice.reminder_sent_at = utcnow()
    send_email(
        invoice.buyer_email,
        f"Reminder: invoice {invoice_label(invoice.number)} is due on {invoice.due_on:%-d %B %Y}",
        f"Hello {invoice.buyer_name},\n\nA reminder that this invoice is due soon.\n\n"
        f"{_summary(invoice, order)}\n"
        f"See it at {public_url('billing.buyer_invoice', invoice_id=invoice.id)}\n"
        "If you have paid already, thank you: please ignore this email.\n",
    )
    _note(invoice, order, "Reminder sent to the buyer")
    return "reminded"


@job
def notify_overdue(invoice_id: int) -> str:
    """Tell the seller an invoice passed its due date unpaid, and that it is theirs to decide
    (once per due date). Nothing else changes."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
    if invoice is None:
        return "no such invoice"
    order = order_of_invoice(invoice)
    if not _unpaid(order):
        return f"order {order.status.value}"
    if invoice.overdue_notified_at is not None or invoice.decision == OverdueDecision.KEPT:
        return "told already"
    if london_today() <= invoice.due_on:
        return "not due"
    seller = db.session.get(Workspace, invoice.tenant_id)
    invoice.overdue_notified_at = utcnow()
    link = public_url("billing_admin.invoices", slug=seller.slug)
    for address in seller_recipients(seller):
        send_email(
            address,
            f"Overdue: invoice {invoice_label(invoice.number)} ({invoice.buyer_name})",
            f"Invoice {invoice_label(invoice.number)} for {order.description} was due on "
            f"{invoice.due_on:%-d %B %Y} and is not marked paid.\n\n"
            "Nothing has been cancelled: what it booked is still held. Decide what happens "
            f"next (give more time, keep waiting, or cancel and release it): {link}\n",
        )
    _note(invoice, order, "Overdue: the seller was asked to decide")
    return "told"


def _note(invoice: Invoice, order: Order, note: str, actor: User | None = None) -> None:
    db.session.add(
        OrderEvent(
            tenant_id=invoice.tenant_id,
            order_id=order.id,
            from_status=order.status.value,
            to_status=order.status.value,
            note=f"Invoice {invoice_label(invoice.number)}: {note}"[:300],
            actor_id=actor.id if actor else None,
        )
    )
    db.session.flush()


def due_followups(limit: int = 500) -> list[tuple[str, int, int]]:
    """(job, invoice id, workspace id) for every unpaid invoice whose reminder or overdue
    notice may be due, across the hub; the jobs themselves check the day and their guards."""
    today = london_today()
    overdue = and_(
        Invoice.due_on < today,
        Invoice.overdue_notified_at.is_(None),
        or_(Invoice.decision.is_(None), Invoice.decision != OverdueDecision.KEPT),
    )
    reminder = and_(
        Invoice.due_on >= today,
        Invoice.due_on <= today + timedelta(days=30),
        Invoice.reminder_sent_at.is_(None),
    )
    with hub_scope("invoices whose reminder or overdue notice may be due", audit=False):
        rows = db.session.execute(
            select(Invoice, BillingSettings.reminder_days)
            .join(Order, (Order.tenant_id == Invoice.tenant_id) & (Order.id == Invoice.order_id))
            .outerjoin(BillingSettings, BillingSettings.tenant_id == Invoice.tenant_id)
            .where(Order.status == OrderStatus.AWAITING_PAYMENT, or_(overdue, reminder))
            .order_by(Invoice.due_on)
            .limit(limit)
        ).all()
    found = []
    for invoice, reminder_days in rows:
        if invoice.due_on < today:
            found.append(("overdue", invoice.id, invoice.tenant_id))
            continue
        days = DEFAULT_REMINDER_DAYS if reminder_days is None else reminder_days
        day = reminder_day(invoice, days)
        if day is not None and day <= today:
            found.append(("reminder", invoice.id, invoice.tenant_id))
    return found


@job
def remind_due() -> int:
    """The sweep: queue every reminder and overdue notice that may be due."""
    jobs = {"reminder": send_reminder, "overdue": notify_overdue}
    count = 0
    for kind, invoice_id, tenant_id in due_followups():
        with tenant_context(tenant_id):
            enqueue(jobs[kind], invoice_id)
        count += 1
    return count


# --- the seller decides ------------------------------------------------------------------------


def _open_invoice(actor: User, seller: Workspace, invoice_id: int) -> tuple[Invoice, Order]:
    _require_seller_admin(actor, seller)
    invoice = get_seller_invoice(seller, invoice_id)
    order = lock_order(seller.id, invoice.order_id)
    invoice = get_seller_invoice(seller, invoice_id, lock=True)
    if not _unpaid(order):
        raise BillingError(
            f"Invoice {invoice_label(invoice.number)} is {order.status.label.lower()}: there is "
            "nothing to decide"
        )
    return invoice, order


def _decided(invoice: Invoice, decision: str, actor: User) -> None:
    invoice.decision = decision
    invoice.decided_at = utcnow()
    invoice.decided_by_id = actor.id


def extend(actor: User, seller: Workspace, invoice_id: int, new_due: date | None) -> Invoice:
    """More time to pay: a new due date (after today), a fresh reminder and overdue notice,
    and the buyer told."""
    invoice, order = _open_invoice(actor, seller, invoice_id)
    if new_due is None:
        raise BillingError("Enter the new due date, like 2026-12-31", "due_on")
    if new_due <= london_today():
        raise BillingError("The new due date must be after today", "due_on")
    if new_due > london_today() + timedelta(days=365):
        raise BillingError("The new due date must be within a year", "due_on")
    with tenant_context(seller.id):
        old = invoice.due_on
        invoice.due_on = new_due
        invoice.reminder_sent_at = None
        invoice.overdue_notified_at = None
        _decided(invoice, OverdueDecision.EXTENDED, actor)
        _note(invoice, order, f"Due date moved from {old:%d %b %Y} to {new_due:%d %b %Y}", actor)
        send_email(
            invoice.buyer_email,
            f"More time to pay invoice {invoice_label(invoice.number)}",
            f"Hello {invoice.buyer_name},\n\n{invoice.seller_name} has moved the due date of "
            f"invoice {invoice_label(invoice.number)} to {new_due:%-d %B %Y}.\n\n"
            f"{_summary(invoice, order)}\n"
            f"See it at {public_url('billing.buyer_invoice', invoice_id=invoice.id)}\n",
        )
        enqueue_at(_at_nine(new_due + timedelta(days=1)), notify_overdue, invoice.id)
    record(
        "billing.invoice_extended",
        f"Moved invoice {invoice_label(invoice.number)} due date to {new_due:%d %b %Y}",
        workspace=seller,
        actor=actor,
        invoice_id=invoice.id,
        due_on=new_due.isoformat(),
    )
    return invoice


def keep(actor: User, seller: Workspace, invoice_id: int) -> Invoice:
    """Keep waiting for payment: the booking stands, no further overdue notices."""
    invoice, order = _open_invoice(actor, seller, invoice_id)
    with tenant_context(seller.id):
        _decided(invoice, OverdueDecision.KEPT, actor)
        _note(invoice, order, "Kept: the seller waits for payment, the order stands", actor)
    record(
        "billing.invoice_kept",
        f"Kept waiting for invoice {invoice_label(invoice.number)}",
        workspace=seller,
        actor=actor,
        invoice_id=invoice.id,
    )
    return invoice


def cancel_and_release(actor: User, seller: Workspace, invoice_id: int) -> Invoice:
    """Cancel the unpaid order, release what it held (the feature's handler), issue a credit
    note for the whole invoice, and tell the buyer."""
    invoice, order = _open_invoice(actor, seller, invoice_id)
    label = invoice_label(invoice.number)
    cancel_unpaid(order, f"Invoice {label} not paid: cancelled by the seller", actor=actor)
    note = issue_credit_note(order, invoice.total_pence, f"cancel:{order.id}", f"{label} cancelled")
    with tenant_context(seller.id):
        _decided(invoice, OverdueDecision.CANCELLED, actor)
        db.session.flush()
        send_email(
            invoice.buyer_email,
            f"Cancelled: {order.description}",
            f"Hello {invoice.buyer_name},\n\n{invoice.seller_name} has cancelled "
            f"{order.description} because invoice {label} was not paid. What it booked is "
            "released. You owe nothing on this invoice: a credit note cancels it.\n\n"
            f"See it at {public_url('billing.buyer_invoice', invoice_id=invoice.id)}\n",
        )
    record(
        "billing.invoice_cancelled",
        f"Cancelled invoice {label} ({format_pence(invoice.total_pence)}) and released its order",
        workspace=seller,
        actor=actor,
        invoice_id=invoice.id,
        credit_note_id=note.id if note else None,
    )
    return invoice


def overdue_invoices(seller: Workspace) -> list[tuple[Invoice, Order]]:
    """Unpaid invoices past their due date, oldest first: undecided ones before kept ones."""
    with tenant_context(seller.id):
        rows = db.session.execute(
            select(Invoice, Order)
            .join(Order, (Order.tenant_id == Invoice.tenant_id) & (Order.id == Invoice.order_id))
            .where(Order.status == OrderStatus.AWAITING_PAYMENT, Invoice.due_on < london_today())
            .order_by(Invoice.due_on, Invoice.number)
        ).all()
    pairs = [(invoice, order) for invoice, order in rows]
    return sorted(pairs, key=lambda pair: pair[0].decision == OverdueDecision.KEPT)
