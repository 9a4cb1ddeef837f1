"""London-wide intelligence: monthly figures from the data dictionary (core/metrics.py), the
public `/data` page and open-data bundle, dashboards and the annual report.

It reads every area's figures through the dictionary only, so it imports no other feature.
Wired by `init_app`, called last from `create_app` (its seeder computes the figures of
everything the other areas seeded)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from londonhub.platform.core.navigation import register_navigation, register_public_link
    from londonhub.platform.core.seed import register_seeder

    from . import (  # noqa: F401 - tables, jobs, routes
        cli,
        dashboard_views,
        data_views,
        figures,
        models,
        report_views,
        reports,
    )
    from .navigation import navigation

    app.register_blueprint(data_views.bp)
    app.register_blueprint(dashboard_views.london_bp)
    app.register_blueprint(dashboard_views.workspace_bp)
    register_navigation(app, navigation)
    register_public_link(app, "Data", "data.index", order=60)
    register_seeder(_seed_figures)
    app.cli.add_command(cli.figures_cli)


def _seed_figures() -> None:
    """After the demo data: compute this year's and last year's figures from it."""
    from .figures import default_years, rebuild_years

    rebuild_years(default_years())
