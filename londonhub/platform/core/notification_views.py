"""A person's notifications on the site (/account/notifications) and its account link."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from . import notifications
from .extensions import db
from .navigation import NavItem, register_navigation
from .params import page_arg

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/account/notifications")
@login_required
def index():
    page = page_arg()
    items, has_next = notifications.list_notifications(current_user, page)
    return render_template(
        "notifications/index.html",
        items=items,
        page=page,
        has_next=has_next,
        unread=notifications.unread_count(current_user),
    )


@bp.post("/account/notifications/read")
@login_required
def mark_read():
    notifications.mark_all_read(current_user)
    db.session.commit()
    flash("All your notifications are marked as read.", "success")
    return redirect(url_for(".index"))


def navigation(user) -> list[NavItem]:
    unread = notifications.unread_count(user)
    return [
        NavItem(
            f"Notifications ({unread} new)" if unread else "Notifications",
            url_for("notifications.index"),
            place="account",
            description="What happened to your bookings, and in the workspaces you work in.",
        )
    ]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_navigation(app, navigation)
