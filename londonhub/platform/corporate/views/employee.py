"""The employee's pages: accepting the company's invitation (/corporate/join/<token>), the
volunteer profile with a required home borough, their matches, choosing one or asking the
Volunteer Centre for help, and their placement (/corporate/me)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.extensions import db
from londonhub.platform.core.forms import choices
from londonhub.platform.core.workspaces import borough_choices
from londonhub.tenants.volunteering import services as volunteering

from ..forms import ChooseForm, ProfileForm
from ..models import CorporateAccount, EmployeeStatus
from ..operations import CorporateError, employees, matching
from .common import field_error, form_status

me_bp = Blueprint("corporate_me", __name__, url_prefix="/corporate", template_folder="../templates")


@me_bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    employee = employees.resolve(token)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path, email=employee.email))
    account = db.session.get(CorporateAccount, employee.account_id)
    if request.method == "POST":
        try:
            employees.accept(current_user, token)
        except CorporateError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template(
                "corporate/join.html", employee=employee, account=account, wrong_person=True
            ), 403
        db.session.commit()
        flash(f"Welcome: you have a volunteering place from {account.name}.", "success")
        return redirect(url_for(".profile"))
    mine = employee.email == current_user.email.lower()
    if not mine:
        return render_template(
            "corporate/join.html", employee=employee, account=account, wrong_person=True
        ), 403
    return render_template(
        "corporate/join.html",
        employee=employee,
        account=account,
        wrong_person=False,
        accepted=employee.status == EmployeeStatus.ACCEPTED,
    )


def _profile_form() -> ProfileForm:
    form = ProfileForm()
    form.home_borough.choices = choices([("", "Choose your borough"), *borough_choices()])
    form.causes.choices = choices(volunteering.CAUSES.items())
    form.skills.choices = choices(volunteering.SKILLS.items())
    form.availability.choices = choices(volunteering.AVAILABILITY.items())
    return form


@me_bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def profile():
    matching.require_employee(current_user)
    form = _profile_form()
    if request.method == "GET":
        existing = volunteering.get_profile(current_user)
        if existing is not None:
            form.home_borough.data = existing.home_borough
            form.causes.data = volunteering.unpack(existing.causes)
            form.skills.data = volunteering.unpack(existing.skills)
            form.availability.data = volunteering.unpack(existing.availability)
    if form.validate_on_submit():
        try:
            matching.save_profile(
                current_user,
                {
                    "home_borough": form.home_borough.data,
                    "causes": form.causes.data,
                    "skills": form.skills.data,
                    "availability": form.availability.data,
                },
            )
        except CorporateError as exc:
            db.session.rollback()
            field_error(form, exc, "home_borough")
        else:
            db.session.commit()
            flash("Your volunteer profile is saved: here are opportunities near you.", "success")
            return redirect(url_for(".home"))
    return render_template("corporate/me_profile.html", form=form), form_status(
        request.method == "GET"
    )


def _home(form: ChooseForm | None = None, status: int = 200):
    employee = matching.require_employee(current_user)
    account = db.session.get(CorporateAccount, employee.account_id)
    current = matching.current_placement(employee)
    home = matching.home_borough(current_user)
    return render_template(
        "corporate/me.html",
        employee=employee,
        account=account,
        mine=current,
        home=home,
        boroughs=dict(borough_choices()),
        matches=matching.matches(current_user) if home else [],
        form=form or ChooseForm(),
    ), status


@me_bp.get("/me")
@login_required
def home():
    return _home()


@me_bp.post("/me/choose")
@login_required
def choose():
    form = ChooseForm()
    if form.validate_on_submit():
        try:
            if request.form.get("help"):
                matching.ask_for_help(current_user, form.message.data or "")
                done = "We have asked your Volunteer Centre to find you a place."
            else:
                matching.choose(current_user, form.opportunity.data or "", form.message.data or "")
                done = "Your choice is with the Volunteer Centre: they will confirm it."
        except CorporateError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _home(form, 400)
        db.session.commit()
        flash(done, "success")
        return redirect(url_for(".home"))
    return _home(form, 400)


@me_bp.post("/me/withdraw")
@login_required
def withdraw():
    matching.withdraw(current_user)
    db.session.commit()
    flash("Your choice is withdrawn: choose again below.", "success")
    return redirect(url_for(".home"))
