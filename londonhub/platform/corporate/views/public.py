"""The public catalogue at /corporate and buying a package at /corporate/buy. Thin: parse a
form, call one operation, commit once, then pay (Stripe Checkout) or show the invoice."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.params import int_arg

from ..forms import BuyForm
from ..operations import CorporateError, NotFound, accounts, buying, packages
from .common import field_error, form_status

bp = Blueprint("corporate", __name__, url_prefix="/corporate", template_folder="../templates")


@bp.get("")
@shared_page
def catalogue():
    return render_template(
        "corporate/catalogue.html",
        packages=packages.published_packages(),
        figures=packages.public_figures(),
        account=accounts.account_of(current_user),
    )


@bp.route("/buy", methods=["GET", "POST"])
@login_required
def buy():
    form = BuyForm()
    package_id = int_arg("package", default=None) if request.method == "GET" else None
    if package_id is None:
        try:
            package_id = int(form.package_id.data or "")
        except ValueError:
            raise NotFound("Choose a package from the catalogue") from None
    package = packages.get_package(package_id, published=True)
    account = accounts.account_of(current_user)
    if request.method == "GET":
        form.package_id.data = str(package.id)
        form.quantity.data = package.min_quantity
    if form.validate_on_submit():
        company = buying.Company(
            name=form.company_name.data or "",
            company_number=form.company_number.data or "",
            billing_address=form.billing_address.data or "",
            po_number=form.po_number.data or "",
        )
        invoice = form.payment.data == "invoice"
        try:
            _purchase, order = buying.buy(
                current_user, package.id, form.quantity.data, company, invoice=invoice
            )
        except CorporateError as exc:
            db.session.rollback()
            field_error(form, exc, "quantity")
        else:
            order_id = order.id
            pays_now = order.payment_mode == billing.PaymentMode.STRIPE
            db.session.commit()
            if pays_now:
                try:
                    order = billing.get_buyer_order(current_user, order_id)
                    url = billing.checkout_url(order, current_user)
                except billing.BillingError as exc:
                    db.session.rollback()
                    flash(str(exc), "error")
                    return redirect(url_for("billing.buyer_order", order_id=order_id))
                db.session.commit()
                return redirect(url, code=303)
            flash(
                f"Thank you: your order {order_id} is placed and we will send the invoice. "
                "Your places are ready to use as soon as it is paid.",
                "success",
            )
            return redirect(url_for("corporate_account.dashboard"))
    return render_template(
        "corporate/buy.html", form=form, package=package, account=account
    ), form_status(request.method == "GET")
