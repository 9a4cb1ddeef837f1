"""The company's pages at /corporate/account: the dashboard (places, employees placed by
borough and cause, hours), employees and invitations (one by one or a CSV), and the impact
summary (CSV and a printable page). Only the account's own admins; every lookup starts from
the account the signed-in person runs, so another company's ids are simply not found."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.exports import csv_download
from londonhub.platform.core.extensions import db

from ..forms import InviteForm, UploadForm
from ..operations import CorporateError, accounts, employees, impact
from .common import field_error, form_status

account_bp = Blueprint(
    "corporate_account", __name__, url_prefix="/corporate/account", template_folder="../templates"
)


@account_bp.before_request
@login_required
def _require_admin():
    g.corporate_account = accounts.require_account(current_user)


@account_bp.get("")
def dashboard():
    account = g.corporate_account
    return render_template(
        "corporate/dashboard.html",
        account=account,
        impact=impact.impact(account),
        purchases=accounts.purchases(account),
    )


def _employees_page(invite_form=None, upload_form=None, report=None, status: int = 200):
    account = g.corporate_account
    return render_template(
        "corporate/employees.html",
        account=account,
        places=accounts.places(account),
        employees=employees.list_employees(account),
        invite_form=invite_form or InviteForm(prefix="invite"),
        upload_form=upload_form or UploadForm(prefix="upload"),
        report=report,
    ), status


@account_bp.get("/employees")
def employee_list():
    return _employees_page()


@account_bp.post("/employees")
def invite():
    form = InviteForm(prefix="invite")
    if form.validate_on_submit():
        try:
            employee = employees.invite(
                current_user, g.corporate_account, form.email.data, form.name.data or ""
            )
        except CorporateError as exc:
            db.session.rollback()
            field_error(form, exc, "email")
        else:
            email = employee.email
            db.session.commit()
            flash(f"We have emailed an invitation to {email}.", "success")
            return redirect(url_for(".employee_list"))
    return _employees_page(invite_form=form, status=form_status(False))


@account_bp.post("/employees/upload")
def upload():
    form = UploadForm(prefix="upload")
    if form.validate_on_submit():
        try:
            report = employees.invite_csv(current_user, g.corporate_account, form.file.data.read())
        except CorporateError as exc:
            db.session.rollback()
            field_error(form, exc, "file")
        else:
            db.session.commit()
            return _employees_page(report=report)
    return _employees_page(upload_form=form, status=form_status(False))


@account_bp.post("/employees/<int:employee_id>/resend")
def resend(employee_id: int):
    try:
        employee = employees.resend(current_user, g.corporate_account, employee_id)
    except CorporateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        email = employee.email
        db.session.commit()
        flash(f"We have emailed the invitation to {email} again.", "success")
    return redirect(url_for(".employee_list"))


@account_bp.post("/employees/<int:employee_id>/cancel")
def cancel(employee_id: int):
    try:
        employee = employees.cancel(current_user, g.corporate_account, employee_id)
    except CorporateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        email = employee.email
        db.session.commit()
        flash(f"The invitation to {email} is cancelled; its place is free again.", "success")
    return redirect(url_for(".employee_list"))


@account_bp.get("/impact")
def impact_summary():
    account = g.corporate_account
    return render_template("corporate/impact.html", account=account, impact=impact.impact(account))


@account_bp.get("/impact.csv")
def impact_csv():
    found = impact.impact(g.corporate_account)
    return csv_download(impact.csv_rows(found), "volunteering-impact.csv")


def navigation(user):
    """'Your company' in the header for a corporate admin; 'Your placement' for employees."""
    from flask import url_for as _url_for

    from londonhub.platform.core.navigation import NavItem

    items = []
    if accounts.account_of(user) is not None:
        items.append(
            NavItem(
                "Your company",
                _url_for("corporate_account.dashboard"),
                work=True,
                description="Your company's volunteering: places, employees and impact.",
            )
        )
    if employees.employment_of(user) is not None:
        items.append(
            NavItem(
                "Corporate volunteering",
                _url_for("corporate_me.home"),
                place="account",
                description="Your company's volunteering place: your match and placement.",
            )
        )
    if getattr(user, "is_hub_admin", False):
        items.append(
            NavItem(
                "Corporate volunteering",
                _url_for("corporate_hub.accounts_index"),
                place="hub",
                description="Packages for companies, every corporate account and its revenue.",
            )
        )
    return items
