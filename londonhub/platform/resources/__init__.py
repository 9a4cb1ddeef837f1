"""The shared pool of peer-reviewed resources (issue 15): authoring with versions, files in
the storage interface, public listing and search, peer review, adoption, hub curation.

Tenancy model: see models.py.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pool's blueprints and its demo data."""
    from londonhub.platform.core.navigation import register_navigation, register_public_link
    from londonhub.platform.core.notifications import register_staff_event
    from londonhub.platform.core.workspaces import register_workspace_section

    from . import (
        cli,
        events,
        navigation,
        review_views,  # noqa: F401 - adds review, adoption and curation routes
        seed,  # noqa: F401 - registers the demo resources
        views,
    )

    for blueprint in (views.bp, views.admin_bp, views.hub_bp):
        app.register_blueprint(blueprint)
    register_navigation(app, navigation.navigation)
    register_public_link(app, "Resources", "resources.index", order=40)
    register_workspace_section(app, views.workspace_section)
    from . import metrics

    metrics.register(app)
    app.cli.add_command(cli.resources_cli)
    events.register()
    register_staff_event("resource.review_due", "A resource's quality check is running out")
    register_staff_event("resource.new_version", "A new version of a resource we list")
