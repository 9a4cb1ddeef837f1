"""`flask webhooks deliver-due`: send what is due (cron every minute without Redis)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .delivery import deliver_due

webhooks_cli = AppGroup("webhooks", help="Outbound webhooks.")


@webhooks_cli.command("deliver-due")
def deliver_due_command() -> None:
    """Publish events a lost job left and attempt every delivery whose time has come."""
    click.echo(f"Attempted {deliver_due()} delivery(ies).")
