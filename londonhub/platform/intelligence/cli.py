"""`flask --app wsgi figures rebuild [--year YEAR ...]` and `figures refresh`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from londonhub.platform.core.extensions import db

from . import figures

figures_cli = AppGroup("figures", help="Monthly figures for dashboards and /data.")


@figures_cli.command("rebuild")
@click.option(
    "--year",
    "years",
    type=click.IntRange(2000, 2100),
    multiple=True,
    help="A year to rebuild (repeatable); default: this year and last.",
)
def rebuild(years: tuple[int, ...]) -> None:
    """Recompute every month of the years from the records (replacing stored figures)."""
    chosen = list(years) or figures.default_years()
    stored = figures.rebuild_years(chosen)
    db.session.commit()
    click.echo(f"Rebuilt {', '.join(map(str, sorted(set(chosen))))}: {stored} figures stored.")


@figures_cli.command("refresh")
def refresh() -> None:
    """Recompute this year's months and last month now (what the refresh job does)."""
    stored = figures.refresh_recent()
    db.session.commit()
    click.echo(f"Refreshed recent months: {stored} figures stored.")
