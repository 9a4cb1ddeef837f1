"""/hub/: hub admins oversee every workspace: create one with its owner, transfer ownership,
change its status (after a confirmation page), and enter its admin for support."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from londonhub.platform.core import audit, support
from londonhub.platform.core.access import require_hub_admin
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, count_members
from londonhub.platform.core.params import page_arg
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceKind,
    WorkspaceStatus,
    get_workspace_by_slug,
)
from londonhub.platform.core.workspaces import (
    ALLOWED_TRANSITIONS,
    WorkspaceError,
    create_workspace,
    list_all_workspaces,
    set_workspace_status,
)
from londonhub.tenants.workspace import services as workspace_services

from .forms import CreateWorkspaceForm, InviteOwnerForm, StatusForm, SupportForm, TransferForm

bp = Blueprint("hub", __name__, url_prefix="/hub", template_folder="templates")

STATUS_ACTIONS = {
    "suspend": WorkspaceStatus.SUSPENDED,
    "reactivate": WorkspaceStatus.ACTIVE,
    "archive": WorkspaceStatus.ARCHIVED,
}
#: What each change does, said on its confirmation page before anything happens.
CONSEQUENCES = {
    "suspend": [
        "Its public pages stay visible, with a notice that it is suspended.",
        "Its staff can still sign in and look, but nothing in it can be changed.",
        "You can reactivate it at any time.",
    ],
    "archive": [
        "Its public pages and its admin disappear: its address answers “Page not found”.",
        "Its members can no longer reach it; pending invitations to it stop working.",
        "Nothing is deleted: you can reactivate it later from the hub.",
    ],
    "reactivate": ["Its pages and admin work again as before."],
}


require_hub_admin(bp)


def _workspace_or_404(slug: str) -> Workspace:
    workspace = get_workspace_by_slug(slug)
    if workspace is None or workspace.is_hub:
        abort(404, description="There is no workspace at this address.")
    return workspace


@bp.get("/")
def index():
    workspaces = list_all_workspaces()
    counts = count_members([w.id for w in workspaces])
    totals = {
        status: sum(1 for w in workspaces if w.status == status) for status in WorkspaceStatus
    }
    return render_template("hub/index.html", workspaces=workspaces, counts=counts, totals=totals)


@bp.route("/workspaces/new", methods=["GET", "POST"])
def new_workspace():
    form = CreateWorkspaceForm()
    if form.validate_on_submit():
        try:
            workspace = create_workspace(
                form.slug.data,
                form.name.data,
                borough=form.borough.data,
                kind=WorkspaceKind(form.kind.data),
            )
            workspace_services.invite_owner(current_user, workspace, form.owner_email.data)
        except WorkspaceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "slug").errors.append(str(exc))
        except workspace_services.AdminError as exc:
            db.session.rollback()
            form.owner_email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                f"{workspace.name} has been created at /b/{workspace.slug}/. We have emailed "
                f"{form.owner_email.data} an invitation to run it as its owner.",
                "success",
            )
            return redirect(url_for(".workspace", slug=workspace.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("hub/new_workspace.html", form=form), status


def _workspace_page(workspace: Workspace, status: int = 200, **forms):
    members = workspace_services.list_members(workspace)
    transfer = forms.get("transfer") or TransferForm(prefix="transfer")
    transfer.member.choices = [
        SelectChoice(m.id, f"{m.user.name} ({m.user.email}), {m.role.label.lower()}")
        for m in members
    ]
    return render_template(
        "hub/workspace.html",
        workspace=workspace,
        members=members,
        owners=[m for m in members if m.role == Role.OWNER],
        invitations=workspace_services.list_pending_invitations(workspace),
        invite_form=forms.get("invite") or InviteOwnerForm(prefix="owner"),
        transfer_form=transfer,
        support_form=forms.get("support") or SupportForm(prefix="support"),
        support_now=support.active_support(current_user, workspace),
        support_visits=support.recent_support(workspace),
        actions=[
            action
            for action, target in STATUS_ACTIONS.items()
            if target in ALLOWED_TRANSITIONS[workspace.status]
        ],
    ), status


@bp.get("/workspaces/<slug>/")
def workspace(slug: str):
    return _workspace_page(_workspace_or_404(slug))


@bp.post("/workspaces/<slug>/owners/invite")
def invite_owner(slug: str):
    workspace = _workspace_or_404(slug)
    form = InviteOwnerForm(prefix="owner")
    if form.validate_on_submit():
        try:
            workspace_services.invite_owner(current_user, workspace, form.email.data)
        except workspace_services.AdminError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"We have emailed {form.email.data} an invitation to be an owner.", "success")
            return redirect(url_for(".workspace", slug=slug))
    return _workspace_page(workspace, 400, invite=form)


@bp.post("/workspaces/<slug>/owners/transfer")
def transfer_ownership(slug: str):
    workspace = _workspace_or_404(slug)
    form = TransferForm(prefix="transfer")
    form.member.choices = [
        SelectChoice(m.id, m.user.email) for m in workspace_services.list_members(workspace)
    ]
    if form.validate_on_submit():
        try:
            membership = workspace_services.transfer_ownership(
                current_user, workspace, form.member.data
            )
        except workspace_services.AdminError as exc:
            db.session.rollback()
            form.member.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{membership.user.name} is now the owner of {workspace.name}.", "success")
            return redirect(url_for(".workspace", slug=slug))
    return _workspace_page(workspace, 400, transfer=form)


@bp.post("/workspaces/<slug>/support")
def start_support(slug: str):
    workspace = _workspace_or_404(slug)
    form = SupportForm(prefix="support")
    if form.validate_on_submit():
        try:
            support.start_support(current_user, workspace, form.reason.data, form.minutes.data)
        except support.SupportError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                f"You are in {workspace.name}'s admin for support. Its owners can see this.",
                "success",
            )
            return redirect(url_for("workspace_admin.index", slug=slug))
    return _workspace_page(workspace, 400, support=form)


@bp.post("/workspaces/<slug>/support/end")
def end_support(slug: str):
    workspace = _workspace_or_404(slug)
    if support.end_support(current_user, workspace) is not None:
        db.session.commit()
        flash(f"Your support access to {workspace.name} has ended.", "success")
    return redirect(url_for(".workspace", slug=slug))


@bp.route("/workspaces/<slug>/status/<action>", methods=["GET", "POST"])
def change_status(slug: str, action: str):
    """A confirmation page that says what will happen; the change is made only by its form."""
    workspace = _workspace_or_404(slug)
    target = STATUS_ACTIONS.get(action)
    if target is None:
        abort(404, description="Choose suspend, reactivate or archive.")
    form = StatusForm()
    if form.validate_on_submit():
        try:
            set_workspace_status(workspace, target, reason=form.reason.data or "")
        except WorkspaceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"{workspace.name} is now {target.value}.", "success")
        return redirect(url_for(".index"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "hub/confirm_status.html",
        workspace=workspace,
        action=action,
        form=form,
        consequences=CONSEQUENCES[action],
        allowed=target in ALLOWED_TRANSITIONS[workspace.status],
    ), status


@bp.get("/audit")
def audit_log():
    page = page_arg()
    events, has_next = audit.list_events(page=page)
    return render_template("hub/audit.html", events=events, page=page, has_next=has_next)
