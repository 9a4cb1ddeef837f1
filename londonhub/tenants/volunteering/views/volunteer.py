"""A volunteer's own pages: their profile (/volunteering/profile), their responses, and
responding to an opportunity (POST /opportunities/respond, which names the workspace in the
form, as booking a room does). Thin: parse, call one operation, redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from londonhub.platform.core.exports import csv_download
from londonhub.platform.core.extensions import db
from londonhub.platform.core.forms import choices
from londonhub.platform.core.navigation import NavItem
from londonhub.platform.core.tenancy import get_workspace_by_slug
from londonhub.platform.core.timeutil import london_today
from londonhub.platform.core.views import safe_next
from londonhub.platform.core.workspaces import borough_choices

from ..forms import HoursForm, ProfileForm, RespondForm
from ..models import CONSENTS
from ..operations import (
    NotFound,
    VolunteeringError,
    coordinators,
    hours,
    profiles,
    signups,
    waitlist,
)
from ..operations.profiles import PROFILE_FIELDS

me_bp = Blueprint("volunteering_me", __name__, template_folder="../templates")


@me_bp.route("/volunteering/profile", methods=["GET", "POST"])
@login_required
def profile():
    found = profiles.get_profile(current_user)
    form = ProfileForm(obj=found)
    form.home_borough.choices = choices([("", "Choose your borough"), *borough_choices()])
    if request.method == "GET":
        given = profiles.consents(current_user)
        form.share_profile.data = given["share_profile"]
        form.email_updates.data = given["email_updates"]
        if found is not None:
            form.causes.data = found.causes.strip(",").split(",") if found.causes else []
            form.skills.data = found.skills.strip(",").split(",") if found.skills else []
            form.availability.data = (
                found.availability.strip(",").split(",") if found.availability else []
            )
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in PROFILE_FIELDS}
        given = {kind: bool(getattr(form, kind).data) for kind in CONSENTS}
        try:
            profiles.save_profile(current_user, values, given, london_today())
        except VolunteeringError as exc:
            db.session.rollback()
            target = getattr(form, exc.field or "home_borough")
            target.errors = [*target.errors, str(exc)]
        else:
            db.session.commit()
            flash("Your volunteer profile has been saved.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for(".profile"))
    return render_template(
        "volunteering/profile.html",
        form=form,
        profile=found,
        history=profiles.consent_history(current_user),
        verified_hours=hours.verified_minutes(current_user) / 60,
    ), (400 if form.errors else 200)


@me_bp.get("/volunteering/responses")
@login_required
def responses():
    return render_template(
        "volunteering/my_responses.html",
        items=signups.my_responses(current_user),
        coordinating=coordinators.my_workspaces(current_user),
    )


@me_bp.post("/volunteering/responses/<int:response_id>/withdraw")
@login_required
def withdraw(response_id: int):
    try:
        signups.withdraw(current_user, response_id)
    except NotFound:
        db.session.rollback()
        abort(404, description="There is no such response in your account.")
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            "You have withdrawn. The organisers can see that you are no longer coming.", "success"
        )
    return redirect(url_for(".responses"))


@me_bp.post("/opportunities/respond")
@login_required
def respond():
    """Sign up for a session or say you are interested. The workspace and opportunity come
    from the form and are checked again; the result is a message on the opportunity page."""
    form = RespondForm()
    workspace = get_workspace_by_slug(form.workspace.data or "")
    if not form.validate_on_submit() or workspace is None or workspace.is_hub:
        abort(400, description="Your form expired or was incomplete. Please try again.")
    opportunity_id = form.opportunity_id.data or ""
    session_id = form.session_id.data or ""
    if not opportunity_id.isdigit() or (session_id and not session_id.isdigit()):
        abort(404)
    g.tenant = workspace
    page = url_for(
        "volunteering_public.opportunity", slug=workspace.slug, opportunity_id=int(opportunity_id)
    )
    try:
        response = signups.respond(
            current_user,
            workspace,
            int(opportunity_id),
            int(session_id) if session_id else None,
            form.message.data or "",
        )
        status = response.status
    except signups.NeedsProfile as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".profile", next=page))
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(page)
    db.session.commit()
    flash(
        {
            "pending": "You have a place. The organisers will confirm it; we have emailed you.",
            "waitlisted": "The session is full: you are on the waiting list. We have emailed you.",
            "interested": "We have passed on your interest to the organisers and emailed you.",
        }[status.value],
        "success",
    )
    return redirect(page)


def navigation(user) -> list[NavItem]:
    """Volunteering's entries on /account (registered in init_app)."""
    return [
        NavItem(
            "Your volunteer profile",
            url_for("volunteering_me.profile"),
            place="account",
            description="One profile for volunteering anywhere in London, and your consents.",
        ),
        NavItem(
            "Your volunteering",
            url_for("volunteering_me.responses"),
            place="account",
            description="Opportunities you signed up for or are interested in.",
        ),
        NavItem(
            "Your volunteering hours",
            url_for("volunteering_me.my_hours"),
            place="account",
            description="Record the time you gave; download your verified hours.",
        ),
    ]


@me_bp.post("/volunteering/responses/<int:response_id>/take-place")
@login_required
def take_offer(response_id: int):
    try:
        waitlist.accept_offer(current_user, response_id)
    except NotFound:
        db.session.rollback()
        abort(404, description="There is no such response in your account.")
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("The place is yours. The organisers will confirm it.", "success")
    return redirect(url_for(".responses"))


def _hours_form() -> HoursForm:
    form = HoursForm()
    form.placement.choices = choices(
        [("", "Choose one")]
        + [(p.key, f"{p.title} ({p.workspace_name})") for p in hours.placements(current_user)]
    )
    return form


@me_bp.route("/volunteering/hours", methods=["GET", "POST"])
@login_required
def my_hours():
    form = _hours_form()
    if form.validate_on_submit():
        slug, _, opportunity_id = (form.placement.data or "").partition(":")
        workspace = get_workspace_by_slug(slug)
        try:
            if workspace is None or not opportunity_id.isdigit():
                raise VolunteeringError("Choose the opportunity you volunteered for", "placement")
            hours.record_hours(
                current_user,
                workspace,
                int(opportunity_id),
                form.day.data,
                round(float(form.hours.data) * 60),
                form.note.data or "",
            )
        except VolunteeringError as exc:
            db.session.rollback()
            target = getattr(form, exc.field or "hours", form.hours)
            target.errors = [*target.errors, str(exc)]
        else:
            db.session.commit()
            flash("Your hours are recorded. The organisers will verify them.", "success")
            return redirect(url_for(".my_hours"))
    items = hours.my_hours(current_user)
    verified = sum(i.hours.minutes for i in items if i.hours.status.value == "verified")
    return render_template(
        "volunteering/my_hours.html", form=form, items=items, verified_hours=verified / 60
    ), (400 if form.errors else 200)


@me_bp.get("/volunteering/hours.csv")
@login_required
def hours_csv():
    return csv_download(hours.verified_csv_rows(current_user), "verified-volunteering-hours.csv")
