"""/hub/: hub admins oversee every workspace."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from londonhub.platform.core import audit
from londonhub.platform.core.access import require_hub_admin
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import count_members
from londonhub.platform.core.params import page_arg
from londonhub.platform.core.tenancy import WorkspaceKind, WorkspaceStatus, get_workspace_by_slug
from londonhub.platform.core.workspaces import (
    WorkspaceError,
    create_workspace,
    list_all_workspaces,
    set_workspace_status,
)

from .forms import CreateWorkspaceForm

bp = Blueprint("hub", __name__, url_prefix="/hub", template_folder="templates")

STATUS_ACTIONS = {
    "suspend": WorkspaceStatus.SUSPENDED,
    "reactivate": WorkspaceStatus.ACTIVE,
    "archive": WorkspaceStatus.ARCHIVED,
}


require_hub_admin(bp)


@bp.get("/")
def index():  # noqa: ANN201
    workspaces = list_all_workspaces()
    counts = count_members([w.id for w in workspaces])
    totals = {
        status: sum(1 for w in workspaces if w.status == status) for status in WorkspaceStatus
    }
    return render_template("hub/index.html", workspaces=workspaces, counts=counts, totals=totals)


@bp.route("/workspaces/new", methods=["GET", "POST"])
def new_workspace():  # noqa: ANN201
    form = CreateWorkspaceForm()
    if form.validate_on_submit():
        try:
            workspace = create_workspace(
                form.slug.data,
                form.name.data,
                borough=form.borough.data,
                kind=WorkspaceKind(form.kind.data),
            )
        except WorkspaceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "slug").errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{workspace.name} has been created at /b/{workspace.slug}/.", "success")
            return redirect(url_for(".index"))
    status = 400 if request.method == "POST" else 200
    return render_template("hub/new_workspace.html", form=form), status


@bp.post("/workspaces/<slug>/status")
def change_status(slug: str):  # noqa: ANN201
    workspace = get_workspace_by_slug(slug)
    if workspace is None:
        abort(404)
    target = STATUS_ACTIONS.get(request.form.get("action", ""))
    if target is None:
        abort(400, description="Choose suspend, reactivate or archive.")
    try:
        set_workspace_status(workspace, target, reason=request.form.get("reason", "")[:500])
    except WorkspaceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"{workspace.name} is now {target.value}.", "success")
    return redirect(url_for(".index"))


@bp.get("/audit")
def audit_log():  # noqa: ANN201
    page = page_arg()
    events, has_next = audit.list_events(page=page)
    return render_template("hub/audit.html", events=events, page=page, has_next=has_next)
