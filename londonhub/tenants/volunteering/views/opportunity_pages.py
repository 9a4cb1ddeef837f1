"""An opportunity's pages (its form and its sessions), served twice: to the workspace's staff
under /admin/volunteering/ and to a group's coordinators under /coordinate/. A `Console` says
whose pages they are: which blueprint's links to draw, which navigation, which groups the form
offers. Who may save what is the operations' check (`coordinators.require_group_manager`); the
coordinator's routes also answer 404 for another group's ids before calling these."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.extensions import db
from londonhub.platform.core.forms import choices
from londonhub.platform.core.timeutil import as_utc, in_london, utcnow

from ..forms import OpportunityForm, SessionForm
from ..models import OpportunityStatus, Schedule
from ..operations import VolunteeringError, groups, opportunities, sessions
from ..operations.opportunities import OPPORTUNITY_FIELDS


@dataclass(frozen=True)
class Console:
    blueprint: str
    nav: str
    #: The groups whose opportunities these pages manage; None: every group of the workspace.
    group_ids: frozenset[int] | None

    def url(self, endpoint: str, **values) -> str:
        return url_for(f"{self.blueprint}.{endpoint}", **values)


def field_error(form, exc: VolunteeringError, default: str) -> None:
    target = getattr(form, exc.field or default, None) or getattr(form, default)
    target.errors = [*target.errors, str(exc)]


def _form(console: Console, found=None) -> OpportunityForm:
    form = OpportunityForm(obj=found)
    offered = [
        grp
        for grp in groups.list_groups(g.tenant)
        if console.group_ids is None or grp.id in console.group_ids
    ]
    form.group_id.choices = choices(
        [(-1, "Choose a group")] + [(grp.id, grp.name) for grp in offered]
    )
    if request.method == "GET" and found is not None:
        form.skills.data = found.skill_slugs
        form.schedule.data = found.schedule.value
        form.status.data = found.status.value
    return form


def _values(form: OpportunityForm) -> dict:
    values = {name: getattr(form, name).data for name in OPPORTUNITY_FIELDS}
    values["schedule"] = Schedule(form.schedule.data)
    values["status"] = OpportunityStatus(form.status.data)
    values["skills"] = form.skills.data or []
    values["address"] = values["address"] or ""
    values["postcode"] = values["postcode"] or ""
    values["description"] = values["description"] or ""
    return values


def _save(console: Console, form: OpportunityForm, opportunity_id: int | None) -> int | None:
    if form.group_id.data is None or form.group_id.data < 0:
        form.group_id.errors = [*form.group_id.errors, "Choose the group this opportunity is for"]
        return None
    if console.group_ids is not None and form.group_id.data not in console.group_ids:
        form.group_id.errors = [*form.group_id.errors, "Choose one of your groups"]
        return None
    try:
        saved = opportunities.save_opportunity(
            current_user, g.tenant, _values(form), opportunity_id
        )
    except VolunteeringError as exc:
        db.session.rollback()
        field_error(form, exc, "title")
        return None
    except opportunities.NotFound:
        db.session.rollback()
        form.group_id.errors = [*form.group_id.errors, "Choose one of your groups"]
        return None
    saved_id = saved.id
    db.session.commit()
    return saved_id


def _page(console: Console, form: OpportunityForm, found, session_form=None, ok=None):
    ok = request.method == "GET" if ok is None else ok
    listed = opportunities.list_sessions(g.tenant, found.id) if found else []
    now = utcnow()
    return render_template(
        "volunteering/admin_opportunity.html",
        console=console,
        form=form,
        opportunity=found,
        sessions=listed,
        changeable={s.id for s in listed if as_utc(s.starts_at) > now},
        session_form=session_form or SessionForm(prefix="session"),
        has_groups=len(form.group_id.choices) > 1,
    ), (200 if ok else 400)


def new_opportunity(console: Console):
    form = _form(console)
    if form.validate_on_submit():
        saved_id = _save(console, form, None)
        if saved_id is not None:
            flash("The opportunity has been saved. Add its sessions below.", "success")
            return redirect(console.url("edit_opportunity", opportunity_id=saved_id))
    return _page(console, form, None)


def edit_opportunity(console: Console, opportunity_id: int):
    found = opportunities.get_opportunity(g.tenant, opportunity_id)
    form = _form(console, found)
    if form.validate_on_submit():
        saved_id = _save(console, form, opportunity_id)
        if saved_id is not None:
            flash("The opportunity has been saved.", "success")
            return redirect(console.url("edit_opportunity", opportunity_id=saved_id))
        found = opportunities.get_opportunity(g.tenant, opportunity_id)
    return _page(console, form, found)


def add_session(console: Console, opportunity_id: int):
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
            field_error(session_form, exc, "day")
        else:
            db.session.commit()
            flash("The session has been added.", "success")
            return redirect(console.url("edit_opportunity", opportunity_id=opportunity_id))
        found = opportunities.get_opportunity(g.tenant, opportunity_id)
    return _page(console, _form(console, found), found, session_form, ok=False)


def remove_session(console: Console, opportunity_id: int, session_id: int):
    opportunities.get_session(g.tenant, opportunity_id, session_id)
    try:
        opportunities.remove_session(current_user, g.tenant, opportunity_id, session_id)
    except VolunteeringError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("The session has been removed.", "success")
    return redirect(console.url("edit_opportunity", opportunity_id=opportunity_id))


def edit_session(console: Console, opportunity_id: int, session_id: int):
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
            field_error(form, exc, "day")
            found = opportunities.get_opportunity(g.tenant, opportunity_id)
            session = opportunities.get_session(g.tenant, opportunity_id, session_id)
        else:
            db.session.commit()
            flash("The session has been saved.", "success")
            return redirect(console.url("edit_opportunity", opportunity_id=opportunity_id))
    return render_template(
        "volunteering/admin_session.html",
        console=console,
        form=form,
        opportunity=found,
        session=session,
    ), (200 if request.method == "GET" or not form.errors else 400)
