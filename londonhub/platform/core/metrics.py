"""The data dictionary: every figure the hub shows or publishes, defined once, in code.

Core names no feature. Each area registers its own metrics in its own `init_app` with
`register_metric`: a name, a definition in plain English, a unit, the query that derives it
from records, the owning area and whether it may be published. Everything that shows a
figure (dashboards, `/data`, exports, the annual report, the API) reads it through this
registry, so a figure is never typed in or computed twice.

A metric's query is a function of a `Period` (bound parameters, so the same statement serves
every month and can be shown on `/data` as SQL) returning a SELECT of rows
`(workspace_id, value)`, grouped by workspace. `workspace_id` is the borough workspace the
figure belongs to (the hub's own row for hub-owned things; NULL when a record names no
workspace, such as a consultancy enquiry from no particular borough).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Date, DateTime, Integer, Select, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from .extensions import db
from .money import format_pence
from .tenancy import hub_scope
from .timeutil import LONDON

#: count: things or people; pence: money (integer pence); minutes: time given or booked.
UNITS = {"count": "number", "pence": "pounds", "minutes": "hours"}
#: How monthly figures combine over a longer period: sum (flows: bookings made), last (stocks:
#: rooms listed at the end), max (people active: the busiest month, since people counted in
#: two months are the same people).
COMBINES = ("sum", "last", "max")
#: Published figures below this are shown as "fewer than 5" and never published as numbers.
SUPPRESS_BELOW = 5
SUPPRESSED_TEXT = "fewer than 5"
_EXTENSION = "londonhub.metrics"


@dataclass(frozen=True)
class Period:
    """The bound parameters a metric's query compares with: `[start, end)` as UTC moments and
    `[first_day, end_day)` as London dates (for date columns)."""

    start: BindParameter = field(
        default_factory=lambda: bindparam("period_start", type_=DateTime(timezone=True))
    )
    end: BindParameter = field(
        default_factory=lambda: bindparam("period_end", type_=DateTime(timezone=True))
    )
    first_day: BindParameter = field(
        default_factory=lambda: bindparam("period_first_day", type_=Date())
    )
    end_day: BindParameter = field(
        default_factory=lambda: bindparam("period_end_day", type_=Date())
    )


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    definition: str
    unit: str
    area: str
    publishable: bool
    query: Callable[[Period], Select] = field(repr=False, compare=False)
    combine: str = "sum"
    #: Where it sits in lists (areas pick numbers so order does not depend on wiring order).
    order: int = 100

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"metric {self.key}: unit must be one of {', '.join(UNITS)}")
        if self.combine not in COMBINES:
            raise ValueError(f"metric {self.key}: combine must be one of {', '.join(COMBINES)}")

    @property
    def unit_label(self) -> str:
        return UNITS[self.unit]


def register_metric(app: Flask, metric: Metric) -> Metric:
    """Add `metric` to the app's dictionary; a second, different definition of a key is an
    error (the same one again, as in tests building several apps, is harmless)."""
    registry: dict[str, Metric] = app.extensions.setdefault(_EXTENSION, {})
    existing = registry.get(metric.key)
    if existing is not None and (existing.name, existing.area) != (metric.name, metric.area):
        raise ValueError(f"metric {metric.key} is already defined by {existing.area}")
    registry[metric.key] = metric
    return metric


def all_metrics(app: Flask | None = None) -> list[Metric]:
    """Every registered metric, by area order then key."""
    app = app or current_app
    registry: dict[str, Metric] = app.extensions.get(_EXTENSION, {})
    return sorted(registry.values(), key=lambda m: (m.order, m.key))


def get_metric(key: str) -> Metric:
    """The metric called `key`; KeyError when there is none."""
    return current_app.extensions.get(_EXTENSION, {})[key]


def period_values(start: date, end: date) -> dict[str, Any]:
    """The bound values of the period from London date `start` up to (not including) `end`."""

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)

    return {
        "period_start": moment(start),
        "period_end": moment(end),
        "period_first_day": start,
        "period_end_day": end,
    }


def measure(metric: Metric, start: date, end: date) -> dict[int | None, int]:
    """The metric's figure per workspace for London dates `[start, end)`, from the records.

    Reads across workspaces (aggregates only, nothing leaves but numbers)."""
    statement = metric.query(Period())
    with hub_scope(f"metric {metric.key}", audit=False):
        rows = db.session.execute(statement, period_values(start, end)).all()
    figures: dict[int | None, int] = {}
    for workspace_id, value in rows:
        figures[workspace_id] = figures.get(workspace_id, 0) + int(value or 0)
    return figures


def derivation_sql(metric: Metric) -> str:
    """The metric's query as SQL text, with its period as named parameters (for `/data`)."""
    statement = metric.query(Period())
    return str(statement.compile(dialect=db.engine.dialect))


def is_suppressed(value: int | None) -> bool:
    return value is None or value < SUPPRESS_BELOW


def suppressed_text(metric: Metric) -> str:
    """What people read instead of a published figure below 5."""
    if metric.unit == "pence":
        return "less than £5"
    if metric.unit == "minutes":
        return "fewer than 5 hours"
    return SUPPRESSED_TEXT


def format_value(metric: Metric, value: int) -> str:
    """How people read a figure: counts with separators, pence as pounds, minutes as hours."""
    if metric.unit == "pence":
        return format_pence(value)
    if metric.unit == "minutes":
        hours = value / 60
        return f"{hours:,.1f}"
    return f"{value:,}"


def plain_value(metric: Metric, value: int) -> int | float:
    """The figure as a number in the unit people read (pounds, hours): CSV and JSON cells."""
    if metric.unit == "pence":
        return round(value / 100, 2)
    if metric.unit == "minutes":
        return round(value / 60, 1)
    return value


# --- helpers for queries ---------------------------------------------------------------------


class minutes_between(FunctionElement):
    """Whole minutes from one timestamp column to another, on PostgreSQL and SQLite alike."""

    type = Integer()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between)
def _minutes_between_pg(element: minutes_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"CAST(ROUND(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)})) / 60) AS INTEGER)"
    )


@compiles(minutes_between, "sqlite")
def _minutes_between_sqlite(element: minutes_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"CAST(ROUND((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 1440) AS INTEGER)"
    )


def within(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    """`column` (a timestamp) falls in the period."""
    return (column >= period.start) & (column < period.end)


def within_days(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    """`column` (a date) falls in the period."""
    return (column >= period.first_day) & (column < period.end_day)
