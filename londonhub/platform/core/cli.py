"""Flask CLI: `flask --app wsgi tenants create SLUG --name NAME`, `flask --app wsgi seed demo`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .seed import SeedRefused, seed_demo
from .tenancy import WorkspaceKind
from .workspaces import WorkspaceError, create_workspace

tenants_cli = AppGroup("tenants", help="Manage borough workspaces.")
seed_cli = AppGroup("seed", help="Load demo data.")


@tenants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The workspace's name, e.g. 'Hackney CVS'.")
@click.option("--borough", default=None, help="The borough (defaults to the name).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in WorkspaceKind]),
    default=WorkspaceKind.CVS.value,
    show_default=True,
)
def create_tenant(slug: str, name: str, borough: str | None, kind: str) -> None:
    """Create the workspace SLUG, served at /b/SLUG/."""
    try:
        workspace = create_workspace(slug, name, borough=borough, kind=WorkspaceKind(kind))
    except WorkspaceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {workspace.name} at /b/{workspace.slug}/")


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
