"""The workspace's volunteering admin at /b/<slug>/admin/volunteering/: local groups,
opportunities and their sessions. Any member (staff and up) manages them: brokering
volunteers is staff's daily work. Thin: parse a form, call one operation, render or redirect."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.forms import choices
from londonhub.platform.core.identity import Role
from londonhub.platform.core.tenancy import workspace_blueprint
from londonhub.platform.core.timeutil import as_utc, in_london, utcnow

from ..forms import (
    AttendanceForm,
    CoordinatorInviteForm,
    GroupForm,
    OpportunityForm,
    SessionForm,
)
from ..models import OpportunityStatus, Schedule
from ..operations import (
    VolunteeringError,
    attendance,
    coordinators,
    groups,
    opportunities,
    sessions,
)
from ..operations.groups import GROUP_FIELDS
from ..operations.opportunities import OPPORTUNITY_FIELDS

admin_bp = workspace_blueprint(
    "volunteering_admin", __name__, "/admin/volunteering", template_folder="../templates"
)
require_workspace_role(admin_bp, Role.STAFF, "You are not a member of this workspace.")


def _status(ok: bool = True) -> int:
    return 200 if ok or request.method == "GET" else 400


def _field_error(form, exc: VolunteeringError, default: str) -> None:
    target = getattr(form, exc.field or default, None) or getattr(form, default)
    target.errors = [*target.errors, str(exc)]


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


# --- opportunities -------------------------------------------------------------------------------


def _opportunity_form(found=None) -> OpportunityForm:
    form = OpportunityForm(obj=found)
    form.group_id.choices = choices(
        [(-1, "Choose a group")] + [(grp.id, grp.name) for grp in groups.list_groups(g.tenant)]
    )
    if request.method == "GET" and found is not None:
        form.skills.data = found.skill_slugs
        form.schedule.data = found.schedule.value
        form.status.data = found.status.value
    return form


def _opportunity_values(form: OpportunityForm) -> dict:
    values = {name: getattr(form, name).data for name in OPPORTUNITY_FIELDS}
    values["schedule"] = Schedule(form.schedule.data)
    values["status"] = OpportunityStatus(form.status.data)
    values["skills"] = form.skills.data or []
    values["address"] = values["address"] or ""
    values["postcode"] = values["postcode"] or ""
    values["description"] = values["description"] or ""
    return values


def _save_opportunity(form: OpportunityForm, opportunity_id: int | None) -> int | None:
    if form.group_id.data is None or form.group_id.data < 0:
        form.group_id.errors = [*form.group_id.errors, "Choose the group this opportunity is for"]
        return None
    try:
        saved = opportunities.save_opportunity(
            current_user, g.tenant, _opportunity_values(form), opportunity_id
        )
    except VolunteeringError as exc:
        db.session.rollback()
        _field_error(form, exc, "title")
        return None
    except opportunities.NotFound:
        db.session.rollback()
        form.group_id.errors = [*form.group_id.errors, "Choose one of your groups"]
        return None
    saved_id = saved.id
    db.session.commit()
    return saved_id


@admin_bp.route("/opportunities/new", methods=["GET", "POST"])
def new_opportunity():
    form = _opportunity_form()
    if form.validate_on_submit():
        saved_id = _save_opportunity(form, None)
        if saved_id is not None:
            flash("The opportunity has been saved. Add its sessions below.", "success")
            return redirect(url_for(".edit_opportunity", opportunity_id=saved_id))
    return _opportunity_page(form, None)


def _opportunity_page(form: OpportunityForm, found, session_form=None, ok=None):
    ok = request.method == "GET" if ok is None else ok
    sessions = opportunities.list_sessions(g.tenant, found.id) if found else []
    now = utcnow()
    return render_template(
        "volunteering/admin_opportunity.html",
        form=form,
        opportunity=found,
        sessions=sessions,
        changeable={s.id for s in sessions if as_utc(s.starts_at) > now},
        session_form=session_form or SessionForm(prefix="session"),
        has_groups=len(form.group_id.choices) > 1,
    ), (200 if ok else 400)


@admin_bp.route("/opportunities/<int:opportunity_id>", methods=["GET", "POST"])
def edit_opportunity(opportunity_id: int):
    found = opportunities.get_opportunity(g.tenant, opportunity_id)
    form = _opportunity_form(found)
    if form.validate_on_submit():
        saved_id = _save_opportunity(form, opportunity_id)
        if saved_id is not None:
            flash("The opportunity has been saved.", "success")
            return redirect(url_for(".edit_opportunity", opportunity_id=saved_id))
        found = opportunities.get_opportunity(g.tenant, opportunity_id)
    return _opportunity_page(form, found)


@admin_bp.post("/opportunities/<int:opportunity_id>/sessions")
def add_session(opportunity_id: int):
    found = opportunities.get_opportunity(g.tenant, opportunity_id)
    session_form = SessionForm(prefix="session")
    if session_form.validate_on_submit():
        try:
            starts_at, ends_at = opportunities.session_times(
                session_form.day.data, session_form.starts.data, session_form.ends.data
            )
            opportunities.add_session(
                current_user,
                g.tenant,
                opportunity_id,
                starts_at,
                ends_at,
                session_form.places.data,
                session_form.place.data or "",
            )
        except VolunteeringError as exc:
            db.session.rollback()
            _field_error(session_form, exc, "day")
        else:
            db.session.commit()
            flash("The session has been added.", "success")
            return redirect(url_for(".edit_opportunity", opportunity_id=opportunity_id))
        found = opportunities.get_opportunity(g.tenant, opportunity_id)
    return _opportunity_page(_opportunity_form(found), found, session_form, ok=False)


@admin_bp.post("/opportunities/<int:opportunity_id>/sessions/<int:session_id>/remove")
def remove_session(opportunity_id: int, session_id: int):
    opportunities.get_session(g.tenant, opportunity_id, session_id)
    try:
        opportunities.remove_session(current_user, g.tenant, opportunity_id, session_id)
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("The session has been removed.", "success")
    return redirect(url_for(".edit_opportunity", opportunity_id=opportunity_id))


@admin_bp.route(
    "/opportunities/<int:opportunity_id>/sessions/<int:session_id>", methods=["GET", "POST"]
)
def edit_session(opportunity_id: int, session_id: int):
    found = opportunities.get_opportunity(g.tenant, opportunity_id)
    session = opportunities.get_session(g.tenant, opportunity_id, session_id)
    form = SessionForm()
    if request.method == "GET":
        form.day.data = in_london(session.starts_at).date()
        form.starts.data = in_london(session.starts_at).time()
        form.ends.data = in_london(session.ends_at).time()
        form.places.data, form.place.data = session.places, session.place
    if form.validate_on_submit():
        try:
            starts_at, ends_at = opportunities.session_times(
                form.day.data, form.starts.data, form.ends.data
            )
            sessions.update_session(
                current_user,
                g.tenant,
                opportunity_id,
                session_id,
                starts_at,
                ends_at,
                form.places.data,
                form.place.data or "",
            )
        except VolunteeringError as exc:
            db.session.rollback()
            _field_error(form, exc, "day")
            found = opportunities.get_opportunity(g.tenant, opportunity_id)
            session = opportunities.get_session(g.tenant, opportunity_id, session_id)
        else:
            db.session.commit()
            flash("The session has been saved.", "success")
            return redirect(url_for(".edit_opportunity", opportunity_id=opportunity_id))
    return render_template(
        "volunteering/admin_session.html", form=form, opportunity=found, session=session
    ), _status(not form.errors)


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
