"""A workspace's corporate volunteering at /b/<slug>/admin/corporate: employees waiting in its
area, confirming (or placing elsewhere, or declining) them, those placed, and its income from
placements. Any member (staff and up): brokering volunteers is staff's daily work."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.tenancy import workspace_blueprint

from ..operations import CorporateError, placements

workspace_bp = workspace_blueprint(
    "corporate_workspace", __name__, "/admin/corporate", template_folder="../templates"
)
require_workspace_role(workspace_bp, Role.STAFF, "You are not a member of this workspace.")


def _page(status: int = 200):
    return render_template(
        "corporate/workspace.html",
        waiting=placements.waiting_in(g.tenant),
        placed=placements.placed_in(g.tenant),
        income=placements.income(g.tenant),
        opportunities=placements.suitable_opportunities(g.tenant),
    ), status


@workspace_bp.get("/")
def index():
    return _page()


@workspace_bp.post("/placements/<int:placement_id>/confirm")
def confirm(placement_id: int):
    raw = request.form.get("opportunity_id", "")
    try:
        chosen = int(raw) if raw else None
    except ValueError:
        chosen = -1
    try:
        placements.confirm(current_user, g.tenant, placement_id, chosen)
    except CorporateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index", slug=g.tenant.slug))
    db.session.commit()
    flash("The placement is confirmed, and the employee has been told.", "success")
    return redirect(url_for(".index", slug=g.tenant.slug))


@workspace_bp.post("/placements/<int:placement_id>/decline")
def decline(placement_id: int):
    try:
        placements.decline(current_user, g.tenant, placement_id, request.form.get("reason", ""))
    except CorporateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index", slug=g.tenant.slug))
    db.session.commit()
    flash("The employee has been told, and can choose again.", "success")
    return redirect(url_for(".index", slug=g.tenant.slug))
