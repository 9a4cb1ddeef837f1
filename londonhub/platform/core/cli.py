"""Flask CLI: the `tenants` group (its `create` command is the workspace area's, which sends
the owner's invitation), `flask --app wsgi seed demo`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .seed import SeedRefused, seed_demo

tenants_cli = AppGroup("tenants", help="Manage borough workspaces.")
seed_cli = AppGroup("seed", help="Load demo data.")


@seed_cli.command("demo")
def seed_demo_command() -> None:
    """The hub, all 33 London workspaces and the demo users; running it twice changes nothing."""
    try:
        created = seed_demo()
    except SeedRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"Demo data ready: {created['workspaces']} workspaces and {created['users']} users created."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(tenants_cli)
    app.cli.add_command(seed_cli)
