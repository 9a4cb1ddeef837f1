"""Rooms: every civil-society meeting room in London, bookable in one place, never twice.

Wired by `init_app`, called from `create_app`, like every other area."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from londonhub.billing.fulfilment import register_fulfilment
    from londonhub.platform.core.navigation import register_navigation, register_public_link
    from londonhub.platform.core.workspaces import register_workspace_section

    from . import (
        booking_views,  # noqa: F401 - the booking routes, on views.bp
        navigation,
        rate_views,
        seed,  # noqa: F401 - registers the demo rooms with the seeder
        services,
        views,
    )
    from .operations import events, fulfilment, notices

    register_fulfilment(services.ORDER_KIND, fulfilment.HANDLER)
    notices.register_events()
    events.register()

    for blueprint in (views.bp, views.public_bp, views.admin_bp, *rate_views.BLUEPRINTS):
        app.register_blueprint(blueprint)
    register_navigation(app, navigation.navigation)
    register_public_link(app, "Rooms", "rooms.search", order=10)
    register_workspace_section(app, views.workspace_section)
    from . import metrics

    metrics.register(app)
