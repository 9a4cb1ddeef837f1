"""A workspace's public page and its admin: profile, logo, staff, roles, invitations, audit."""

from __future__ import annotations

from flask import Flask, url_for

from londonhub.platform.core.navigation import NavItem, register_navigation


def _navigation(user) -> list[NavItem]:
    """Each member's workspace admin: named when there is one, /account lists several."""
    from londonhub.platform.core.accounts import memberships_of

    open_ = [m for m in memberships_of(user) if m.workspace.is_public]
    if not open_:
        return []
    if len(open_) == 1:
        workspace = open_[0].workspace
        return [
            NavItem(
                workspace.name, url_for("workspace_admin.index", slug=workspace.slug), work=True
            )
        ]
    return [NavItem("Your workspaces", url_for("auth.account") + "#workspaces", work=True)]


def init_app(app: Flask) -> None:
    from . import cli  # noqa: F401 - `flask tenants create`
    from .views import admin_bp, invites_bp, public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(invites_bp)
    register_navigation(app, _navigation)

    @app.context_processor
    def _support() -> dict:
        """`support_here()`: the signed-in hub admin's support access to this workspace."""
        from flask import g
        from flask_login import current_user

        from londonhub.platform.core.support import active_support

        def support_here():
            tenant = g.get("tenant")
            return active_support(current_user, tenant) if tenant is not None else None

        return {"support_here": support_here}
