"""Money: orders, Stripe Checkout, verified idempotent webhooks, refunds, Connect, the ledger.

Imports only `platform.core`; features register fulfilment handlers for their order kinds.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup


def init_billing(app: Flask) -> None:
    from urllib.parse import urlsplit

    from . import (
        document_models,  # noqa: F401 - the invoice documents' tables
        document_views,  # noqa: F401 - invoice and credit note pages on the blueprints below
        jobs,  # noqa: F401 - jobs queued under their older names
        models,  # noqa: F401 - the tables
        seed,  # noqa: F401 - demo invoice settings
        services,
    )
    from .operations import events
    from .views import admin_bp, bp, hub_bp

    events.register()

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(hub_bp)
    from londonhub.platform.core.navigation import register_navigation

    from .navigation import navigation

    register_navigation(app, navigation)
    # Partner organisations' pages list their members' orders without importing billing.
    app.extensions["londonhub.orders_of_buyers"] = services.list_orders_of_buyers
    # Checkout and Connect onboarding are reached by a form POST and a redirect; browsers
    # apply the CSP's form-action to that redirect.
    base = app.config.get("STRIPE_API_BASE")
    if base:
        parts = urlsplit(base)
        origins = [f"{parts.scheme}://{parts.netloc}"]
    else:
        origins = ["https://checkout.stripe.com", "https://connect.stripe.com"]
    app.config["CSP_FORM_ACTION_ORIGINS"] = origins
    app.cli.add_command(billing_cli)
    from . import metrics

    metrics.register(app)


billing_cli = AppGroup("billing", help="Payments: lapse unpaid orders, replay Stripe events.")


@billing_cli.command("expire-due")
def expire_due() -> None:
    """Cancel unpaid orders whose time ran out (and free what they held)."""
    from londonhub.platform.core.extensions import db

    from .operations.webhooks import expire_due_orders

    count = expire_due_orders()
    db.session.commit()
    click.echo(f"{count} unpaid order(s) past their time queued for expiry.")


@billing_cli.command("remind-due")
def remind_due() -> None:
    """Send due invoice reminders and tell sellers of overdue invoices (safe to repeat)."""
    from londonhub.platform.core.extensions import db

    from .operations.followup import remind_due as sweep

    count = sweep()
    db.session.commit()
    click.echo(f"{count} invoice reminder(s) or overdue notice(s) queued.")


@billing_cli.command("replay-event")
@click.argument("event_id")
def replay_event(event_id: str) -> None:
    """Process a stored Stripe event again (safe: processing is idempotent)."""
    from londonhub.platform.core.extensions import db

    from .models import StripeEvent, StripeEventStatus
    from .operations.webhooks import process_stripe_event

    event = db.session.get(StripeEvent, event_id)
    if event is None:
        raise click.ClickException(f"No stored Stripe event {event_id}")
    event.status = StripeEventStatus.RECEIVED
    db.session.commit()
    outcome = process_stripe_event(event_id)
    db.session.commit()
    click.echo(f"{event_id}: {outcome}")
