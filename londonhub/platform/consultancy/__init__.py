"""The consultancy pool and Lifeboat (issue 14): associates and their offers, enquiries,
quotes, engagements with milestones and reviews, the associates' ledger and the subsidy pot,
Lifeboat requests for organisations in difficulty.

Tenancy model: see models.py (hub-level tables, isolation by person in the services).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

consultancy_cli = AppGroup("consultancy", help="The consultancy pool: expire quotes.")


@consultancy_cli.command("expire-quotes")
def expire_quotes_command() -> None:
    """Sent quotes past their expiry date become expired (run daily)."""
    from londonhub.platform.core.extensions import db

    from .engagements import expire_quotes

    count = expire_quotes()
    db.session.commit()
    click.echo(f"{count} quote(s) expired.")


def init_app(app: Flask) -> None:
    """Register the consultancy blueprints, its fulfilment handler, navigation and demo data."""
    from londonhub.billing.fulfilment import register_fulfilment
    from londonhub.platform.core.navigation import register_navigation, register_public_link

    from . import (
        hub_views,
        money,
        navigation,
        seed,  # noqa: F401 - registers the demo associates
        views,
        work_views,  # noqa: F401 - adds the enquiry, quote and engagement routes
    )
    from .partners import consultancy_of_people

    app.register_blueprint(views.bp)
    app.register_blueprint(hub_views.hub_bp)
    register_fulfilment(money.KIND, money.HANDLER)
    register_navigation(app, navigation.navigation)
    register_public_link(app, "Consultancy", "consultancy.index", order=30)
    from . import metrics

    metrics.register(app)
    # Partner organisations' pages list their members' enquiries and engagements.
    app.extensions["londonhub.consultancy_of_people"] = consultancy_of_people
    app.cli.add_command(consultancy_cli)
