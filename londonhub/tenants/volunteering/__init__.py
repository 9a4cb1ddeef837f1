"""Volunteering: local groups, opportunities published on their behalf and their sessions,
London-wide search at /opportunities, volunteer profiles, sign-ups with waiting lists and
time-limited offers, and verified hours. Wired by `init_app`, called from `create_app`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from londonhub.platform.core.navigation import register_navigation, register_public_link
    from londonhub.platform.core.workspaces import register_workspace_section

    from . import (
        cli,
        models,  # noqa: F401 - the tables
        seed,  # noqa: F401 - registers the demo groups and opportunities
    )
    from .views import (  # noqa: F401 - routes
        admin,
        admin_responses,
        coordinate,
        mydata,
        public,
        volunteer,
    )

    app.register_blueprint(public.bp)
    app.register_blueprint(public.public_bp)
    app.register_blueprint(public.groups_bp)
    app.register_blueprint(coordinate.coordinate_bp)
    app.register_blueprint(admin.admin_bp)
    app.register_blueprint(volunteer.me_bp)
    register_workspace_section(app, public.workspace_section)
    register_navigation(app, volunteer.navigation)
    register_public_link(app, "Volunteer", "volunteering.search", order=20)
    app.cli.add_command(cli.volunteering_cli)
    from . import metrics

    metrics.register(app)
    from .operations import events

    events.register()
