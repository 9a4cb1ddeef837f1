"""`flask volunteering ...`: housekeeping that a scheduler does when Redis is there."""

from __future__ import annotations

import click
from flask.cli import AppGroup

volunteering_cli = AppGroup(
    "volunteering",
    help="Volunteering: lapse offers past their time, refresh opportunities' next sessions.",
)


@volunteering_cli.command("expire-offers")
def expire_offers() -> None:
    """Let offers of freed places lapse once past their time, and offer them on."""
    from londonhub.platform.core.extensions import db

    from .operations.waitlist import expire_due_offers

    count = expire_due_offers()
    db.session.commit()
    click.echo(f"{count} offer(s) past their time queued to lapse.")


@volunteering_cli.command("refresh-next-sessions")
def refresh_next_sessions() -> None:
    """Refresh each opportunity whose stored next session has started (run from cron
    without Redis; with it, a job scheduled for each session's start does this)."""
    from londonhub.platform.core.extensions import db

    from .operations.next_session import refresh_stale

    count = refresh_stale()
    db.session.commit()
    click.echo(f"{count} opportunity(ies) queued to refresh their next session.")
