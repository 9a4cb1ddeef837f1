"""Invoice and credit note pages (and their PDFs) for the buyer and the seller, the seller's
invoice list with its overdue decisions, and the seller's invoice settings.

Routes join billing's blueprints (`views.bp` for buyers, `views.admin_bp` for workspace
admins), so the buyer sees only their own documents and a workspace only its own.
"""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace

from . import services
from .document_models import CreditNote, Invoice, OverdueDecision
from .forms import ExtendForm, InvoiceSettingsForm
from .models import Order, OrderStatus
from .operations.documents import credit_note_label, invoice_label, london_today
from .pdf import Document, DocumentLine, day, render
from .views import _writable, admin_bp, bp

# --- what a document says ----------------------------------------------------------------------


def invoice_state(invoice: Invoice, order: Order) -> str:
    """Paid, cancelled, overdue or due, in words."""
    if order.is_settled:
        when = f" on {day(order.payment_received_on)}" if order.payment_received_on else ""
        how = f" by {order.payment_method_label.lower()}" if order.payment_method else ""
        return f"Paid{when}{how}"
    if order.status == OrderStatus.CANCELLED:
        return "Cancelled: a credit note cancels it"
    if invoice.due_on < london_today():
        return f"Overdue: it was due on {day(invoice.due_on)}"
    return f"Due by {day(invoice.due_on)}"


def vat_line(invoice: Invoice) -> str:
    if invoice.vat_registered:
        return f"VAT registration number {invoice.vat_number}"
    return "Not registered for VAT: no VAT is charged"


def _buyer_lines(invoice: Invoice) -> list[str]:
    lines = [invoice.buyer_name]
    if invoice.buyer_organisation:
        lines.append(invoice.buyer_organisation)
    lines.append(invoice.buyer_email)
    return lines


def _invoice_document(invoice: Invoice, order: Order) -> Document:
    totals = [("Total", invoice.total_pence)]
    if invoice.vat_registered:
        totals.insert(0, (f"Includes VAT at {invoice.vat_rate_percent}%", invoice.vat_pence))
    return Document(
        title=f"Invoice {invoice_label(invoice.number)}",
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        vat_line=vat_line(invoice),
        buyer_lines=_buyer_lines(invoice),
        facts=[
            ("Invoice date", day(invoice.issued_on)),
            ("Due date", day(invoice.due_on)),
            ("Order", f"{order.id}: {order.description}"),
            ("Status", invoice_state(invoice, order)),
        ],
        lines=[
            DocumentLine(line.description, line.quantity, line.unit_pence, line.total_pence)
            for line in services.order_lines(order)
        ],
        totals=totals,
        closing=[("How to pay", invoice.payment_instructions)],
    )


def _credit_note_document(note: CreditNote, invoice: Invoice) -> Document:
    totals = [("Credited", note.amount_pence)]
    if invoice.vat_registered:
        totals.insert(0, (f"Includes VAT at {invoice.vat_rate_percent}%", note.vat_pence))
    return Document(
        title=f"Credit note {credit_note_label(note.number)}",
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        vat_line=vat_line(invoice),
        buyer_lines=_buyer_lines(invoice),
        facts=[
            ("Credit note date", day(note.issued_on)),
            ("Against invoice", f"{invoice_label(invoice.number)} of {day(invoice.issued_on)}"),
        ],
        lines=[DocumentLine(note.reason, 1, note.amount_pence, note.amount_pence)],
        totals=totals,
        closing=[("Reason", note.reason)],
    )


def _pdf(document: Document, filename: str) -> Response:
    response = Response(render(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _invoice_page(invoice: Invoice, template: str, **extra: object) -> str:
    order = services.order_of_invoice(invoice)
    return render_template(
        template,
        invoice=invoice,
        order=order,
        label=invoice_label(invoice.number),
        lines=services.order_lines(order),
        state=invoice_state(invoice, order),
        vat_line=vat_line(invoice),
        notes=services.credit_notes_of(invoice),
        credit_note_label=credit_note_label,
        **extra,
    )


# --- the buyer ---------------------------------------------------------------------------------


def _buyer_invoice_or_404(invoice_id: int) -> Invoice:
    try:
        return services.get_buyer_invoice(current_user, invoice_id)
    except services.InvoiceNotFound:
        abort(404, description="There is no such invoice in your account.")


def _buyer_note_or_404(credit_note_id: int) -> CreditNote:
    try:
        return services.get_buyer_credit_note(current_user, credit_note_id)
    except services.InvoiceNotFound:
        abort(404, description="There is no such credit note in your account.")


@bp.get("/account/invoices/<int:invoice_id>")
@login_required
def buyer_invoice(invoice_id: int):
    invoice = _buyer_invoice_or_404(invoice_id)
    return _invoice_page(
        invoice, "billing/buyer_invoice.html", note_endpoint="billing.buyer_credit_note"
    )


@bp.get("/account/invoices/<int:invoice_id>/pdf")
@login_required
def buyer_invoice_pdf(invoice_id: int):
    invoice = _buyer_invoice_or_404(invoice_id)
    order = services.order_of_invoice(invoice)
    return _pdf(_invoice_document(invoice, order), f"{invoice_label(invoice.number)}.pdf")


@bp.get("/account/credit-notes/<int:credit_note_id>")
@login_required
def buyer_credit_note(credit_note_id: int):
    note = _buyer_note_or_404(credit_note_id)
    invoice = services.invoice_of_note(note)
    return render_template(
        "billing/credit_note.html",
        note=note,
        invoice=invoice,
        label=credit_note_label(note.number),
        invoice_label=invoice_label(invoice.number),
        vat_line=vat_line(invoice),
        pdf_url=url_for(".buyer_credit_note_pdf", credit_note_id=note.id),
        invoice_url=url_for(".buyer_invoice", invoice_id=invoice.id),
    )


@bp.get("/account/credit-notes/<int:credit_note_id>/pdf")
@login_required
def buyer_credit_note_pdf(credit_note_id: int):
    note = _buyer_note_or_404(credit_note_id)
    invoice = services.invoice_of_note(note)
    return _pdf(_credit_note_document(note, invoice), f"{credit_note_label(note.number)}.pdf")


# --- the seller --------------------------------------------------------------------------------


def _seller_invoice(invoice_id: int) -> Invoice:
    try:
        return services.get_seller_invoice(g.tenant, invoice_id)
    except services.InvoiceNotFound:
        abort(404, description="There is no such invoice in this workspace.")


@admin_bp.get("/invoices/")
def invoices():
    return render_template(
        "billing/admin_invoices.html",
        overdue=services.overdue_invoices(g.tenant),
        rows=services.list_invoices(g.tenant),
        invoice_label=invoice_label,
        invoice_state=invoice_state,
        kept=OverdueDecision.KEPT,
        extend_form=ExtendForm(prefix="extend"),
    )


def _admin_invoice_page(invoice: Invoice, extend_form: ExtendForm | None = None, status=200):
    return _invoice_page(
        invoice,
        "billing/admin_invoice.html",
        extend_form=extend_form or ExtendForm(prefix="extend"),
        note_endpoint="billing_admin.credit_note",
        overdue=invoice.due_on < london_today(),
        kept=OverdueDecision.KEPT,
    ), status


@admin_bp.get("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    return _admin_invoice_page(_seller_invoice(invoice_id))


@admin_bp.get("/invoices/<int:invoice_id>/pdf")
def invoice_pdf(invoice_id: int):
    found = _seller_invoice(invoice_id)
    order = services.order_of_invoice(found)
    return _pdf(_invoice_document(found, order), f"{invoice_label(found.number)}.pdf")


def _decide(invoice_id: int, action, done: str, *args):
    _seller_invoice(invoice_id)
    _writable()
    try:
        action(current_user, g.tenant, invoice_id, *args)
    except services.BillingError as exc:
        db.session.rollback()
        if exc.field == "due_on":
            form = ExtendForm(prefix="extend")
            form.due_on.errors = [str(exc)]
            return _admin_invoice_page(_seller_invoice(invoice_id), form, 400)
        flash(str(exc), "error")
        return redirect(url_for(".invoice", invoice_id=invoice_id))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".invoice", invoice_id=invoice_id))


@admin_bp.post("/invoices/<int:invoice_id>/extend")
def extend_invoice(invoice_id: int):
    form = ExtendForm(prefix="extend")
    if not form.validate_on_submit():
        _seller_invoice(invoice_id)
        return _admin_invoice_page(_seller_invoice(invoice_id), form, 400)
    return _decide(
        invoice_id,
        services.extend,
        f"The due date is now {day(form.due_on.data)}. We have told the buyer.",
        form.due_on.data,
    )


@admin_bp.post("/invoices/<int:invoice_id>/keep")
def keep_invoice(invoice_id: int):
    return _decide(
        invoice_id,
        services.keep,
        "You are keeping the order and waiting for payment. We will not ask again.",
    )


@admin_bp.post("/invoices/<int:invoice_id>/cancel")
def cancel_invoice(invoice_id: int):
    return _decide(
        invoice_id,
        services.cancel_and_release,
        "The order is cancelled, what it held is released, and a credit note cancels the "
        "invoice. We have told the buyer.",
    )


def _seller_note(credit_note_id: int) -> CreditNote:
    try:
        return services.get_seller_credit_note(g.tenant, credit_note_id)
    except services.InvoiceNotFound:
        abort(404, description="There is no such credit note in this workspace.")


@admin_bp.get("/credit-notes/<int:credit_note_id>")
def credit_note(credit_note_id: int):
    note = _seller_note(credit_note_id)
    found = services.invoice_of_note(note)
    return render_template(
        "billing/credit_note.html",
        note=note,
        invoice=found,
        label=credit_note_label(note.number),
        invoice_label=invoice_label(found.number),
        vat_line=vat_line(found),
        pdf_url=url_for(".credit_note_pdf", credit_note_id=note.id),
        invoice_url=url_for(".invoice", invoice_id=found.id),
    )


@admin_bp.get("/credit-notes/<int:credit_note_id>/pdf")
def credit_note_pdf(credit_note_id: int):
    note = _seller_note(credit_note_id)
    found = services.invoice_of_note(note)
    return _pdf(_credit_note_document(note, found), f"{credit_note_label(note.number)}.pdf")


@admin_bp.route("/settings", methods=["GET", "POST"])
def invoice_settings():
    seller: Workspace = g.tenant
    current = services.settings_for(seller)
    form = InvoiceSettingsForm(prefix="settings", obj=current)
    if form.is_submitted():
        _writable()
    if form.validate_on_submit():
        try:
            services.save_settings(
                current_user,
                seller,
                address=form.address.data or "",
                vat_registered=bool(form.vat_registered.data),
                vat_number=form.vat_number.data or "",
                vat_rate_percent=form.vat_rate_percent.data,
                payment_instructions=form.payment_instructions.data or "",
                due_days=form.due_days.data,
                reminder_days=form.reminder_days.data,
            )
        except services.BillingError as exc:
            db.session.rollback()
            getattr(form, exc.field or "address").errors = [str(exc)]
        else:
            db.session.commit()
            flash("Your invoice settings are saved. New invoices use them.", "success")
            return redirect(url_for(".invoice_settings"))
    status = 400 if any(f.errors for f in form) else 200
    return render_template("billing/admin_settings.html", form=form), status
