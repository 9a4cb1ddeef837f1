"""The hub's corporate admin: packages at /hub/packages (draft, publish, retire) and every
corporate account with its places and revenue at /hub/corporate. Hub admins only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_hub_admin
from londonhub.platform.core.extensions import db

from ..forms import PackageForm
from ..models import PackageKind, PackageStatus
from ..operations import CorporateError, NotFound, packages, reports
from ..operations.packages import PACKAGE_FIELDS
from .common import field_error, form_status

hub_bp = Blueprint("corporate_hub", __name__, url_prefix="/hub", template_folder="../templates")
require_hub_admin(hub_bp)

STATUS_ACTIONS = {
    "publish": PackageStatus.PUBLISHED,
    "retire": PackageStatus.RETIRED,
    "draft": PackageStatus.DRAFT,
}


@hub_bp.get("/packages")
def packages_index():
    return render_template("corporate/hub_packages.html", packages=packages.list_packages())


def _save(form: PackageForm, package_id: int | None):
    values = {name: getattr(form, name).data for name in PACKAGE_FIELDS}
    values["price_pence"] = form.price_pence.pence
    values["hub_share_pence"] = form.hub_share_pence.pence
    values["workspace_share_pence"] = form.workspace_share_pence.pence
    values["kind"] = PackageKind(form.kind.data)
    try:
        saved = packages.save_package(current_user, values, package_id)
    except CorporateError as exc:
        db.session.rollback()
        field_error(form, exc, "name")
        return None
    name = saved.name
    db.session.commit()
    return name


@hub_bp.route("/packages/new", methods=["GET", "POST"])
def new_package():
    form = PackageForm()
    if request.method == "GET":
        form.team_size.data = 1
        form.min_quantity.data = 1
        form.max_quantity.data = 100
        form.validity_months.data = 12
    if form.validate_on_submit():
        name = _save(form, None)
        if name is not None:
            flash(f"{name} is saved as a draft.", "success")
            return redirect(url_for(".packages_index"))
    return render_template("corporate/hub_package.html", form=form, package=None), form_status(
        request.method == "GET"
    )


@hub_bp.route("/packages/<int:package_id>", methods=["GET", "POST"])
def edit_package(package_id: int):
    package = packages.get_package(package_id)
    form = PackageForm(obj=package)
    if request.method == "GET":
        form.kind.data = package.kind.value
        form.vat.data = package.vat.value
    if form.validate_on_submit():
        name = _save(form, package_id)
        if name is not None:
            flash(f"{name} has been saved.", "success")
            return redirect(url_for(".packages_index"))
    return render_template("corporate/hub_package.html", form=form, package=package), form_status(
        request.method == "GET"
    )


@hub_bp.post("/packages/<int:package_id>/status")
def package_status(package_id: int):
    status = STATUS_ACTIONS.get(request.form.get("status", ""))
    if status is None:
        raise NotFound("There is no such change")
    try:
        package = packages.set_status(current_user, package_id, status)
    except CorporateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".packages_index"))
    name = package.name
    db.session.commit()
    flash(f"{name} is now {status.label.lower()}.", "success")
    return redirect(url_for(".packages_index"))


@hub_bp.get("/corporate")
def accounts_index():
    return render_template(
        "corporate/hub_accounts.html",
        rows=reports.hub_accounts(),
        purchases=reports.hub_purchases(),
    )


@hub_bp.get("/corporate/purchases/<int:purchase_id>")
def purchase_ledger(purchase_id: int):
    purchase, package, account, order, entries = reports.purchase_money(purchase_id)
    return render_template(
        "corporate/hub_purchase.html",
        purchase=purchase,
        package=package,
        account=account,
        order=order,
        entries=entries,
    )
