"""A workspace's API tokens at /b/<slug>/admin/api-tokens: made and revoked by its admins."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.tenancy import workspace_blueprint

from . import tokens
from .forms import TokenForm

bp = workspace_blueprint("api_admin", __name__, "/admin/api-tokens", template_folder="templates")
require_workspace_role(bp, Role.ADMIN, "Only the workspace's admins can manage API tokens.")


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.list_tokens(g.tenant),
        new_token=new_token,
    ), status


@bp.get("/")
def index():
    return _page(TokenForm())


@bp.post("/")
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        _token, raw = tokens.create_token(
            current_user, g.tenant, form.name.data, tokens.TokenScope(form.scope.data)
        )
    except tokens.TokenError as exc:
        db.session.rollback()
        form.name.errors = [str(exc)]
        return _page(form, status=400)
    db.session.commit()
    # Shown on this page only: the token is never stored, so it cannot be shown again.
    return _page(TokenForm(formdata=None), new_token=raw, status=201)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    token = tokens.revoke_token(current_user, g.tenant, token_id)
    db.session.commit()
    flash(f"Revoked the token {token.name}. It no longer works.", "success")
    return redirect(url_for(".index"))
