"""The workspace's volunteering admin at /b/<slug>/admin/volunteering/: local groups,
opportunities and their sessions. Any member (staff and up) manages them: brokering
volunteers is staff's daily work. Thin: parse a form, call one operation, render or redirect."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.tenancy import workspace_blueprint
from londonhub.platform.core.timeutil import as_utc, utcnow

from ..forms import (
    AttendanceForm,
    CoordinatorInviteForm,
    GroupForm,
)
from ..operations import (
    VolunteeringError,
    attendance,
    coordinators,
    groups,
    opportunities,
)
from ..operations.groups import GROUP_FIELDS
from . import opportunity_pages as pages

admin_bp = workspace_blueprint(
    "volunteering_admin", __name__, "/admin/volunteering", template_folder="../templates"
)
require_workspace_role(admin_bp, Role.STAFF, "You are not a member of this workspace.")


def _status(ok: bool = True) -> int:
    return 200 if ok or request.method == "GET" else 400


_field_error = pages.field_error


@admin_bp.get("/")
def index():
    return render_template(
        "volunteering/admin_index.html",
        rows=opportunities.list_opportunities(g.tenant),
        groups=groups.list_groups(g.tenant),
    )


# --- groups --------------------------------------------------------------------------------------


@admin_bp.get("/groups")
def group_list():
    return render_template("volunteering/admin_groups.html", groups=groups.list_groups(g.tenant))


def _save_group(form: GroupForm, group_id: int | None):
    values = {name: getattr(form, name).data for name in GROUP_FIELDS}
    for name in ("charity_number", "company_number", "contact_email", "contact_phone", "website"):
        values[name] = values[name] or None
    values["address"] = values["address"] or ""
    values["postcode"] = values["postcode"] or ""
    try:
        saved = groups.save_group(current_user, g.tenant, values, group_id)
    except VolunteeringError as exc:
        db.session.rollback()
        _field_error(form, exc, "name")
        return None
    name = saved.name
    db.session.commit()
    return name


@admin_bp.route("/groups/new", methods=["GET", "POST"])
def new_group():
    form = GroupForm()
    if form.validate_on_submit():
        name = _save_group(form, None)
        if name is not None:
            flash(f"{name} has been added to your groups.", "success")
            return redirect(url_for(".group_list"))
    return render_template("volunteering/admin_group.html", form=form, group=None), _status(
        request.method == "GET"
    )


@admin_bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def edit_group(group_id: int):
    found = groups.get_group(g.tenant, group_id)
    form = GroupForm(obj=found)
    if request.method == "GET":
        form.causes.data = found.cause_slugs
    if form.validate_on_submit():
        name = _save_group(form, group_id)
        if name is not None:
            flash(f"{name} has been saved.", "success")
            return redirect(url_for(".group_list"))
    invite = CoordinatorInviteForm(prefix="invite")
    if request.method == "GET":
        invite.email.data = found.contact_email
    return render_template(
        "volunteering/admin_group.html",
        form=form,
        group=found,
        coordinators=coordinators.list_coordinators(g.tenant, group_id),
        invite_form=invite,
    ), _status(request.method == "GET")


# --- opportunities and their sessions (the same pages serve group coordinators) ----------------

STAFF_CONSOLE = pages.Console(
    blueprint="volunteering_admin", nav="volunteering/_admin_nav.html", group_ids=None
)


@admin_bp.route("/opportunities/new", methods=["GET", "POST"])
def new_opportunity():
    return pages.new_opportunity(STAFF_CONSOLE)


@admin_bp.route("/opportunities/<int:opportunity_id>", methods=["GET", "POST"])
def edit_opportunity(opportunity_id: int):
    return pages.edit_opportunity(STAFF_CONSOLE, opportunity_id)


@admin_bp.post("/opportunities/<int:opportunity_id>/sessions")
def add_session(opportunity_id: int):
    return pages.add_session(STAFF_CONSOLE, opportunity_id)


@admin_bp.post("/opportunities/<int:opportunity_id>/sessions/<int:session_id>/remove")
def remove_session(opportunity_id: int, session_id: int):
    return pages.remove_session(STAFF_CONSOLE, opportunity_id, session_id)


@admin_bp.route(
    "/opportunities/<int:opportunity_id>/sessions/<int:session_id>", methods=["GET", "POST"]
)
def edit_session(opportunity_id: int, session_id: int):
    return pages.edit_session(STAFF_CONSOLE, opportunity_id, session_id)


@admin_bp.route(
    "/opportunities/<int:opportunity_id>/sessions/<int:session_id>/attendance",
    methods=["GET", "POST"],
)
def session_attendance(opportunity_id: int, session_id: int):
    """Who came to a session that has started: each gets its time as verified hours."""
    back = url_for(".edit_opportunity", opportunity_id=opportunity_id)
    return attendance_page(opportunity_id, session_id, "volunteering/_admin_nav.html", back)


def attendance_page(opportunity_id: int, session_id: int, nav: str, back_url: str):
    """The attendance form, for staff and for the group's coordinators (`nav` and `back_url`
    say whose pages these are); the operation checks who may record."""
    found = opportunities.get_opportunity(g.tenant, opportunity_id)
    session = opportunities.get_session(g.tenant, opportunity_id, session_id)
    people = attendance.attendees(g.tenant, opportunity_id, session_id)
    form = AttendanceForm()
    form.came.choices = [(p.user_id, p.name) for p in people if not p.recorded]
    if form.validate_on_submit():
        try:
            added = attendance.record_attendance(
                current_user, g.tenant, opportunity_id, session_id, form.came.data or []
            )
        except VolunteeringError as exc:
            db.session.rollback()
            _field_error(form, exc, "came")
        else:
            db.session.commit()
            flash(f"Attendance saved: {added} people now have verified hours.", "success")
            return redirect(request.path)
    return render_template(
        "volunteering/admin_attendance.html",
        form=form,
        opportunity=found,
        session=session,
        people=people,
        started=as_utc(session.starts_at) <= utcnow(),
        nav=nav,
        back_url=back_url,
    ), _status(not form.errors)
