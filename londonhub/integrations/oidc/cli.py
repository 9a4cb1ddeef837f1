"""`flask --app wsgi partners add ...` and `partners list`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from londonhub.platform.core.extensions import db

from . import services
from .models import DEFAULT_SCOPES, PartnerKind

partners_cli = AppGroup("partners", help="Manage partner organisations and their sign-in.")


@partners_cli.command("add")
@click.option("--name", required=True, help="The organisation's name.")
@click.option(
    "--domain",
    "domains",
    multiple=True,
    required=True,
    help="An email domain the organisation vouches for (repeat for more).",
)
@click.option("--issuer", required=True, help="The provider's issuer URL.")
@click.option("--client-id", required=True)
@click.option(
    "--client-secret",
    prompt=True,
    hide_input=True,
    envvar="PARTNER_CLIENT_SECRET",
    help="Asked for when left out (or read from PARTNER_CLIENT_SECRET); never printed.",
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in PartnerKind]),
    default=PartnerKind.OTHER.value,
    show_default=True,
)
@click.option("--discovery-url", default=None, help="Defaults to the issuer's well-known URL.")
@click.option("--scopes", default=DEFAULT_SCOPES, show_default=True)
@click.option(
    "--role-rule",
    "role_rules",
    multiple=True,
    help="A claim-to-role rule, 'claim = value -> admin' (repeat for more).",
)
@click.option(
    "--allow-foreign-endpoints",
    is_flag=True,
    help="Allow the provider's endpoints at other addresses than the issuer's.",
)
def add_partner(
    name: str,
    domains: tuple[str, ...],
    issuer: str,
    client_id: str,
    client_secret: str,
    kind: str,
    discovery_url: str | None,
    scopes: str,
    role_rules: tuple[str, ...],
    allow_foreign_endpoints: bool,
) -> None:
    """Add a partner organisation whose people sign in through its provider."""
    try:
        partner = services.create_partner(
            name=name,
            kind=PartnerKind(kind),
            domains=services.parse_domains(" ".join(domains)),
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            discovery_url=discovery_url,
            scopes=scopes,
            role_rules=services.parse_role_rules("\n".join(role_rules)),
            allow_foreign_endpoints=allow_foreign_endpoints,
        )
    except services.PartnerError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"Added {partner.name} (id {partner.id}) for "
        f"{', '.join(d.domain for d in partner.domains)}; the client secret is stored encrypted."
    )


@partners_cli.command("list")
def list_partners() -> None:
    """Every partner organisation, its domains and issuer."""
    for partner in services.list_partners():
        state = "on" if partner.is_enabled else "off"
        domains = ", ".join(d.domain for d in partner.domains)
        click.echo(f"{partner.id}\t{partner.slug}\t{state}\t{domains}\t{partner.issuer}")
