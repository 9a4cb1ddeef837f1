"""`flask volunteering ...`: housekeeping that a scheduler does when Redis is there."""

from __future__ import annotations

import click
from flask.cli import AppGroup

volunteering_cli = AppGroup("volunteering", help="Volunteering: lapse offers past their time.")


@volunteering_cli.command("expire-offers")
def expire_offers() -> None:
    """Let offers of freed places lapse once past their time, and offer them on."""
    from londonhub.platform.core.extensions import db

    from .operations.waitlist import expire_due_offers

    count = expire_due_offers()
    db.session.commit()
    click.echo(f"{count} offer(s) past their time queued to lapse.")
