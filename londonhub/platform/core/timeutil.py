"""Time helpers: every stored timestamp is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- London time: what people see and type ------------------------------------------------------

LONDON = ZoneInfo("Europe/London")


def in_london(moment: datetime) -> datetime:
    """A stored (UTC) moment as London wall-clock time."""
    return as_utc(moment).astimezone(LONDON)


def london_to_utc(day: date, at: time) -> datetime:
    """A London date and wall-clock time, as the UTC moment to store."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def london_today() -> date:
    return in_london(utcnow()).date()
