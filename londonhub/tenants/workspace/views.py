"""Public workspace page, workspace admin, and invitation links. Thin: parse, call, render."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import undefer

from londonhub.platform.core import audit, notifications, support
from londonhub.platform.core.access import public, require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.forms import choices
from londonhub.platform.core.identity import Role
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.params import page_arg
from londonhub.platform.core.tenancy import Workspace, workspace_blueprint
from londonhub.platform.core.uploads import upload_form, upload_view
from londonhub.platform.core.workspaces import workspace_sections

from . import services
from .forms import InviteForm, LogoForm, ProfileForm, RoleForm, StaffEmailForm

public_bp = workspace_blueprint("workspace", __name__, template_folder="templates")
admin_bp = workspace_blueprint("workspace_admin", __name__, "/admin", template_folder="templates")
invites_bp = Blueprint("workspace_invites", __name__, template_folder="templates")


# --- public ----------------------------------------------------------------------------------


@public_bp.get("/")
@shared_page
@public
def home():
    return render_template(
        "workspace/home.html",
        workspace=g.tenant,
        sections=workspace_sections(g.tenant),
        map_link=services.map_link(g.tenant),
    )


@public_bp.get("/logo")
@public
def logo():
    workspace = db.session.get(Workspace, g.tenant.id, options=[undefer(Workspace.logo)])
    if not workspace.logo:
        abort(404)
    response = Response(workspace.logo, mimetype=workspace.logo_content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


# --- admin -----------------------------------------------------------------------------------


require_workspace_role(admin_bp, Role.STAFF, "You are not a member of this workspace.")


@admin_bp.get("/")
def index():
    events, _ = audit.list_events(workspace=g.tenant, per_page=5)
    members = services.list_members(g.tenant)
    return render_template(
        "workspace/admin_index.html",
        events=events,
        members=members,
        support_visits=support.recent_support(g.tenant),
    )


@admin_bp.route("/profile", methods=["GET", "POST"])
def profile():
    workspace = g.tenant
    services.require_role(current_user, workspace, Role.ADMIN)
    form = ProfileForm(obj=workspace)
    logo_form = LogoForm(prefix="logo")
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                workspace,
                **{
                    name: getattr(form, name).data
                    for name in (
                        "description",
                        "contact_email",
                        "contact_phone",
                        "website",
                        "accent_colour",
                        "address",
                        "postcode",
                        "opening_hours",
                        "booking_horizon_days",
                    )
                },
            )
        except services.AdminError as exc:
            db.session.rollback()
            getattr(form, exc.field or "description").errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your public profile has been saved.", "success")
            return redirect(url_for(".profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("workspace/admin_profile.html", form=form, logo_form=logo_form), status


@admin_bp.post("/logo")
@upload_view(services.logo_max_bytes)
def upload_logo():
    workspace = g.tenant
    services.require_role(current_user, workspace, Role.ADMIN, write=True)
    logo_form, too_large = upload_form(
        lambda **kw: LogoForm(prefix="logo", **kw),
        max_bytes=services.logo_max_bytes(),
        field="logo",
        noun="logo",
    )
    if too_large:
        # The body was never read: the profile form shows what is saved, not the request.
        return render_template(
            "workspace/admin_profile.html",
            form=ProfileForm(formdata=None, obj=workspace),
            logo_form=logo_form,
        ), 413
    if logo_form.validate_on_submit():
        try:
            services.set_logo(current_user, workspace, logo_form.logo.data.read())
        except services.AdminError as exc:
            db.session.rollback()
            logo_form.logo.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your logo has been uploaded.", "success")
            return redirect(url_for(".profile"))
    return render_template(
        "workspace/admin_profile.html", form=ProfileForm(obj=workspace), logo_form=logo_form
    ), 400


@admin_bp.route("/logo/remove", methods=["GET", "POST"])
def delete_logo():
    """GET asks first, saying what will happen; only the confirmation's POST removes."""
    services.require_role(current_user, g.tenant, Role.ADMIN, write=True)
    if request.method == "GET":
        if not g.tenant.logo_version:
            return redirect(url_for(".profile"))
        return render_template(
            "workspace/confirm.html",
            title="Remove your logo?",
            consequences=[
                f"{g.tenant.name}'s banner and public page will show its name without a logo.",
                "You can upload a logo again at any time.",
            ],
            action=url_for(".delete_logo"),
            button="Yes, remove the logo",
            back=url_for(".profile"),
        )
    services.remove_logo(current_user, g.tenant)
    db.session.commit()
    flash("Your logo has been removed.", "success")
    return redirect(url_for(".profile"))


@admin_bp.route("/notifications", methods=["GET", "POST"])
def notification_settings():
    """Which events the staff are emailed about; every member also sees them on the site."""
    services.require_role(current_user, g.tenant, Role.ADMIN)
    form = StaffEmailForm()
    form.events.choices = choices(notifications.STAFF_EVENTS.items())
    if request.method == "GET":
        form.events.data = sorted(notifications.emailed_events(g.tenant))
    elif form.validate_on_submit():
        try:
            services.set_staff_emails(current_user, g.tenant, set(form.events.data or []))
        except services.AdminError as exc:
            db.session.rollback()
            form.events.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your staff email choices have been saved.", "success")
            return redirect(url_for(".notification_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("workspace/admin_notifications.html", form=form), status


@admin_bp.get("/members")
def members():
    return _members_page(InviteForm(prefix="invite"))


def _members_page(invite_form: InviteForm, status: int = 200):
    workspace = g.tenant
    return render_template(
        "workspace/admin_members.html",
        members=services.list_members(workspace),
        invitations=services.list_pending_invitations(workspace),
        invite_form=invite_form,
        role_choices=RoleForm().role.choices,
        can_manage=g.role.rank >= Role.ADMIN.rank,
    ), status


@admin_bp.post("/members/invite")
def invite():
    form = InviteForm(prefix="invite")
    if form.validate_on_submit():
        try:
            services.invite(current_user, g.tenant, form.email.data, Role(form.role.data))
        except services.AdminError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"We have emailed an invitation to {form.email.data}.", "success")
            return redirect(url_for(".members"))
    return _members_page(form, 400)


@admin_bp.post("/members/<int:membership_id>/role")
def change_role(membership_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a role from the list.", "error")
        return redirect(url_for(".members"))
    try:
        membership = services.change_role(
            current_user, g.tenant, membership_id, Role(form.role.data)
        )
    except services.AdminError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"{membership.user.name} is now {membership.role.value}.", "success")
    return redirect(url_for(".members"))


@admin_bp.route("/members/<int:membership_id>/remove", methods=["GET", "POST"])
def remove_member(membership_id: int):
    if request.method == "GET":
        membership = services.member_to_remove(current_user, g.tenant, membership_id)
        person = f"{membership.user.name} ({membership.user.email})"
        return render_template(
            "workspace/confirm.html",
            title=f"Remove {membership.user.name} from {g.tenant.name}?",
            consequences=[
                f"{person} loses access to {g.tenant.name}'s admin at once.",
                "Invitations they sent that are still waiting are withdrawn.",
                "Their account stays: they keep their bookings, orders and other workspaces.",
                "To bring them back, invite them again.",
            ],
            action=url_for(".remove_member", membership_id=membership_id),
            button=f"Yes, remove {membership.user.name}",
            back=url_for(".members"),
        )
    try:
        services.remove_member(current_user, g.tenant, membership_id)
    except services.AdminError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("The member has been removed.", "success")
    return redirect(url_for(".members"))


@admin_bp.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):
    services.revoke_invitation(current_user, g.tenant, invitation_id)
    db.session.commit()
    flash("The invitation has been withdrawn.", "success")
    return redirect(url_for(".members"))


@admin_bp.get("/audit")
def audit_log():
    services.require_role(current_user, g.tenant, Role.ADMIN)
    page = page_arg()
    events, has_next = audit.list_events(workspace=g.tenant, page=page)
    return render_template(
        "workspace/admin_audit.html", events=events, page=page, has_next=has_next
    )


# --- invitation links ------------------------------------------------------------------------


@invites_bp.route("/invites/<token>", methods=["GET", "POST"])
def accept(token: str):
    if not current_user.is_authenticated:
        # Sign in, or sign up with the invited address, and come back here afterwards.
        try:
            _, invitation = services.resolve_invitation(token)
        except services.InvitationProblem:
            email = None
        else:
            email = invitation.email
        return redirect(url_for("auth.login", next=request.path, email=email))
    try:
        workspace, invitation = services.read_invitation(token, current_user)
    except services.InvitationProblem as exc:
        return render_template("workspace/invite_problem.html", problem=str(exc)), exc.status
    if request.method == "POST":
        try:
            services.accept_invitation(current_user, token)
        except services.InvitationProblem as exc:
            db.session.rollback()
            return render_template("workspace/invite_problem.html", problem=str(exc)), exc.status
        db.session.commit()
        flash(f"Welcome to {workspace.name}.", "success")
        return redirect(url_for("workspace_admin.index", slug=workspace.slug))
    return render_template(
        "workspace/invite.html",
        workspace=workspace,
        invitation=invitation,
        role=services.granted_role(workspace, invitation),
    )
