"""Group coordinators' pages at /b/<slug>/coordinate/: their groups' opportunities (adding and
editing them and their sessions, on the same pages staff use), the people
who responded (accept, waiting list, decline), who came to a session, and hours to verify.
Nothing else of the workspace: every id is checked against their groups first (404 when not
theirs). Staff invite and remove coordinators from a group's admin page; the invited person
accepts at /volunteering/coordinate/<token>."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.extensions import db, login_manager
from londonhub.platform.core.tenancy import workspace_blueprint
from londonhub.platform.core.timeutil import as_utc, utcnow
from londonhub.platform.core.views import safe_next

from ..forms import AcceptForm, CoordinatorInviteForm, DecisionForm, StatusForm, VerifyForm
from ..models import OpportunityStatus, ResponseStatus
from ..operations import (
    NotFound,
    VolunteeringError,
    coordinators,
    groups,
    hours,
    opportunities,
    signups,
)
from . import opportunity_pages as pages
from .admin import admin_bp, attendance_page
from .volunteer import me_bp

coordinate_bp = workspace_blueprint(
    "volunteering_coordinate", __name__, "/coordinate", template_folder="../templates"
)


@coordinate_bp.before_request
def _require_coordinator():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.coordinated = coordinators.coordinated_groups(current_user, g.tenant)
    if not g.coordinated:
        abort(403, description="You do not coordinate a local group in this workspace.")
    return None


def _mine(opportunity_id: int):
    """The opportunity, if it belongs to one of the person's groups; else 404."""
    found = opportunities.get_opportunity(g.tenant, opportunity_id)
    if found.group_id not in g.coordinated:
        abort(404)
    return found


@coordinate_bp.get("/")
def index():
    rows = [
        row
        for row in opportunities.list_opportunities(g.tenant)
        if row.opportunity.group_id in g.coordinated
    ]
    ids = {row.opportunity.id for row in rows}
    now = utcnow()
    sessions = {
        row.opportunity.id: [
            (s, as_utc(s.starts_at) <= now)
            for s in opportunities.list_sessions(g.tenant, row.opportunity.id)
        ]
        for row in rows
    }
    return render_template(
        "volunteering/coordinate_index.html",
        groups=[grp for grp in groups.list_groups(g.tenant) if grp.id in g.coordinated],
        rows=rows,
        sessions=sessions,
        responses=[r for r in signups.list_responses(g.tenant) if r.response.opportunity_id in ids],
        hours_rows=[h for h in hours.list_hours(g.tenant) if h.hours.opportunity_id in ids],
        decision_form=DecisionForm(),
        status_form=StatusForm(),
        verify_form=VerifyForm(),
    )


def _console() -> pages.Console:
    return pages.Console(
        blueprint="volunteering_coordinate",
        nav="volunteering/_coordinate_nav.html",
        group_ids=frozenset(g.coordinated),
    )


@coordinate_bp.route("/opportunities/new", methods=["GET", "POST"])
def new_opportunity():
    return pages.new_opportunity(_console())


@coordinate_bp.route("/opportunities/<int:opportunity_id>", methods=["GET", "POST"])
def edit_opportunity(opportunity_id: int):
    _mine(opportunity_id)
    return pages.edit_opportunity(_console(), opportunity_id)


@coordinate_bp.post("/opportunities/<int:opportunity_id>/sessions")
def add_session(opportunity_id: int):
    _mine(opportunity_id)
    return pages.add_session(_console(), opportunity_id)


@coordinate_bp.post("/opportunities/<int:opportunity_id>/sessions/<int:session_id>/remove")
def remove_session(opportunity_id: int, session_id: int):
    _mine(opportunity_id)
    return pages.remove_session(_console(), opportunity_id, session_id)


@coordinate_bp.route(
    "/opportunities/<int:opportunity_id>/sessions/<int:session_id>", methods=["GET", "POST"]
)
def edit_session(opportunity_id: int, session_id: int):
    _mine(opportunity_id)
    return pages.edit_session(_console(), opportunity_id, session_id)


@coordinate_bp.post("/opportunities/<int:opportunity_id>/status")
def set_status(opportunity_id: int):
    _mine(opportunity_id)
    form = StatusForm()
    if form.validate_on_submit():
        opportunities.set_status(
            current_user, g.tenant, opportunity_id, OpportunityStatus(form.status.data)
        )
        db.session.commit()
        flash("The opportunity's status is saved.", "success")
    else:
        flash("Choose published, paused or closed.", "error")
    return redirect(url_for(".index"))


@coordinate_bp.post("/responses/<int:response_id>/decide")
def decide(response_id: int):
    _mine(signups.get_response(g.tenant, response_id).opportunity_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Choose accept, waiting list or decline.", "error")
        return redirect(url_for(".index"))
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
    return redirect(safe_next(request.form.get("back")) or url_for(".index"))


@coordinate_bp.route(
    "/opportunities/<int:opportunity_id>/sessions/<int:session_id>/attendance",
    methods=["GET", "POST"],
)
def session_attendance(opportunity_id: int, session_id: int):
    _mine(opportunity_id)
    return attendance_page(
        opportunity_id, session_id, "volunteering/_coordinate_nav.html", url_for(".index")
    )


@coordinate_bp.post("/hours/<int:hours_id>/verify")
def verify_hours(hours_id: int):
    _mine(hours.get_hours(g.tenant, hours_id).opportunity_id)
    form = VerifyForm()
    if not form.validate_on_submit():
        flash("Choose verify or do not verify.", "error")
        return redirect(url_for(".index"))
    entry = hours.verify(current_user, g.tenant, hours_id, form.verified.data == "yes")
    label = entry.status.label.lower()
    db.session.commit()
    flash(f"Saved: {label}.", "success")
    return redirect(url_for(".index"))


# --- staff: inviting and removing coordinators (on a group's admin page) -------------------------


@admin_bp.post("/groups/<int:group_id>/coordinators")
def invite_coordinator(group_id: int):
    groups.get_group(g.tenant, group_id)
    form = CoordinatorInviteForm(prefix="invite")
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(url_for(".edit_group", group_id=group_id))
    try:
        coordinators.invite(current_user, g.tenant, group_id, form.email.data)
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"We have emailed an invitation to {form.email.data}.", "success")
    return redirect(url_for(".edit_group", group_id=group_id))


@admin_bp.post("/groups/<int:group_id>/coordinators/<int:coordinator_id>/remove")
def remove_coordinator(group_id: int, coordinator_id: int):
    groups.get_group(g.tenant, group_id)
    coordinators.remove(current_user, g.tenant, group_id, coordinator_id)
    db.session.commit()
    flash("The coordinator has been removed.", "success")
    return redirect(url_for(".edit_group", group_id=group_id))


# --- the invited person ---------------------------------------------------------------------------


@me_bp.route("/volunteering/coordinate/<token>", methods=["GET", "POST"])
@login_required
def coordination(token: str):
    """The invitation, for the person it was sent to (anyone else: 404); POST accepts it."""
    try:
        workspace, _coordinator, group = coordinators.read_invitation(current_user, token)
    except NotFound:
        abort(404, description="This invitation is not for you, or it has expired.")
    form = AcceptForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="Your form expired. Please try again.")
        name, slug = group.name, workspace.slug
        coordinators.accept(current_user, token)
        db.session.commit()
        flash(f"You now coordinate {name}'s volunteering.", "success")
        return redirect(url_for("volunteering_coordinate.index", slug=slug))
    return render_template(
        "volunteering/coordinate_accept.html", workspace=workspace, group=group, form=form
    )
