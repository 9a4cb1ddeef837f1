"""What other areas may use of intelligence: the published figures (for `/data`, the home
page and `/api/v1/figures`) and the dictionary. Stable signatures: the API relies on them.

Published figures are aggregates of publishable metrics only, and no published number is
below 5 (`core.metrics.SUPPRESS_BELOW`): such figures carry `value=None`,
`suppressed=True` and the text "fewer than 5". When exactly one borough of a metric is
suppressed, the next smallest is suppressed too, so the London total minus the others
cannot give it away.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.metrics import (
    SUPPRESS_BELOW,
    Metric,
    all_metrics,
    format_value,
    plain_value,
    suppressed_text,
)
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus
from londonhub.platform.core.timeutil import london_today

from . import figures

FIRST_YEAR = 2020


class UnknownFigure(LookupError):
    """No such publishable metric, borough or year: the message says which."""


@dataclass(frozen=True)
class PublishedFigure:
    metric: str
    name: str
    #: number, pounds or hours: what `value` counts.
    unit: str
    year: int
    #: The borough workspace's slug; None for London as a whole.
    borough: str | None
    place: str
    #: In `unit`; None when suppressed (below 5).
    value: int | float | None
    #: As people read it: "1,234", "£56.00", "12.5", or "fewer than 5".
    display: str
    suppressed: bool

    def as_dict(self) -> dict:
        return asdict(self)


def publishable_metrics() -> list[Metric]:
    return [metric for metric in all_metrics() if metric.publishable]


def boroughs() -> list[Workspace]:
    """Borough workspaces shown in figures (archived ones are gone from public pages)."""
    return list(
        db.session.scalars(
            select(Workspace)
            .where(Workspace.is_hub.is_(False), Workspace.status != WorkspaceStatus.ARCHIVED)
            .order_by(Workspace.borough)
        )
    )


def check_year(year: int | None) -> int:
    this_year = london_today().year
    if year is None:
        return this_year
    if not FIRST_YEAR <= year <= this_year:
        raise UnknownFigure(f"Figures are published for {FIRST_YEAR} to {this_year}.")
    return year


def _published(metric: Metric, year: int, borough: Workspace | None, value: int, hide: bool):
    return PublishedFigure(
        metric=metric.key,
        name=metric.name,
        unit=metric.unit_label,
        year=year,
        borough=borough.slug if borough else None,
        place=borough.borough if borough else "London",
        value=None if hide else plain_value(metric, value),
        display=suppressed_text(metric) if hide else format_value(metric, value),
        suppressed=hide,
    )


def _small(metric: Metric, value: int) -> bool:
    return plain_value(metric, value) < SUPPRESS_BELOW


def published_figures(
    year: int | None = None, *, metric: str | None = None, borough: str | None = None
) -> list[PublishedFigure]:
    """The published figures of `year` (default: this year so far): for each publishable
    metric (or only `metric`), London's figure then each borough's (or only `borough`'s).
    Raises UnknownFigure for a metric, borough or year that is not published."""
    year = check_year(year)
    metrics = publishable_metrics()
    if metric is not None:
        metrics = [m for m in metrics if m.key == metric]
        if not metrics:
            raise UnknownFigure(f"No published metric is called {metric!r}.")
    places = boroughs()
    if borough is not None and borough not in {w.slug for w in places}:
        raise UnknownFigure(f"No borough workspace is called {borough!r}.")
    window = figures.year_window(year)
    london = figures.totals([m.key for m in metrics], window)
    result: list[PublishedFigure] = []
    for item in metrics:
        per_workspace = figures.by_workspace(item.key, window)
        hidden = {w.id for w in places if _small(item, per_workspace.get(w.id, 0))}
        if len(hidden) == 1 and len(places) > 1:
            shown = [w for w in places if w.id not in hidden]
            hidden.add(min(shown, key=lambda w: per_workspace.get(w.id, 0)).id)
        if borough is None:
            total = london.get(item.key, 0)
            result.append(_published(item, year, None, total, _small(item, total)))
        for place in places:
            if borough is not None and place.slug != borough:
                continue
            value = per_workspace.get(place.id, 0)
            result.append(_published(item, year, place, value, place.id in hidden))
    return result


def published_years() -> list[int]:
    return list(range(london_today().year, FIRST_YEAR - 1, -1))


def this_year() -> int:
    return london_today().year
