"""The workspace's view of people who responded: responses with accept / decline / waiting
list, its volunteers (list and CSV) and the profile of one who engaged with this workspace (and
only then), the hours volunteers recorded, to verify, and a printable hours report."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.exports import csv_download
from londonhub.platform.core.extensions import db
from londonhub.platform.core.params import BadParameter, date_arg, int_arg
from londonhub.platform.core.timeutil import london_today
from londonhub.platform.core.views import safe_next

from ..forms import DecisionForm, VerifyForm
from ..models import ResponseStatus
from ..operations import VolunteeringError, hours, opportunities, profiles, roster, signups
from .admin import admin_bp


@admin_bp.get("/responses")
def responses():
    opportunity_id = int_arg("opportunity")
    found = opportunities.get_opportunity(g.tenant, opportunity_id) if opportunity_id else None
    return render_template(
        "volunteering/admin_responses.html",
        rows=signups.list_responses(g.tenant, opportunity_id),
        opportunity=found,
        form=DecisionForm(),
    )


@admin_bp.post("/responses/<int:response_id>/decide")
def decide(response_id: int):
    signups.get_response(g.tenant, response_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Choose accept, waiting list or decline.", "error")
        return redirect(url_for(".responses"))
    try:
        response = signups.decide(
            current_user, g.tenant, response_id, ResponseStatus(form.decision.data)
        )
        label = response.status.label.lower()
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Saved: {label}. We have emailed the volunteer.", "success")
    return redirect(_back())


def _back() -> str:
    return safe_next(request.form.get("back")) or url_for(".responses")


@admin_bp.get("/volunteers")
def volunteers():
    return render_template(
        "volunteering/admin_volunteers.html", rows=roster.list_volunteers(g.tenant)
    )


@admin_bp.get("/volunteers.csv")
def volunteers_csv():
    return csv_download(roster.volunteers_csv_rows(g.tenant), f"{g.tenant.slug}-volunteers.csv")


@admin_bp.get("/hours/report")
def hours_report():
    """Verified hours for a date range, laid out to print (default: this year so far)."""
    today = london_today()
    start = date_arg("from", today.replace(month=1, day=1))
    end = date_arg("to", today)
    if end < start:
        raise BadParameter("to must be the same day as from or later.")
    return render_template(
        "volunteering/admin_hours_report.html",
        report=roster.hours_report(g.tenant, start, end),
    )


@admin_bp.get("/volunteers/<int:volunteer_id>")
def volunteer(volunteer_id: int):
    engaged = profiles.engaged_profile(g.tenant, volunteer_id)
    rows = signups.list_responses(g.tenant, user_id=volunteer_id)
    return render_template(
        "volunteering/admin_volunteer.html", engaged=engaged, rows=rows, form=DecisionForm()
    )


@admin_bp.get("/hours")
def hours_list():
    return render_template(
        "volunteering/admin_hours.html",
        rows=hours.list_hours(g.tenant),
        form=VerifyForm(),
        anonymous_minutes=hours.anonymous_minutes(g.tenant),
    )


@admin_bp.post("/hours/<int:hours_id>/verify")
def verify_hours(hours_id: int):
    hours.get_hours(g.tenant, hours_id)
    form = VerifyForm()
    if not form.validate_on_submit():
        flash("Choose verify or do not verify.", "error")
        return redirect(url_for(".hours_list"))
    entry = hours.verify(current_user, g.tenant, hours_id, form.verified.data == "yes")
    label = entry.status.label.lower()
    db.session.commit()
    flash(f"Saved: {label}.", "success")
    return redirect(url_for(".hours_list"))
