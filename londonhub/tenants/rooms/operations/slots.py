"""Time in London: converting, parsing and checking booking slots against a room's hours.

Times are stored in UTC and shown, entered and checked in London time. Imports nothing of the
rooms feature but its models and errors, so the calendar files and every operation can use it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from londonhub.platform.core.timeutil import as_utc, utcnow

from ..models import (
    WEEKDAYS,
    Room,
)
from .errors import RoomError

LONDON = ZoneInfo("Europe/London")
MAX_OCCURRENCES = 52


def london(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(LONDON)


def to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def minutes_of(at: time) -> int:
    return at.hour * 60 + at.minute


def format_minutes(minutes: int | None) -> str:
    if minutes is None:
        return ""
    if minutes == 24 * 60:
        return "24:00"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str) -> int:
    """'09:30' -> 570; '24:00' is allowed as a closing time."""
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "")
    if not match:
        raise ValueError("Enter a time like 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError("Enter a real time, from 00:00 to 24:00")
    return hours * 60 + minutes


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def describe(self) -> str:
        start, end = london(self.starts_at), london(self.ends_at)
        return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M} to {end:%H:%M}"


def slots_for(
    day: date, start: time, end: time, repeat: str = "none", occurrences: int = 1
) -> list[Slot]:
    """The slot on `day`, and its repeats every week or fortnight."""
    step = {"weekly": 7, "fortnightly": 14}.get(repeat)
    count = 1 if step is None else occurrences
    if count < 1 or count > MAX_OCCURRENCES:
        raise RoomError(f"Repeat between 1 and {MAX_OCCURRENCES} times", "occurrences")
    if minutes_of(end) <= minutes_of(start):
        raise RoomError("The end time must be after the start time", "end")
    slots = []
    try:
        for index in range(count):
            when = day + timedelta(days=(step or 0) * index)
            slots.append(Slot(to_utc(when, start), to_utc(when, end)))
    except (OverflowError, ValueError):  # a date near the end of the calendar (9999)
        raise RoomError("Choose a date in the next few years", "date") from None
    return slots


def check_slot(room: Room, slot: Slot, now: datetime | None = None) -> None:
    """Opening hours, length and the past, checked in London time; raises RoomError."""
    now = now or utcnow()
    if slot.ends_at <= slot.starts_at:
        raise RoomError("The end time must be after the start time", "end")
    if slot.starts_at <= now:
        raise RoomError("Choose a date and time in the future", "date")
    start, end = london(slot.starts_at), london(slot.ends_at)
    hours = room.hours(start.weekday())
    when = f"{WEEKDAYS[start.weekday()]} {start.day} {start:%B}"
    if hours is None:
        raise RoomError(f"{room.name} is closed on {WEEKDAYS[start.weekday()]}s", "date")
    start_min = start.hour * 60 + start.minute
    end_min = (end.hour * 60 + end.minute) if end.date() == start.date() else 24 * 60 + 1
    if start_min < hours[0] or end_min > hours[1]:
        raise RoomError(
            f"{room.name} is open from {format_minutes(hours[0])} to "
            f"{format_minutes(hours[1])} on {when}",
            "start" if start_min < hours[0] else "end",
        )
    if slot.minutes < room.min_minutes:
        raise RoomError(f"Book {room.name} for at least {duration(room.min_minutes)}", "end")
    if slot.minutes > room.max_minutes:
        raise RoomError(f"Book {room.name} for at most {duration(room.max_minutes)}", "end")


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        parts.append(f"{rest} minutes")
    return " ".join(parts) or "0 minutes"
