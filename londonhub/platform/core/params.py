"""Query parameters, bounded where they are parsed.

Every view that reads `request.args` goes through these helpers, so a number or date out of
range (a page past any real one, a date in year 1 or 9999 that date arithmetic overflows, an id
past the database's 64-bit integers) answers 400 with a clear message, or the nearest valid
page, and never reaches a query or `timedelta` as a 500.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

#: Past any real listing: a page number beyond it is clamped, keeping OFFSET small.
MAX_PAGE = 10_000
#: The largest id a database row can have (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
#: The dates the site deals in: wide enough for any booking, report or history.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class BadParameter(BadRequest):
    """A query parameter out of range or unreadable; the message says which and why."""


def _raw(name: str) -> str:
    return (request.args.get(name) or "").strip()


def _whole(raw: str) -> int | None:
    """`raw` as a whole number of at most 20 digits (ASCII only: `int` takes other scripts'
    digits too), or None."""
    digits = raw[1:] if raw.startswith("-") else raw
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
        return None
    return int(raw)


def page_arg(name: str = "page", *, last: int = MAX_PAGE) -> int:
    """The page asked for, or the nearest valid one: 1 when missing, unreadable or below 1,
    `last` when past it."""
    raw = _raw(name)
    value = _whole(raw)
    if value is None:
        return last if raw.isascii() and raw.isdigit() else 1
    return min(max(value, 1), last)


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """A whole number from `minimum` to `maximum`; `default` when missing or empty."""
    raw = _raw(name)
    if not raw:
        return default
    value = _whole(raw)
    if value is None or not minimum <= value <= maximum:
        raise BadParameter(f"{name} must be a whole number from {minimum:,} to {maximum:,}.")
    return value


def date_arg(
    name: str,
    default: date | None = None,
    *,
    earliest: date = EARLIEST,
    latest: date = LATEST,
) -> date | None:
    """A date written like 2027-03-14, from `earliest` to `latest`; `default` when missing."""
    raw = _raw(name)
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise BadParameter(f"{name} must be a date written like 2027-03-14.")
    if not earliest <= value <= latest:
        raise BadParameter(
            f"{name} must be a date from {earliest:%-d %B %Y} to {latest:%-d %B %Y}."
        )
    return value


def _refuse_nul_in_query() -> None:
    """NUL fits no text column (PostgreSQL refuses it in any string), so no query string may
    carry it to a view: 400 here, for every parameter, rather than a 500 from the database."""
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        raise BadParameter("The address contains a character that is not allowed (NUL).")


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number a database id can be; a larger one matches no
    route (404) instead of overflowing the query (500)."""

    def __init__(self, map, fixed_digits: int = 0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Before any route is added: bounded `<int:...>` ids, and no NUL in query strings."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_in_query)
