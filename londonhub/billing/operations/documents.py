"""Invoices and credit notes as documents: a seller's settings, gap-free numbers, issuing, and
reading them (the seller's own, or the buyer's own).

Numbers: each seller has two series, invoices (INV-00001, ...) and credit notes (CN-00001,
...), each counted on the seller's settings row. A number is taken by one UPDATE of that row
in the transaction that writes the document: PostgreSQL's row lock makes a second request
wait until the first commits (then it reads the new count), and a rollback returns the
number with everything else, so no number is skipped or used twice. Credit notes have their
own series so that an invoice number always names an invoice, and the invoice series stays
one unbroken run a reader (or HMRC) can check without knowing about refunds.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import LONDON, in_london, utcnow

from ..document_models import (
    DEFAULT_DUE_DAYS,
    DEFAULT_REMINDER_DAYS,
    VAT_RATES,
    BillingSettings,
    CreditNote,
    Invoice,
)
from ..models import Order, OrderEvent
from .errors import BillingError, OrderNotFound
from .orders import _require_seller_admin

__all__ = ["LONDON", "london_today"]


def london_date(moment: datetime) -> date:
    return in_london(moment).date()


def london_today() -> date:
    """Today in London, on this module's clock (tests move it to see a due date pass)."""
    return london_date(utcnow())


def invoice_label(number: int) -> str:
    return f"INV-{number:05d}"


def credit_note_label(number: int) -> str:
    return f"CN-{number:05d}"


# --- settings ----------------------------------------------------------------------------------


def _ensure_settings(tenant_id: int) -> None:
    """The seller's settings row, made once even when two first invoices race for it."""
    dialect = db.session.get_bind().dialect.name
    values = {"tenant_id": tenant_id}
    if dialect == "postgresql":
        statement = pg_insert(BillingSettings).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(BillingSettings).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the app runs on PostgreSQL or SQLite
        statement = insert(BillingSettings).values(**values)
    db.session.execute(statement)


def settings_for(seller: Workspace, *, for_update: bool = False) -> BillingSettings:
    """The seller's billing settings. Read-only callers get the defaults, unsaved, when the
    seller has none yet (a page view writes nothing); `for_update` makes the row."""
    with tenant_context(seller.id):
        if for_update:
            _ensure_settings(seller.id)
        found = db.session.scalar(select(BillingSettings))
    if found is None:
        found = BillingSettings(
            tenant_id=seller.id,
            address="",
            vat_registered=False,
            vat_number=None,
            vat_rate_percent=0,
            payment_instructions="",
            due_days=DEFAULT_DUE_DAYS,
            reminder_days=DEFAULT_REMINDER_DAYS,
            next_invoice_number=1,
            next_credit_note_number=1,
        )
    return found


def normalise_vat_number(text: str) -> str:
    """'GB 123 4567 82' -> 'GB123456782'; BillingError unless it is a UK VAT number that passes
    HMRC's check digits (9 digits, or 12 for a branch)."""
    cleaned = re.sub(r"[\s.-]", "", (text or "").upper())
    cleaned = cleaned.removeprefix("GB")
    if not re.fullmatch(r"\d{9}(\d{3})?", cleaned):
        raise BillingError(
            "Enter a UK VAT number: GB followed by 9 digits, like GB 123 4567 82", "vat_number"
        )
    digits = [int(c) for c in cleaned[:9]]
    total = sum(d * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
    total += digits[7] * 10 + digits[8]
    if total % 97 and (total + 55) % 97:
        raise BillingError(
            "That VAT number's check digits do not match: check it against your VAT certificate",
            "vat_number",
        )
    return "GB" + cleaned


def save_settings(
    actor: User,
    seller: Workspace,
    *,
    address: str,
    vat_registered: bool,
    vat_number: str,
    vat_rate_percent: int,
    payment_instructions: str,
    due_days: int,
    reminder_days: int,
) -> BillingSettings:
    """An admin sets what the seller's invoices say and when they fall due. Invoices already
    issued keep what they said."""
    _require_seller_admin(actor, seller)
    address = (address or "").strip()
    if not address:
        raise BillingError("Enter the address to print on your invoices", "address")
    if not 1 <= due_days <= 90:
        raise BillingError("Give between 1 and 90 days to pay", "due_days")
    if not 0 <= reminder_days <= 30 or (reminder_days and reminder_days >= due_days):
        raise BillingError(
            "Send the reminder between 0 and 30 days before the due date, and fewer days than "
            "the time to pay",
            "reminder_days",
        )
    number = None
    if vat_registered:
        number = normalise_vat_number(vat_number)
        if vat_rate_percent not in VAT_RATES:
            raise BillingError("Choose a VAT rate of 0%, 5% or 20%", "vat_rate_percent")
    if not (payment_instructions or "").strip():
        raise BillingError(
            "Say how to pay: for example your bank's sort code and account number",
            "payment_instructions",
        )
    settings = settings_for(seller, for_update=True)
    with tenant_context(seller.id):
        settings.address = address[:1000]
        settings.vat_registered = bool(vat_registered)
        settings.vat_number = number
        settings.vat_rate_percent = vat_rate_percent if vat_registered else 0
        settings.payment_instructions = payment_instructions.strip()[:2000]
        settings.due_days = due_days
        settings.reminder_days = reminder_days
        settings.updated_at = utcnow()
        db.session.flush()
    record(
        "billing.settings",
        f"Changed the invoice settings of {seller.name}",
        workspace=seller,
        actor=actor,
        vat_registered=bool(vat_registered),
        due_days=due_days,
    )
    return settings


# --- numbers -----------------------------------------------------------------------------------


def _take_number(tenant_id: int, counter: str) -> int:
    """The next number of the seller's series (`next_invoice_number` or
    `next_credit_note_number`), taken under the settings row's lock until commit."""
    column = getattr(BillingSettings, counter)
    with tenant_context(tenant_id):
        _ensure_settings(tenant_id)
        taken = db.session.execute(
            update(BillingSettings)
            .values({counter: column + 1})
            .returning(column)
            .execution_options(synchronize_session=False)
        ).scalar_one()
    return taken - 1


def vat_included(total_pence: int, rate_percent: int) -> int:
    """The VAT inside a VAT-inclusive price, rounded to the nearest penny."""
    if not rate_percent:
        return 0
    return total_pence - round(total_pence * 100 / (100 + rate_percent))


# --- issuing -----------------------------------------------------------------------------------


def due_date(settings: BillingSettings, due_before: datetime | None) -> date:
    """The seller's time to pay, or the day before the service starts if that is sooner;
    never before today."""
    today = london_today()
    due = today + timedelta(days=settings.due_days)
    if due_before is not None:
        due = min(due, london_date(due_before) - timedelta(days=1))
    return max(due, today)


def issue_invoice(order: Order, seller: Workspace, *, due_before: datetime | None) -> Invoice:
    """The invoice for an order taken in invoice mode: numbered, dated, with the seller's
    details and how to pay as they are today."""
    settings = settings_for(seller)
    with tenant_context(seller.id):
        number = _take_number(seller.id, "next_invoice_number")
        invoice = Invoice(
            order_id=order.id,
            number=number,
            issued_on=london_today(),
            due_on=due_date(settings, due_before),
            seller_name=seller.name,
            seller_address=settings.address or f"{seller.name}, {seller.borough}, London",
            vat_registered=settings.vat_registered,
            vat_number=settings.vat_number if settings.vat_registered else None,
            vat_rate_percent=settings.vat_rate_percent if settings.vat_registered else 0,
            vat_pence=vat_included(order.total_pence, settings.vat_rate_percent)
            if settings.vat_registered
            else 0,
            total_pence=order.total_pence,
            payment_instructions=settings.payment_instructions
            or _fallback_instructions(seller, number),
            buyer_name=order.buyer_name,
            buyer_email=order.buyer_email,
            buyer_organisation=order.buyer_organisation,
        )
        db.session.add(invoice)
        db.session.flush()
        db.session.add(
            OrderEvent(
                tenant_id=seller.id,
                order_id=order.id,
                from_status=order.status.value,
                to_status=order.status.value,
                note=f"Invoice {invoice_label(number)} issued, due {invoice.due_on:%d %b %Y}: "
                "provisionally confirmed until it is paid",
            )
        )
        db.session.flush()
    return invoice


def _fallback_instructions(seller: Workspace, number: int) -> str:
    contact = f" at {seller.contact_email}" if seller.contact_email else ""
    return f"Contact {seller.name}{contact} to arrange payment, quoting {invoice_label(number)}."


def issue_credit_note(
    order: Order, amount_pence: int, source: str, reason: str
) -> CreditNote | None:
    """A credit note against the order's invoice for money refunded or an invoice cancelled;
    once per source. None when the order has no invoice (paid by card)."""
    with tenant_context(order.tenant_id):
        invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        if invoice is None or amount_pence <= 0:
            return None
        existing = db.session.scalar(select(CreditNote).where(CreditNote.source == source))
        if existing is not None:
            return existing
        number = _take_number(order.tenant_id, "next_credit_note_number")
        note = CreditNote(
            invoice_id=invoice.id,
            number=number,
            issued_on=london_today(),
            amount_pence=amount_pence,
            vat_pence=invoice.vat_pence * amount_pence // invoice.total_pence
            if invoice.total_pence
            else 0,
            reason=(reason or "Refund")[:300],
            source=source[:255],
        )
        db.session.add(note)
        db.session.flush()
    return note


# --- reading -----------------------------------------------------------------------------------


class InvoiceNotFound(OrderNotFound):
    pass


def get_seller_invoice(seller: Workspace, invoice_id: int, *, lock: bool = False) -> Invoice:
    with tenant_context(seller.id):
        query = select(Invoice).where(Invoice.id == invoice_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        invoice = db.session.scalar(query)
    if invoice is None:
        raise InvoiceNotFound("No such invoice")
    return invoice


def get_buyer_invoice(user: User, invoice_id: int) -> Invoice:
    """One of this person's own invoices, whichever workspace issued it."""
    with hub_scope("a buyer's own invoice", audit=False):
        invoice = db.session.scalar(
            select(Invoice)
            .join(Order, (Order.tenant_id == Invoice.tenant_id) & (Order.id == Invoice.order_id))
            .where(Invoice.id == invoice_id, Order.buyer_user_id == user.id)
        )
    if invoice is None:
        raise InvoiceNotFound("No such invoice")
    return invoice


def invoice_for_order(order: Order) -> Invoice | None:
    with tenant_context(order.tenant_id):
        return db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))


def order_of_invoice(invoice: Invoice) -> Order:
    with tenant_context(invoice.tenant_id):
        return db.session.scalar(select(Order).where(Order.id == invoice.order_id))


def credit_notes_of(invoice: Invoice) -> list[CreditNote]:
    with tenant_context(invoice.tenant_id):
        return list(
            db.session.scalars(
                select(CreditNote)
                .where(CreditNote.invoice_id == invoice.id)
                .order_by(CreditNote.number)
            )
        )


def get_seller_credit_note(seller: Workspace, note_id: int) -> CreditNote:
    with tenant_context(seller.id):
        note = db.session.scalar(select(CreditNote).where(CreditNote.id == note_id))
    if note is None:
        raise InvoiceNotFound("No such credit note")
    return note


def get_buyer_credit_note(user: User, note_id: int) -> CreditNote:
    with hub_scope("a buyer's own credit note", audit=False):
        note = db.session.scalar(
            select(CreditNote)
            .join(
                Invoice,
                (Invoice.tenant_id == CreditNote.tenant_id) & (Invoice.id == CreditNote.invoice_id),
            )
            .join(Order, (Order.tenant_id == Invoice.tenant_id) & (Order.id == Invoice.order_id))
            .where(CreditNote.id == note_id, Order.buyer_user_id == user.id)
        )
    if note is None:
        raise InvoiceNotFound("No such credit note")
    return note


def invoice_of_note(note: CreditNote) -> Invoice:
    with tenant_context(note.tenant_id):
        return db.session.scalar(select(Invoice).where(Invoice.id == note.invoice_id))


def list_invoices(seller: Workspace, limit: int = 200) -> list[tuple[Invoice, Order]]:
    """The seller's invoices, newest first, with their orders (one query)."""
    with tenant_context(seller.id):
        rows = db.session.execute(
            select(Invoice, Order)
            .join(Order, (Order.tenant_id == Invoice.tenant_id) & (Order.id == Invoice.order_id))
            .order_by(Invoice.number.desc())
            .limit(limit)
        ).all()
    return [(invoice, order) for invoice, order in rows]
