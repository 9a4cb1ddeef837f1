"""Community-rate requests: a group asks a workspace for the community rate (with its charity
or company number) and the workspace's admins approve it or not. Kept apart from views.py,
which other work edits this round; registered with the other rooms blueprints."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.access import require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.tenancy import get_workspace_by_slug, workspace_blueprint

from . import services
from .forms import ClaimDecisionForm, RateClaimForm

bp = Blueprint("room_rates", __name__, template_folder="templates")
admin_bp = workspace_blueprint(
    "room_rates_admin", __name__, "/admin/rooms/rate-requests", template_folder="templates"
)
BLUEPRINTS = (bp, admin_bp)


def _workspace():
    workspace = get_workspace_by_slug(request.values.get("workspace", ""))
    if workspace is None or workspace.is_hub:
        abort(404)
    return workspace


@bp.route("/rooms/community-rate", methods=["GET", "POST"])
@login_required
def claim():
    """Ask a workspace (`workspace=<slug>`) for the community rate."""
    workspace = _workspace()
    g.tenant = workspace  # the workspace's banner
    form = RateClaimForm()
    existing = services.get_claim(workspace, current_user)
    rate = services.rate_for(current_user, workspace, None)
    if request.method == "GET":
        form.workspace.data = workspace.slug
        if existing is not None:
            form.organisation_name.data = existing.organisation_name
            form.evidence_kind.data = existing.evidence_kind
            form.evidence_number.data = existing.evidence_number
    elif form.validate():
        try:
            services.claim_community_rate(
                current_user,
                workspace,
                form.organisation_name.data,
                form.evidence_kind.data,
                form.evidence_number.data,
            )
        except services.RoomError as exc:
            db.session.rollback()
            target = getattr(form, exc.field or "evidence_number", form.evidence_number)
            target.errors = [*target.errors, str(exc)]
        else:
            db.session.commit()
            flash(
                f"{workspace.name} will check your request. Until they approve it, "
                "you are quoted the standard rate.",
                "success",
            )
            return redirect(url_for(".claim", workspace=workspace.slug))
    status = 400 if form.errors else 200
    return render_template(
        "rooms/rate_claim.html", form=form, workspace=workspace, claim=existing, rate=rate
    ), status


require_workspace_role(admin_bp, Role.STAFF, "You are not a member of this workspace.")


def _requests_page(status: int = 200):
    claims = services.list_claims(current_user, g.tenant)
    return render_template(
        "rooms/admin_rate_claims.html",
        claims=claims,
        people=services.claimants(g.tenant, claims),
        decision=ClaimDecisionForm(),
        can_manage=has_role(current_user, g.tenant, Role.ADMIN),
        rooms_active="rates",
    ), status


@admin_bp.get("/")
def requests():
    return _requests_page()


@admin_bp.post("/<int:claim_id>")
def decide(claim_id: int):
    form = ClaimDecisionForm()
    if not form.validate():
        abort(400)
    claim = services.decide_claim(
        current_user, g.tenant, claim_id, approve=form.decision.data == "approve"
    )
    name, approved = claim.organisation_name, form.decision.data == "approve"
    db.session.commit()
    flash(
        f"{name}: {'approved' if approved else 'not approved'} for the community rate.", "success"
    )
    return redirect(url_for(".requests"))
