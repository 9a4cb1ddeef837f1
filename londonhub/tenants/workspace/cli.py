"""`flask --app wsgi tenants create SLUG --name NAME [--owner EMAIL]`.

Lives with the workspace area because `--owner` sends this area's invitation; the `tenants`
group itself is core's.
"""

from __future__ import annotations

import click
from flask import current_app

from londonhub.platform.core.cli import tenants_cli
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import WorkspaceKind
from londonhub.platform.core.workspaces import WorkspaceError, create_workspace

from . import services


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
@click.option(
    "--owner",
    "owner_email",
    default=None,
    metavar="EMAIL",
    help="Email an invitation to run the workspace as its owner (they may create an account).",
)
def create_tenant(
    slug: str, name: str, borough: str | None, kind: str, owner_email: str | None
) -> None:
    """Create the workspace SLUG, served at /b/SLUG/."""
    # The invitation's link is absolute: build it against the public origin, not a request.
    base_url = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base_url):
        _create(slug, name, borough, kind, owner_email)


def _create(slug: str, name: str, borough: str | None, kind: str, owner_email: str | None) -> None:
    try:
        workspace = create_workspace(slug, name, borough=borough, kind=WorkspaceKind(kind))
        invitation = services.invite_owner(None, workspace, owner_email) if owner_email else None
    except (WorkspaceError, services.AdminError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    link = services.invitation_link(workspace, invitation) if invitation else None
    invited, created = (invitation.email if invitation else None), workspace.name
    db.session.commit()
    click.echo(f"Created {created} at /b/{slug.strip().lower()}/")
    if invited:
        click.echo(f"Invited {invited} to be its owner: {link}")
