"""`flask resources ...`: the pool's housekeeping, for a daily cron (safe to repeat)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

resources_cli = AppGroup("resources", help="Resource pool: remind owners of lapsing checks.")


@resources_cli.command("remind-reviews")
def remind_reviews() -> None:
    """Remind owners whose quality check runs out within 30 days (once per check)."""
    from londonhub.platform.core.extensions import db

    from .expiry import remind_due_reviews

    count = remind_due_reviews()
    db.session.commit()
    click.echo(f"{count} owner(s) reminded that a quality check runs out.")
