"""Monthly figures: computed from the data dictionary's queries into `monthly_figure`, so
dashboards read a few hundred small rows instead of scanning records on every page view.

Kept fresh by jobs (`refresh_recent`: this year's months and last month, queued when a
dashboard finds the figures older than `FRESH_SECONDS`) and rebuilt by
`flask --app wsgi figures rebuild [--year YEAR]` (and after `seed demo`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, job
from londonhub.platform.core.metrics import Metric, all_metrics, get_metric, measure
from londonhub.platform.core.timeutil import london_today, utcnow

from .models import NO_WORKSPACE, MonthlyFigure

log = logging.getLogger(__name__)

#: Figures older than this are refreshed (by a job) when a dashboard is viewed.
FRESH_SECONDS = 600
#: A row stored for every month computed (figures of zero are not stored): when its month was
#: last computed, found through the unique index instead of scanning every figure.
COMPUTED = "_computed"


# --- months -------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= month_start(last):
        months.append(month)
        month = add_months(month, 1)
    return months


# --- computing -----------------------------------------------------------------------------------


def rebuild_month(month: date, metrics: Iterable[Metric] | None = None) -> int:
    """Recompute every metric for `month` from the records, replacing its stored figures.
    Returns the number of non-zero figures stored. Flushes; the caller commits."""
    month = month_start(month)
    following = add_months(month, 1)
    stored = 0
    now = utcnow()
    for metric in metrics if metrics is not None else all_metrics():
        figures = measure(metric, month, following)
        db.session.execute(
            delete(MonthlyFigure).where(
                MonthlyFigure.metric == metric.key, MonthlyFigure.month == month
            )
        )
        rows = [
            {
                "metric": metric.key,
                "workspace_id": NO_WORKSPACE if workspace_id is None else workspace_id,
                "month": month,
                "value": value,
                "computed_at": now,
            }
            for workspace_id, value in figures.items()
            if value
        ]
        if rows:
            db.session.execute(insert(MonthlyFigure), rows)
        stored += len(rows)
    db.session.execute(
        delete(MonthlyFigure).where(MonthlyFigure.metric == COMPUTED, MonthlyFigure.month == month)
    )
    db.session.add(
        MonthlyFigure(
            metric=COMPUTED, workspace_id=NO_WORKSPACE, month=month, value=0, computed_at=now
        )
    )
    db.session.flush()
    return stored


def rebuild_years(years: Iterable[int]) -> int:
    """Recompute every month of each year; returns how many figures were stored."""
    return sum(
        rebuild_month(date(year, month, 1)) for year in sorted(set(years)) for month in range(1, 13)
    )


def default_years() -> list[int]:
    """The years dashboards compare: this one and last."""
    this_year = london_today().year
    return [this_year - 1, this_year]


@job
def refresh_recent() -> int:
    """Recompute this year's months and last month (late verifications, refunds and bookings
    made ahead change them); older months change only through `figures rebuild`."""
    this_month = month_start(london_today())
    months = {add_months(this_month, -1), *months_between(date(this_month.year, 1, 1), this_month)}
    months |= set(months_between(this_month, date(this_month.year, 12, 1)))
    return sum(rebuild_month(month) for month in sorted(months))


def last_computed():
    """When this month's figures were last computed (None: never)."""
    return db.session.scalar(
        select(MonthlyFigure.computed_at).where(
            MonthlyFigure.metric == COMPUTED,
            MonthlyFigure.month == month_start(london_today()),
            MonthlyFigure.workspace_id == NO_WORKSPACE,
        )
    )


def refresh_if_stale() -> bool:
    """Queue `refresh_recent` when the stored figures are older than `FRESH_SECONDS`.
    Returns whether it queued one (it runs after this request commits)."""
    latest = last_computed()
    if latest is not None:
        from londonhub.platform.core.timeutil import as_utc

        if utcnow() - as_utc(latest) < timedelta(seconds=FRESH_SECONDS):
            return False
    enqueue(refresh_recent)
    return True


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Months from `first` to `last` (first days, both included)."""

    first: date
    last: date

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    def year_before(self) -> Window:
        return Window(add_months(self.first, -12), add_months(self.last, -12))

    @property
    def label(self) -> str:
        if self.first.month == 1 and self.last.month == 12 and self.first.year == self.last.year:
            return str(self.first.year)
        return f"{self.first:%B %Y} to {self.last:%B %Y}"


def year_window(year: int) -> Window:
    return Window(date(year, 1, 1), date(year, 12, 1))


def combine(metric: Metric, by_month: dict[date, int], months: list[date]) -> int:
    """A metric's figure over several months from its monthly figures (see core COMBINES)."""
    values = [by_month.get(month, 0) for month in months]
    if not values:
        return 0
    if metric.combine == "last":
        return values[-1]
    if metric.combine == "max":
        return max(values)
    return sum(values)


def monthly_rows(
    keys: list[str], window: Window, workspace_id: int | None = None, *, by_workspace: bool
) -> dict[tuple[str, int | None, date], int]:
    """Stored figures of `keys` in `window`: (metric, workspace or None, month) -> value, for
    one workspace (`workspace_id`), or summed over London (`by_workspace=False`), or per
    workspace. One query."""
    columns = [MonthlyFigure.metric, MonthlyFigure.month]
    if by_workspace or workspace_id is not None:
        columns.insert(1, MonthlyFigure.workspace_id)
    statement = (
        select(*columns, func.sum(MonthlyFigure.value))
        .where(
            MonthlyFigure.metric.in_(keys),
            MonthlyFigure.month >= window.first,
            MonthlyFigure.month <= window.last,
        )
        .group_by(*columns)
    )
    if workspace_id is not None:
        statement = statement.where(MonthlyFigure.workspace_id == workspace_id)
    result: dict[tuple[str, int | None, date], int] = {}
    for row in db.session.execute(statement):
        if len(row) == 4:
            key, wid, month, value = row
        else:
            (key, month, value), wid = row, None
        result[(key, wid, month)] = int(value or 0)
    return result


def totals(keys: list[str], window: Window, workspace_id: int | None = None) -> dict[str, int]:
    """Each metric's figure over `window`: London's (summed over workspaces month by month,
    then combined over months) or one workspace's."""
    rows = monthly_rows(keys, window, workspace_id, by_workspace=False)
    per_metric: dict[str, dict[date, int]] = defaultdict(dict)
    for (key, _wid, month), value in rows.items():
        per_metric[key][month] = value
    months = window.months
    return {key: combine(get_metric(key), per_metric.get(key, {}), months) for key in keys}


def by_workspace(key: str, window: Window) -> dict[int, int]:
    """One metric's figure over `window` for each workspace that has one."""
    rows = monthly_rows([key], window, by_workspace=True)
    per_workspace: dict[int, dict[date, int]] = defaultdict(dict)
    for (_key, wid, month), value in rows.items():
        per_workspace[wid][month] = value
    metric, months = get_metric(key), window.months
    return {wid: combine(metric, values, months) for wid, values in per_workspace.items()}


def by_month(key: str, window: Window, workspace_id: int | None = None) -> list[int]:
    """One metric's figure for each month of `window` (London's, or one workspace's)."""
    rows = monthly_rows([key], window, workspace_id, by_workspace=False)
    return [rows.get((key, workspace_id, month), 0) for month in window.months]
