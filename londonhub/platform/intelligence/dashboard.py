"""What a dashboard shows, as plain data: London's (every workspace) or one workspace's
figures over a window of months against the year before, one chosen metric by month and (for
London) by borough. Read from monthly figures only: a handful of queries whatever the
number of records. The HTML page, its CSV and JSON exports and the annual report all take
their numbers from the `Table`s built here, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from londonhub.platform.core.metrics import Metric, all_metrics, format_value, plain_value
from londonhub.platform.core.tenancy import Workspace

from . import figures
from .figures import Window
from .services import boroughs

#: The longest window a dashboard shows (three years of months).
MAX_MONTHS = 36


class BadWindow(ValueError):
    """A date range a dashboard cannot show; the message says why."""


@dataclass
class Table:
    """A dashboard table: what the page shows and what its exports contain."""

    name: str
    caption: str
    headers: list[str]
    #: Cells as people read them (HTML, the report).
    rows: list[list[str]] = field(default_factory=list)
    #: The same cells as numbers in the metric's unit (CSV, JSON).
    plain: list[list[str | int | float]] = field(default_factory=list)


@dataclass
class Dashboard:
    window: Window
    previous: Window
    chosen: Metric
    metrics: list[Metric]
    tables: dict[str, Table]
    this_by_month: list[int]
    last_by_month: list[int]
    #: slug -> chosen metric's figure (London only).
    by_borough: dict[str, int]
    borough_names: dict[str, str]
    workspace: Workspace | None = None


def parse_window(first: date | None, last: date | None, today: date) -> Window:
    """The months from `first` to `last` (default: this calendar year), refusing a window
    that ends before it starts or spans more than `MAX_MONTHS`."""
    first = figures.month_start(first or date(today.year, 1, 1))
    last = figures.month_start(last or date(first.year, 12, 1))
    if last < first:
        raise BadWindow("The end month must not be before the start month.")
    if len(figures.months_between(first, last)) > MAX_MONTHS:
        raise BadWindow(f"A dashboard shows at most {MAX_MONTHS} months at a time.")
    return Window(first, last)


def _change(this: int, last: int) -> str:
    if last == 0:
        return "new" if this else "no change"
    percent = round(100 * (this - last) / last)
    if percent == 0:
        return "no change"
    return f"{'up' if percent > 0 else 'down'} {abs(percent)}%"


def build(window: Window, chosen_key: str | None, workspace: Workspace | None = None) -> Dashboard:
    """London's dashboard, or `workspace`'s (only its own figures: every query names it)."""
    metrics = all_metrics()
    chosen = next((m for m in metrics if m.key == chosen_key), None)
    if chosen is None:
        if chosen_key:
            raise LookupError(f"No metric is called {chosen_key!r}.")
        chosen = metrics[0]
    previous = window.year_before()
    workspace_id = workspace.id if workspace is not None else None
    keys = [m.key for m in metrics]
    this_totals = figures.totals(keys, window, workspace_id)
    last_totals = figures.totals(keys, previous, workspace_id)
    this_series = figures.by_month(chosen.key, window, workspace_id)
    last_series = figures.by_month(chosen.key, previous, workspace_id)
    tables = {
        "metrics": _metrics_table(metrics, window, previous, this_totals, last_totals),
        "months": _months_table(chosen, window, this_series, last_series),
    }
    by_borough: dict[str, int] = {}
    names: dict[str, str] = {}
    if workspace is None:
        per_workspace = figures.by_workspace(chosen.key, window)
        for place in boroughs():
            by_borough[place.slug] = per_workspace.get(place.id, 0)
            names[place.slug] = place.borough
        tables["boroughs"] = _boroughs_table(chosen, window, by_borough, names)
    return Dashboard(
        window,
        previous,
        chosen,
        metrics,
        tables,
        this_series,
        last_series,
        by_borough,
        names,
        workspace,
    )


def _metrics_table(metrics, window, previous, this_totals, last_totals) -> Table:
    table = Table(
        "metrics",
        f"Every figure, {window.label} against {previous.label}",
        ["Figure", "Unit", window.label, previous.label, "Change"],
    )
    for m in metrics:
        this, last = this_totals.get(m.key, 0), last_totals.get(m.key, 0)
        change = _change(this, last)
        table.rows.append(
            [m.name, m.unit_label, format_value(m, this), format_value(m, last), change]
        )
        table.plain.append(
            [m.key, m.unit_label, plain_value(m, this), plain_value(m, last), change]
        )
    return table


def _months_table(chosen: Metric, window: Window, this: list[int], last: list[int]) -> Table:
    table = Table(
        "months",
        f"{chosen.name} ({chosen.unit_label}) by month, {window.label} against the year before",
        ["Month", "This period", "A year before"],
    )
    for month, now, before in zip(window.months, this, last, strict=True):
        table.rows.append(
            [f"{month:%B %Y}", format_value(chosen, now), format_value(chosen, before)]
        )
        table.plain.append(
            [f"{month:%Y-%m}", plain_value(chosen, now), plain_value(chosen, before)]
        )
    return table


def _boroughs_table(chosen, window, by_borough, names) -> Table:
    table = Table(
        "boroughs",
        f"{chosen.name} ({chosen.unit_label}) by borough, {window.label}",
        ["Borough", chosen.name],
    )
    for slug, value in sorted(by_borough.items(), key=lambda item: names[item[0]]):
        table.rows.append([names[slug], format_value(chosen, value)])
        table.plain.append([slug, plain_value(chosen, value)])
    return table
