"""Hub admin: every workspace, its status and members, and the whole audit log."""

from __future__ import annotations

from flask import Flask, url_for

from londonhub.platform.core.navigation import NavItem, register_navigation


def _navigation(user) -> list[NavItem]:
    if not user.is_hub_admin:
        return []
    return [
        NavItem("Hub admin", url_for("hub.index"), work=True),
        NavItem(
            "Hub admin",
            url_for("hub.index"),
            place="account",
            description="Every workspace, its owners and status, support access, the audit log.",
        ),
    ]


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
    register_navigation(app, _navigation)
