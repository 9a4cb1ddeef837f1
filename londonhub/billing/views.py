"""Billing pages: the webhook, a buyer's orders, a workspace's income, the hub's overview."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from londonhub.platform.core.access import require_hub_admin, require_workspace_role
from londonhub.platform.core.extensions import csrf, db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.jobs import enqueue
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import Workspace, get_workspace_by_slug, workspace_blueprint
from londonhub.platform.core.urls import public_origin

from . import gateway, services
from .forms import MarkPaidForm, PayoutForm, RefundForm
from .models import StripeEvent, StripeEventStatus
from .operations.invoices import london_today
from .operations.webhooks import process_stripe_event

bp = Blueprint("billing", __name__, template_folder="templates")
admin_bp = workspace_blueprint(
    "billing_admin", __name__, "/admin/billing", template_folder="templates"
)
hub_bp = Blueprint("billing_hub", __name__, url_prefix="/hub/billing", template_folder="templates")


# --- webhook -----------------------------------------------------------------------------------


@bp.post("/billing/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    try:
        event, process = services.receive_webhook(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
    except services.InvalidWebhook:
        db.session.rollback()
        return {"error": "invalid signature"}, 400
    if process:
        enqueue(process_stripe_event, event.id, base_url=public_origin())
    db.session.commit()
    return {"received": True}, 200


# --- buyer -------------------------------------------------------------------------------------


def _buyer_order_or_404(order_id: int):
    try:
        return services.get_buyer_order(current_user, order_id)
    except services.OrderNotFound:
        abort(404, description="There is no such order in your account.")


@bp.get("/account/orders")
@login_required
def buyer_orders():
    return render_template(
        "billing/buyer_orders.html", orders=services.list_buyer_orders(current_user)
    )


@bp.get("/account/orders/<int:order_id>")
@login_required
def buyer_order(order_id: int):
    return _buyer_order_page(order_id, cancelled=request.args.get("cancelled") == "1")


@bp.get("/account/orders/<int:order_id>/return")
@login_required
def order_return(order_id: int):
    """Back from Stripe: show the order's real state; only the webhook marks it paid."""
    return _buyer_order_page(order_id, returned=True)


def _buyer_order_page(order_id: int, *, cancelled: bool = False, returned: bool = False):
    order = _buyer_order_or_404(order_id)
    return render_template(
        "billing/buyer_order.html",
        order=order,
        seller=db.session.get(Workspace, order.tenant_id),
        lines=services.order_lines(order),
        history=services.order_history(order),
        invoice=services.invoice_for_order(order),
        invoice_label=services.invoice_label,
        cancelled=cancelled,
        returned=returned,
    )


@bp.post("/account/orders/<int:order_id>/pay")
@login_required
def pay(order_id: int):
    order = _buyer_order_or_404(order_id)
    try:
        url = services.checkout_url(order, current_user)
    except services.BillingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".buyer_order", order_id=order_id))
    db.session.commit()
    return redirect(url, code=303)


# --- workspace admin ---------------------------------------------------------------------------


require_workspace_role(
    admin_bp, Role.ADMIN, "You need the admin role in this workspace to see its income."
)


def _writable() -> None:
    if not g.tenant.is_active:
        abort(403, description=f"{g.tenant.name} is {g.tenant.status.value}: it cannot be changed.")


@admin_bp.get("/")
def index():
    return render_template(
        "billing/admin_index.html",
        balance=services.balance(g.tenant),
        orders=services.list_seller_orders(g.tenant, limit=50),
        entries=services.ledger(g.tenant, limit=20),
        stripe_enabled=gateway.stripe_enabled(),
        is_owner=has_role(current_user, g.tenant, Role.OWNER),
        overdue_count=len(services.overdue_invoices(g.tenant)),
    )


@admin_bp.get("/ledger.csv")
def ledger_csv():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "date",
            "kind",
            "amount_pence",
            "amount_gbp",
            "order_id",
            "held_by_hub",
            "source",
            "description",
        ]
    )
    for entry in services.ledger(g.tenant):
        writer.writerow(
            [
                entry.created_at.isoformat(),
                entry.kind.value,
                entry.amount_pence,
                f"{entry.amount_pence / 100:.2f}",
                entry.order_id or "",
                "yes" if entry.held_by_hub else "no",
                _csv_safe(entry.source_id),
                _csv_safe(entry.description),
            ]
        )
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{g.tenant.slug}-ledger.csv"'
    return response


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ (or a tab or line break) as formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else text


def _order_page(order, refund_form=None, paid_form=None, status=200):
    if paid_form is None:
        paid_form = MarkPaidForm(prefix="paid")
        paid_form.received_on.data = london_today()
    recorded, confirmed = services.recorded_by(order)
    return render_template(
        "billing/admin_order.html",
        order=order,
        lines=services.order_lines(order),
        history=services.order_history(order),
        refundable=services.refundable_now(order),
        refund_form=refund_form or RefundForm(prefix="refund"),
        paid_form=paid_form,
        invoice=services.invoice_for_order(order),
        invoice_label=services.invoice_label,
        recorded_by=recorded,
        confirmed_by=confirmed,
    ), status


@admin_bp.get("/orders/<int:order_id>")
def order(order_id: int):
    return _order_page(services.get_seller_order(g.tenant, order_id))


@admin_bp.post("/orders/<int:order_id>/mark-paid")
def mark_paid(order_id: int):
    order = services.get_seller_order(g.tenant, order_id)
    _writable()
    form = MarkPaidForm(prefix="paid")
    if not form.validate_on_submit():
        return _order_page(order, paid_form=form, status=400)
    try:
        services.mark_paid(
            current_user,
            g.tenant,
            order_id,
            form.reference.data or "",
            method=form.method.data,
            received_on=form.received_on.data,
        )
    except services.BillingError as exc:
        db.session.rollback()
        if exc.field in ("reference", "method", "received_on"):
            getattr(form, exc.field).errors = [str(exc)]
            order = services.get_seller_order(g.tenant, order_id)
            return _order_page(order, paid_form=form, status=400)
        flash(str(exc), "error")
        return redirect(url_for(".order", order_id=order_id))
    db.session.commit()
    flash(
        f"Order {order_id} is marked paid. The hub pays its money out once it confirms the "
        "payment arrived.",
        "success",
    )
    return redirect(url_for(".order", order_id=order_id))


@admin_bp.post("/orders/<int:order_id>/refund")
def refund(order_id: int):
    order = services.get_seller_order(g.tenant, order_id)
    _writable()
    form = RefundForm(prefix="refund")
    if not form.validate_on_submit():
        return _order_page(order, refund_form=form, status=400)
    try:
        refund_row = services.request_refund(
            current_user, g.tenant, order_id, form.amount.pence, form.reason.data or ""
        )
    except services.BillingError as exc:
        db.session.rollback()
        form.amount.errors.append(str(exc))
        return _order_page(
            services.get_seller_order(g.tenant, order_id), refund_form=form, status=400
        )
    db.session.commit()  # the refund row exists before Stripe hears of it
    try:
        services.perform_refund(g.tenant, refund_row.id)
    except services.BillingError as exc:
        db.session.commit()  # keep the failure on record
        flash(str(exc), "error")
        return redirect(url_for(".order", order_id=order_id))
    db.session.commit()
    flash(f"Refunded {format_pence(form.amount.pence)} on order {order_id}.", "success")
    return redirect(url_for(".order", order_id=order_id))


@admin_bp.post("/connect")
def connect():
    _writable()
    try:
        url = services.connect_onboarding_url(
            current_user,
            g.tenant,
            return_url=url_for(".connect_return", _external=True),
            refresh_url=url_for(".index", _external=True),
        )
    except services.BillingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    return redirect(url, code=303)


@admin_bp.get("/connect/return")
def connect_return():
    if g.tenant.stripe_charges_enabled:
        flash("Your Stripe account is connected: sales now go straight to it.", "success")
    else:
        flash(
            "Stripe is checking your details. Sales go to your hub balance until it confirms.",
            "info",
        )
    return redirect(url_for(".index"))


# --- hub ---------------------------------------------------------------------------------------


require_hub_admin(hub_bp)


@hub_bp.get("/")
def hub_index():
    return render_template(
        "billing/hub_index.html",
        rows=services.all_balances(),
        to_confirm=services.awaiting_confirmation(),
        failed=services.list_events(StripeEventStatus.FAILED),
        recent=services.list_events(limit=20),
        payout_form=PayoutForm(prefix="payout"),
    )


@hub_bp.post("/events/<event_id>/retry")
def retry_event(event_id: str):
    event = db.session.get(StripeEvent, event_id)
    if event is None:
        abort(404)
    enqueue(process_stripe_event, event.id, base_url=public_origin())
    db.session.commit()
    flash(f"Event {event_id} has been queued again.", "success")
    return redirect(url_for(".hub_index"))


@hub_bp.post("/payouts/<slug>")
def payout(slug: str):
    workspace = get_workspace_by_slug(slug)
    if workspace is None:
        abort(404)
    form = PayoutForm(prefix="payout")
    if form.validate_on_submit():
        try:
            services.record_payout(
                current_user, workspace, form.amount.pence, form.reference.data or ""
            )
        except services.BillingError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"Payout to {workspace.name} recorded.", "success")
    else:
        flash(next(iter(form.errors.values()))[0], "error")
    return redirect(url_for(".hub_index"))


@hub_bp.post("/invoices/<slug>/<int:order_id>/confirm")
def confirm_receipt(slug: str, order_id: int):
    """A hub admin confirms an invoice payment arrived: its money may now be paid out."""
    workspace = get_workspace_by_slug(slug)
    if workspace is None:
        abort(404)
    try:
        total = services.confirm_receipt(current_user, workspace, order_id).total_pence
    except services.BillingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            f"Payment of {format_pence(total)} for {workspace.name} order {order_id} "
            "confirmed: its money can be paid out.",
            "success",
        )
    return redirect(url_for(".hub_index"))
