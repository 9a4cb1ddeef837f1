"""Opaque cursors: the last id of a page, signed with the app's secret and bound to the list
and filters it came from, so a cursor cannot be forged, edited or carried to another list
(each is a 400 problem). Keyset paging (`id > last`) keeps every page one indexed query,
however deep."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import current_app, request
from itsdangerous import BadData, URLSafeSerializer

from .problems import ApiProblem

T = TypeVar("T")
SALT = "londonhub.api.cursor"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _context(filters: dict[str, object]) -> str:
    shown = ",".join(f"{k}={v}" for k, v in sorted(filters.items()) if k not in ("cursor", "limit"))
    return f"{request.endpoint}?{shown}"


def encode_cursor(last_id: int, filters: dict[str, object]) -> str:
    return _serializer().dumps({"after": last_id, "for": _context(filters)})


def decode_cursor(cursor: str | None, filters: dict[str, object]) -> int:
    """The id the page starts after (0 for the first page); 400 for a cursor not ours."""
    if not cursor:
        return 0
    try:
        value = _serializer().loads(cursor)
    except BadData:
        value = None
    after = value.get("after") if isinstance(value, dict) else None
    if not isinstance(after, int) or after < 0 or value.get("for") != _context(filters):
        raise ApiProblem(
            400,
            "The cursor is not one this list gave: pass `next_cursor` exactly as it came, "
            "with the same filters.",
            errors=[{"name": "cursor", "message": "not a cursor of this list"}],
        )
    return after


def page_of(
    fetch: Callable[[int, int], Sequence[T]],
    filters: dict[str, object],
    key: Callable[[T], int],
) -> tuple[list[T], str | None]:
    """`fetch(after_id, limit + 1)` -> the page and the next cursor (None on the last page)."""
    limit = int(filters["limit"])  # type: ignore[call-overload]
    rows = list(fetch(decode_cursor(filters.get("cursor"), filters), limit + 1))  # type: ignore[arg-type]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(key(rows[-1]), filters) if more and rows else None
