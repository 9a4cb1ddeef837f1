"""Room verbs: manage rooms, search London, quote, hold and book, cancel, calendars and feeds.

Plain functions: each takes the workspace explicitly, checks permission first when a person
acts, raises a domain error with a message for a person, and flushes; the caller commits.
Times are stored in UTC and shown, entered and checked against opening hours in London time.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from londonhub.billing import services as billing
from londonhub.billing.fulfilment import FulfilmentHandler, register_fulfilment
from londonhub.billing.models import Order, OrderStatus
from londonhub.platform.core import errors
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.images import ImageError, check_image
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
    hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import as_utc, utcnow

from .models import (
    ACCESSIBILITY,
    FACILITIES,
    LAYOUTS,
    OCCUPYING,
    WEEKDAYS,
    Booking,
    BookingKind,
    BookingStatus,
    CustomerType,
    Room,
    RoomPhoto,
)

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
ORDER_KIND = "room_booking"
PAGE_SIZE = 20
MAX_OCCURRENCES = 52
SEARCH_SORTS = {
    "name": "Name",
    "price": "Price, lowest first",
    "price_desc": "Price, highest first",
    "capacity": "Capacity, smallest first",
    "capacity_desc": "Capacity, largest first",
}
#: Price bands for search: the most per hour, in pence (None: any price).
PRICE_BANDS = {
    "": ("Any price", None),
    "free": ("Free", 0),
    "2000": ("Up to £20 an hour", 2000),
    "5000": ("Up to £50 an hour", 5000),
    "10000": ("Up to £100 an hour", 10000),
}


class NotFound(errors.NotFound):
    """No such room or booking here (404: never reveal another workspace's objects)."""


class NotAllowed(errors.NotAllowed):
    """The person may not do this (403)."""


class RoomError(ValueError):
    """Bad input: the message names what to change; `field` is the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SlotTaken(RoomError):
    """Someone else holds or booked (part of) the time: list what clashes and what is free."""

    def __init__(
        self, message: str, clashes: list[datetime], alternatives: list[Alternative]
    ) -> None:
        super().__init__(message, "date")
        self.clashes = clashes
        self.alternatives = alternatives


@dataclass(frozen=True)
class Alternative:
    room_id: int
    room_name: str
    workspace_slug: str
    workspace_name: str
    starts_at: datetime
    ends_at: datetime


def require_role(user: User, workspace: Workspace, minimum: Role, *, write: bool = False) -> None:
    if not has_role(user, workspace, minimum):
        raise NotAllowed(f"You need the {minimum.value} role in {workspace.name} to do this")
    if write and workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")


# --- time ----------------------------------------------------------------------------------------


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


# --- rooms: workspace admin ----------------------------------------------------------------------

ROOM_FIELDS = (
    "venue_name",
    "address",
    "postcode",
    "name",
    "description",
    "capacity_theatre",
    "capacity_boardroom",
    "capacity_cabaret",
    *ACCESSIBILITY,
    *FACILITIES,
    *(f"{kind}_{day}" for day in range(7) for kind in ("opens", "closes")),
    "min_minutes",
    "max_minutes",
    "buffer_minutes",
    "cancellation_days",
    *(f"{c.value}_{rate}_pence" for c in CustomerType for rate in ("hourly", "day")),
    "published",
)


def list_rooms(workspace: Workspace) -> list[Room]:
    with tenant_context(workspace.id):
        return list(db.session.scalars(select(Room).order_by(Room.venue_name, Room.name)))


def get_room(workspace: Workspace, room_id: int) -> Room:
    """A room of this workspace; another workspace's id is simply not found."""
    with tenant_context(workspace.id):
        room = db.session.scalar(select(Room).where(Room.id == room_id))
    if room is None:
        raise NotFound("There is no such room")
    return room


def _check_room(values: dict[str, Any]) -> None:
    """Rules across fields; single fields are checked by the form."""
    if not any(values.get(f"capacity_{layout}") for layout in LAYOUTS):
        raise RoomError("Give a capacity for at least one layout", "capacity_theatre")
    if values["max_minutes"] < values["min_minutes"]:
        raise RoomError(
            "The longest booking must be at least as long as the shortest", "max_minutes"
        )
    open_days = 0
    for day in range(7):
        opens, closes = values.get(f"opens_{day}"), values.get(f"closes_{day}")
        if (opens is None) != (closes is None):
            missing = "closes" if closes is None else "opens"
            raise RoomError(
                f"Give both opening and closing times for {WEEKDAYS[day]}, or neither",
                f"{missing}_{day}",
            )
        if opens is not None:
            if closes <= opens:
                raise RoomError(
                    f"{WEEKDAYS[day]}: the closing time must be after the opening time",
                    f"closes_{day}",
                )
            open_days += 1
    if values.get("published") and open_days == 0:
        raise RoomError("Give opening hours for at least one day before publishing", "opens_0")
    for customer in CustomerType:
        day_rate = values.get(f"{customer.value}_day_pence")
        if day_rate is not None and day_rate < 0:
            raise RoomError("Prices cannot be negative", f"{customer.value}_day_pence")


def save_room(
    user: User, workspace: Workspace, values: dict[str, Any], room_id: int | None = None
) -> Room:
    """Create a room (room_id None) or change one; `values` as ROOM_FIELDS."""
    require_role(user, workspace, Role.ADMIN, write=True)
    _check_room(values)
    with tenant_context(workspace.id):
        if room_id is None:
            room = Room()
            db.session.add(room)
        else:
            room = get_room(workspace, room_id)
        for name in ROOM_FIELDS:
            if name in values:
                setattr(room, name, values[name])
        room.postcode = (room.postcode or "").strip().upper()
        room.capacity_max = max(room.capacity(layout) or 0 for layout in LAYOUTS)
        db.session.flush()
    record(
        "rooms.saved",
        f"{'Added' if room_id is None else 'Updated'} the room {room.name} at {room.venue_name}",
        workspace=workspace,
        actor=user,
        room_id=room.id,
    )
    return room


def rotate_feed(user: User, workspace: Workspace, room_id: int) -> Room:
    require_role(user, workspace, Role.ADMIN, write=True)
    room = get_room(workspace, room_id)
    from .models import _feed_token

    with tenant_context(workspace.id):
        room.feed_token = _feed_token()
        db.session.flush()
    record("rooms.feed_rotated", f"New calendar feed address for {room.name}", workspace=workspace)
    return room


# --- photos ------------------------------------------------------------------------------------

#: At most this many photos per room, each at most PHOTO_MAX_PIXELS wide and high.
MAX_PHOTOS = 6
PHOTO_MAX_PIXELS = 4000
PHOTO_MAX_BYTES = 1024 * 1024


def photo_max_bytes() -> int:
    return current_app.config.get("ROOM_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)


def list_photos(workspace: Workspace, room_id: int) -> list[RoomPhoto]:
    """The room's photos in page order, without their bytes."""
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(RoomPhoto)
                .where(RoomPhoto.room_id == room_id)
                .order_by(RoomPhoto.position, RoomPhoto.id)
            )
        )


def add_photo(
    user: User, workspace: Workspace, room_id: int, data: bytes, alt_text: str
) -> RoomPhoto:
    """Add a checked PNG or JPEG photo, with the alt text that describes it, after the others."""
    require_role(user, workspace, Role.ADMIN, write=True)
    room = get_room(workspace, room_id)
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise RoomError("Describe the photo for people who cannot see it", "alt_text")
    if len(alt_text) > 300:
        raise RoomError("Keep the description of the photo to 300 characters or fewer", "alt_text")
    try:
        content_type = check_image(
            data, max_bytes=photo_max_bytes(), max_pixels=PHOTO_MAX_PIXELS, field="photo"
        )
    except ImageError as exc:
        raise RoomError(str(exc), "photo") from exc
    _serialise_writes(room)  # two uploads at once cannot both take the last place
    with tenant_context(workspace.id):
        count, last = db.session.execute(
            select(func.count(RoomPhoto.id), func.max(RoomPhoto.position)).where(
                RoomPhoto.room_id == room.id
            )
        ).one()
        if count >= MAX_PHOTOS:
            raise RoomError(
                f"A room can have at most {MAX_PHOTOS} photos: remove one to add another",
                "photo",
            )
        photo = RoomPhoto(
            room_id=room.id,
            data=data,
            content_type=content_type,
            alt_text=alt_text,
            position=0 if last is None else last + 1,
        )
        db.session.add(photo)
        db.session.flush()
    record(
        "rooms.photo_added",
        f"Added a photo of {room.name} at {room.venue_name}",
        workspace=workspace,
        actor=user,
        room_id=room.id,
        photo_id=photo.id,
        bytes=len(data),
        content_type=content_type,
    )
    return photo


def remove_photo(user: User, workspace: Workspace, room_id: int, photo_id: int) -> None:
    require_role(user, workspace, Role.ADMIN, write=True)
    room = get_room(workspace, room_id)
    with tenant_context(workspace.id):
        photo = db.session.scalar(
            select(RoomPhoto).where(RoomPhoto.room_id == room.id, RoomPhoto.id == photo_id)
        )
        if photo is None:
            raise NotFound("There is no such photo")
        db.session.delete(photo)
        db.session.flush()
    record(
        "rooms.photo_removed",
        f"Removed a photo of {room.name} at {room.venue_name}",
        workspace=workspace,
        actor=user,
        room_id=room.id,
        photo_id=photo_id,
    )


def get_photo(
    workspace: Workspace, room_id: int, photo_id: int, viewer: Any
) -> tuple[Room, RoomPhoto]:
    """A photo with its bytes: of a published room for anyone, of an unpublished one only for
    the workspace's admins; otherwise not found."""
    room = get_room(workspace, room_id)
    if not room.published and not (
        getattr(viewer, "is_authenticated", False) and has_role(viewer, workspace, Role.ADMIN)
    ):
        raise NotFound("There is no such photo")
    with tenant_context(workspace.id):
        photo = db.session.scalar(
            select(RoomPhoto)
            .where(RoomPhoto.room_id == room.id, RoomPhoto.id == photo_id)
            .options(undefer(RoomPhoto.data))
        )
    if photo is None:
        raise NotFound("There is no such photo")
    return room, photo


# --- public: search and room pages ---------------------------------------------------------------


@dataclass
class Criteria:
    day: date | None = None
    start: time | None = None
    end: time | None = None
    attendees: int | None = None
    borough: str | None = None
    accessibility: list[str] = field(default_factory=list)
    facilities: list[str] = field(default_factory=list)
    price_band: str = ""
    customer: CustomerType = CustomerType.COMMUNITY
    sort: str = "name"
    page: int = 1
    exclude_room: tuple[int, int] | None = None  # (tenant_id, room_id)

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if self.day and self.start and self.end and self.end > self.start:
            return to_utc(self.day, self.start), to_utc(self.day, self.end)
        return None


@dataclass
class SearchResult:
    room: Room
    workspace_slug: str
    workspace_name: str
    borough: str
    hourly_pence: int


@dataclass
class SearchPage:
    results: list[SearchResult]
    page: int
    has_next: bool


def occupied_clause(model: type[Booking], now: datetime) -> Any:
    """A booking that occupies its room now: confirmed, or held and not yet lapsed."""
    return or_(
        model.status == BookingStatus.CONFIRMED,
        and_(model.status == BookingStatus.HELD, model.hold_until > now),
    )


def search_rooms(criteria: Criteria, page_size: int = PAGE_SIZE) -> SearchPage:
    """Published rooms of active workspaces matching the criteria, one SQL query per page.

    With a date and a time window, only rooms open then, taking bookings of that length and
    free for it (buffers included) are listed."""
    hourly = getattr(Room, f"{criteria.customer.value}_hourly_pence")
    query = (
        select(Room, Workspace.slug, Workspace.name, Workspace.borough)
        .join(Workspace, Workspace.id == Room.tenant_id)
        .where(
            Room.published.is_(True),
            Workspace.status == WorkspaceStatus.ACTIVE,
            Workspace.is_hub.is_(False),
        )
    )
    if criteria.attendees:
        query = query.where(Room.capacity_max >= criteria.attendees)
    if criteria.borough:
        query = query.where(Workspace.borough == criteria.borough)
    for name in criteria.accessibility:
        if name in ACCESSIBILITY:
            query = query.where(getattr(Room, name).is_(True))
    for name in criteria.facilities:
        if name in FACILITIES:
            query = query.where(getattr(Room, name).is_(True))
    band = PRICE_BANDS.get(criteria.price_band, PRICE_BANDS[""])[1]
    if band is not None:
        query = query.where(hourly <= band)
    if criteria.exclude_room:
        tenant_id, room_id = criteria.exclude_room
        query = query.where(~and_(Room.tenant_id == tenant_id, Room.id == room_id))
    if criteria.day:
        weekday = criteria.day.weekday()
        opens, closes = getattr(Room, f"opens_{weekday}"), getattr(Room, f"closes_{weekday}")
        query = query.where(opens.is_not(None))
        window = criteria.window
        if window:
            start_min, end_min = minutes_of(criteria.start), minutes_of(criteria.end)
            length = end_min - start_min
            starts, ends = window
            query = query.where(
                opens <= start_min,
                closes >= end_min,
                Room.min_minutes <= length,
                Room.max_minutes >= length,
                ~exists().where(
                    Booking.tenant_id == Room.tenant_id,
                    Booking.room_id == Room.id,
                    occupied_clause(Booking, utcnow()),
                    Booking.blocked_from < ends,
                    Booking.blocked_until > starts,
                ),
            )
    order = {
        "name": [Room.name, Room.id],
        "price": [hourly, Room.name, Room.id],
        "price_desc": [hourly.desc(), Room.name, Room.id],
        "capacity": [Room.capacity_max, Room.name, Room.id],
        "capacity_desc": [Room.capacity_max.desc(), Room.name, Room.id],
    }.get(criteria.sort, [Room.name, Room.id])
    page = max(1, criteria.page)
    query = query.order_by(*order).offset((page - 1) * page_size).limit(page_size + 1)
    with hub_scope("public room search: published rooms only", audit=False):
        rows = db.session.execute(query).all()
    results = [
        SearchResult(room, slug, name, borough, room.hourly_pence(criteria.customer))
        for room, slug, name, borough in rows[:page_size]
    ]
    return SearchPage(results, page, len(rows) > page_size)


def boroughs() -> list[str]:
    """Boroughs with an active workspace, for the search form."""
    return list(
        db.session.scalars(
            select(Workspace.borough)
            .where(Workspace.status == WorkspaceStatus.ACTIVE, Workspace.is_hub.is_(False))
            .distinct()
            .order_by(Workspace.borough)
        )
    )


def get_public_room(workspace: Workspace, room_id: int) -> Room:
    """A published room (anyone may see it); unpublished rooms are not found."""
    room = get_room(workspace, room_id)
    if not room.published:
        raise NotFound("There is no such room")
    return room


def _occupying(room: Room, starts: datetime, ends: datetime) -> list[Booking]:
    """Bookings that occupy the room between starts and ends (buffers included)."""
    with tenant_context(room.tenant_id):
        return list(
            db.session.scalars(
                select(Booking)
                .where(
                    Booking.room_id == room.id,
                    occupied_clause(Booking, utcnow()),
                    Booking.blocked_from < ends,
                    Booking.blocked_until > starts,
                )
                .order_by(Booking.starts_at)
            )
        )


@dataclass
class DayAvailability:
    day: date
    hours: tuple[int, int] | None
    busy: list[tuple[str, str]]

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.day.weekday()]} {self.day.day} {self.day:%B}"

    @property
    def opening(self) -> str:
        if self.hours is None:
            return "Closed"
        return f"{format_minutes(self.hours[0])} to {format_minutes(self.hours[1])}"


def week_availability(room: Room, any_day: date) -> list[DayAvailability]:
    """The week (Monday to Sunday) containing any_day: opening hours and busy times."""
    monday = any_day - timedelta(days=any_day.weekday())
    starts = to_utc(monday, time(0))
    ends = to_utc(monday + timedelta(days=7), time(0))
    bookings = _occupying(room, starts, ends)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        busy = []
        for booking in bookings:
            start, end = london(booking.starts_at), london(booking.blocked_until)
            if start.date() <= day <= end.date():
                first = start.strftime("%H:%M") if start.date() == day else "00:00"
                last = end.strftime("%H:%M") if end.date() == day else "24:00"
                busy.append((first, last))
        days.append(DayAvailability(day, room.hours(day.weekday()), busy))
    return days


# --- quotes and booking --------------------------------------------------------------------------


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


@dataclass(frozen=True)
class QuoteLine:
    description: str
    pence: int


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    customer: CustomerType

    @property
    def total_pence(self) -> int:
        return sum(line.pence for line in self.lines)


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
    for index in range(count):
        when = day + timedelta(days=(step or 0) * index)
        slots.append(Slot(to_utc(when, start), to_utc(when, end)))
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
        raise RoomError(f"Book {room.name} for at least {_duration(room.min_minutes)}", "end")
    if slot.minutes > room.max_minutes:
        raise RoomError(f"Book {room.name} for at most {_duration(room.max_minutes)}", "end")


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        parts.append(f"{rest} minutes")
    return " ".join(parts) or "0 minutes"


def check_attendees(room: Room, attendees: int, layout: str) -> None:
    if layout not in LAYOUTS or not room.capacity(layout):
        raise RoomError(f"{room.name} is not offered in that layout", "layout")
    if attendees < 1:
        raise RoomError("Enter how many people are coming", "attendees")
    if attendees > room.capacity(layout):
        raise RoomError(
            f"{room.name} holds at most {room.capacity(layout)} people in the "
            f"{LAYOUTS[layout].lower()} layout",
            "attendees",
        )


def quote(room: Room, slots: list[Slot], customer: CustomerType) -> Quote:
    """The price on the server, in pence: hourly by the minute (rounded up to the penny),
    capped at the day rate when there is one."""
    hourly, day_rate = room.hourly_pence(customer), room.day_pence(customer)
    lines = []
    for slot in slots:
        by_time = -(-hourly * slot.minutes // 60)
        if day_rate is not None and day_rate < by_time:
            text, pence = f"{slot.describe()}: day rate", day_rate
        else:
            text = f"{slot.describe()}: {_duration(slot.minutes)} at {format_pence(hourly)} an hour"
            pence = by_time
        lines.append(QuoteLine(f"{room.name}, {text}", pence))
    return Quote(lines, customer)


def _serialise_writes(room: Room) -> None:
    """SQLite: take the database's write lock now, before checking, so the check and the
    insert happen in one serialised write transaction (another booking waits for ours)."""
    with tenant_context(room.tenant_id):
        db.session.execute(
            update(Room).where(Room.id == room.id).values(updated_at=Room.updated_at)
        )


def _lapse_stale_holds(room: Room, slots: list[Slot]) -> None:
    """Holds whose time ran out but whose expiry job has not run yet: lapse them now,
    through billing, so their orders close too."""
    now = utcnow()
    with tenant_context(room.tenant_id):
        stale = db.session.execute(
            select(Booking.order_id)
            .where(
                Booking.room_id == room.id,
                Booking.status == BookingStatus.HELD,
                Booking.hold_until <= now,
                Booking.order_id.is_not(None),
                or_(
                    *(
                        and_(Booking.blocked_from < s.ends_at, Booking.blocked_until > s.starts_at)
                        for s in slots
                    )
                ),
            )
            .distinct()
        ).all()
    for (order_id,) in stale:
        billing.expire_order(order_id, room.tenant_id)


def _clashes(room: Room, slots: list[Slot]) -> list[datetime]:
    clashing = []
    for slot in slots:
        # blocked_from/blocked_until carry the buffer on both sides already.
        if _occupying(room, slot.starts_at, slot.ends_at):
            clashing.append(slot.starts_at)
    return clashing


def alternatives(room: Room, slot: Slot, limit: int = 3) -> list[Alternative]:
    """Later times the same day in this room, then other rooms free at the same time."""
    found: list[Alternative] = []
    workspace = db.session.get(Workspace, room.tenant_id)
    length = slot.ends_at - slot.starts_at
    day_start = london(slot.starts_at)
    with tenant_context(room.tenant_id):
        taken = _occupying(
            room,
            to_utc(day_start.date(), time(0)),
            to_utc(day_start.date() + timedelta(days=1), time(0)),
        )
    candidate = slot.starts_at
    for _ in range(48):
        candidate = candidate + timedelta(minutes=30)
        option = Slot(candidate, candidate + length)
        try:
            check_slot(room, option)
        except RoomError:
            continue
        if any(
            as_utc(b.blocked_from) < option.ends_at and as_utc(b.blocked_until) > option.starts_at
            for b in taken
        ):
            continue
        found.append(
            Alternative(
                room.id, room.name, workspace.slug, workspace.name, option.starts_at, option.ends_at
            )
        )
        if len(found) >= limit:
            break
    start, end = london(slot.starts_at), london(slot.ends_at)
    if start.date() == end.date():
        others = search_rooms(
            Criteria(
                day=start.date(),
                start=start.time(),
                end=end.time(),
                exclude_room=(room.tenant_id, room.id),
                sort="price",
            ),
            page_size=limit,
        )
        for result in others.results:
            found.append(
                Alternative(
                    result.room.id,
                    result.room.name,
                    result.workspace_slug,
                    result.workspace_name,
                    slot.starts_at,
                    slot.ends_at,
                )
            )
    return found


def hold_minutes() -> int:
    return int(current_app.config.get("ROOM_HOLD_MINUTES", 15))


def _is_exclusion_violation(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "23P01"


@dataclass
class BookingRequest:
    slots: list[Slot]
    attendees: int
    layout: str
    organisation_name: str
    customer: CustomerType


def prepare(workspace: Workspace, room_id: int, request: BookingRequest) -> tuple[Room, Quote]:
    """Check a request against the room and price it; raises RoomError naming the field."""
    if workspace.status != WorkspaceStatus.ACTIVE or workspace.is_hub:
        raise RoomError(f"{workspace.name} is not taking bookings at the moment", "date")
    room = get_public_room(workspace, room_id)
    check_attendees(room, request.attendees, request.layout)
    for slot in request.slots:
        check_slot(room, slot)
    return room, quote(room, request.slots, request.customer)


def book(
    buyer: User, workspace: Workspace, room_id: int, request: BookingRequest
) -> tuple[Order, list[Booking]]:
    """Hold the slot(s) and open a billing order: all or nothing.

    PostgreSQL: the exclusion constraint refuses an overlapping insert even when two
    requests race; SQLite: the write lock is taken before the check. Either way a lost race
    raises SlotTaken with the clashing dates and alternatives."""
    room, priced = prepare(workspace, room_id, request)
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        _serialise_writes(room)
    _lapse_stale_holds(room, request.slots)
    clashes = _clashes(room, request.slots)
    if clashes:
        raise _taken(room, request.slots, clashes)
    reference = uuid.uuid4().hex
    hold_until = utcnow() + timedelta(minutes=hold_minutes())
    buffer = timedelta(minutes=room.buffer_minutes)
    bookings = []
    # No savepoint: core's RLS hook re-sets the workspace before ROLLBACK TO SAVEPOINT, which
    # PostgreSQL refuses in a failed transaction. A lost race rolls the whole request back.
    try:
        with tenant_context(workspace.id):
            for slot, line in zip(request.slots, priced.lines, strict=True):
                booking = Booking(
                    room_id=room.id,
                    kind=BookingKind.BOOKING,
                    status=BookingStatus.HELD,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    blocked_from=slot.starts_at - buffer,
                    blocked_until=slot.ends_at + buffer,
                    reference=reference,
                    attendees=request.attendees,
                    layout=request.layout,
                    buyer_user_id=buyer.id,
                    organisation_name=request.organisation_name,
                    organisation_type=request.customer.value,
                    price_pence=line.pence,
                    hold_until=hold_until,
                )
                db.session.add(booking)
                bookings.append(booking)
            db.session.flush()
    except IntegrityError as exc:
        if not _is_exclusion_violation(exc):
            raise
        db.session.rollback()
        room = get_room(workspace, room_id)
        raise _taken(room, request.slots, _clashes(room, request.slots)) from exc
    first = request.slots[0]
    description = f"{room.name} at {room.venue_name}, {first.describe()}"
    if len(request.slots) > 1:
        description += f" and {len(request.slots) - 1} more date(s)"
    order = billing.create_order(
        workspace,
        kind=ORDER_KIND,
        fulfilment_ref=reference,
        lines=[billing.Line(line.description, line.pence) for line in priced.lines],
        buyer=buyer,
        description=description,
        organisation=request.organisation_name,
        organisation_type=request.customer.value,
        expires_at=hold_until,
    )
    with tenant_context(workspace.id):
        for booking in bookings:
            booking.order_id = order.id
        db.session.flush()
    record(
        "rooms.held",
        f"Held {room.name} for {buyer.email}: {description}",
        workspace=workspace,
        actor=buyer,
        order_id=order.id,
    )
    return order, bookings


def _taken(room: Room, slots: list[Slot], clashes: list[datetime]) -> SlotTaken:
    if len(slots) == 1:
        message = (
            f"Sorry, {room.name} has just been taken for that time. "
            "Choose another time or one of the rooms below."
        )
    else:
        dates = ", ".join(f"{london(c):%d %b %Y}" for c in clashes) or "some of the dates"
        message = f"Nothing has been booked: {room.name} is taken on {dates}"
    return SlotTaken(message, clashes, alternatives(room, slots[0]) if len(slots) == 1 else [])


# --- billing's fulfilment handler ----------------------------------------------------------------


def _order_bookings(order: Order) -> list[Booking]:
    with tenant_context(order.tenant_id):
        return list(
            db.session.scalars(
                select(Booking)
                .where(Booking.reference == order.fulfilment_ref)
                .order_by(Booking.starts_at)
            )
        )


def _on_paid(order: Order) -> None:
    bookings = _order_bookings(order)
    with tenant_context(order.tenant_id):
        confirmed = []
        for booking in bookings:
            if booking.status == BookingStatus.HELD:
                booking.status = BookingStatus.CONFIRMED
                booking.hold_until = None
                confirmed.append(booking)
            elif booking.status == BookingStatus.LAPSED:
                log.warning("Order %s paid after booking %s lapsed", order.id, booking.id)
        db.session.flush()
        if confirmed:
            room = db.session.scalar(select(Room).where(Room.id == confirmed[0].room_id))
            workspace = db.session.get(Workspace, order.tenant_id)
            from .calendar import send_confirmation

            send_confirmation(order, workspace, room, confirmed)


def _on_cancelled(order: Order) -> None:
    with tenant_context(order.tenant_id):
        for booking in _order_bookings(order):
            if booking.status == BookingStatus.HELD:
                booking.status = BookingStatus.LAPSED
                booking.cancelled_at = utcnow()
        db.session.flush()


def _on_refunded(order: Order, amount: int, full: bool) -> None:
    if not full:
        return  # a partial refund is a goodwill gesture: the booking stands
    with tenant_context(order.tenant_id):
        for booking in _order_bookings(order):
            if booking.status in OCCUPYING:
                booking.status = BookingStatus.CANCELLED
                booking.cancelled_at = utcnow()
        db.session.flush()


def within_policy(room: Room, bookings: Iterable[Booking], now: datetime | None = None) -> bool:
    """Full refund when the first booking starts at least cancellation_days from now."""
    now = now or utcnow()
    starts = [as_utc(b.starts_at) for b in bookings]
    return bool(starts) and min(starts) - now >= timedelta(days=room.cancellation_days)


def _refundable_now(order: Order) -> int:
    bookings = [b for b in _order_bookings(order) if b.status in OCCUPYING]
    if not bookings:
        return 0
    with tenant_context(order.tenant_id):
        room = db.session.scalar(select(Room).where(Room.id == bookings[0].room_id))
    return order.refundable_pence if within_policy(room, bookings) else 0


register_fulfilment(
    ORDER_KIND,
    FulfilmentHandler(
        on_paid=_on_paid,
        on_cancelled=_on_cancelled,
        on_refunded=_on_refunded,
        refundable_now=_refundable_now,
    ),
)


# --- the buyer's bookings ------------------------------------------------------------------------


@dataclass
class BuyerBooking:
    booking: Booking
    room: Room
    workspace: Workspace
    order: Order | None
    cancellable: bool
    refund_pence: int


def list_buyer_bookings(user: User) -> list[BuyerBooking]:
    """This person's own bookings across London, newest first, in one query."""
    with hub_scope("a buyer's own room bookings", audit=False):
        rows = db.session.execute(
            select(Booking, Room, Workspace, Order)
            .join(Room, and_(Room.tenant_id == Booking.tenant_id, Room.id == Booking.room_id))
            .join(Workspace, Workspace.id == Booking.tenant_id)
            .outerjoin(
                Order, and_(Order.tenant_id == Booking.tenant_id, Order.id == Booking.order_id)
            )
            .where(Booking.buyer_user_id == user.id, Booking.kind == BookingKind.BOOKING)
            .order_by(Booking.starts_at.desc(), Booking.id.desc())
        ).all()
    now = utcnow()
    result = []
    for booking, room, workspace, order in rows:
        live = booking.status == BookingStatus.CONFIRMED and as_utc(booking.starts_at) > now
        refund = 0
        if live and order is not None and order.is_settled and within_policy(room, [booking]):
            refund = order.refundable_pence
        result.append(BuyerBooking(booking, room, workspace, order, live, refund))
    return result


def get_buyer_booking(user: User, booking_id: int) -> Booking:
    with hub_scope("a buyer's own room booking", audit=False):
        booking = db.session.scalar(
            select(Booking).where(
                Booking.id == booking_id,
                Booking.buyer_user_id == user.id,
                Booking.kind == BookingKind.BOOKING,
            )
        )
    if booking is None:
        raise NotFound("There is no such booking in your account")
    return booking


@dataclass
class Cancellation:
    bookings: list[Booking]
    refund_id: int | None
    seller: Workspace
    refund_pence: int


def cancel_by_buyer(user: User, booking_id: int) -> Cancellation:
    """Cancel a confirmed booking (and the others made with it). Within the room's policy
    this asks billing for a full refund (the caller commits, then runs `perform_refund`),
    and the refund frees the slots; outside it the slots are freed with no refund."""
    booking = get_buyer_booking(user, booking_id)
    seller = db.session.get(Workspace, booking.tenant_id)
    if booking.status != BookingStatus.CONFIRMED or as_utc(booking.starts_at) <= utcnow():
        raise RoomError("This booking cannot be cancelled now")
    with tenant_context(seller.id):
        room = db.session.scalar(select(Room).where(Room.id == booking.room_id))
        order = (
            db.session.scalar(select(Order).where(Order.id == booking.order_id).with_for_update())
            if booking.order_id
            else None
        )
        group = list(
            db.session.scalars(
                select(Booking).where(
                    Booking.reference == booking.reference,
                    Booking.status == BookingStatus.CONFIRMED,
                )
            )
        )
        refund = (
            billing.request_buyer_refund(
                user, order, "Cancelled by the buyer within the cancellation policy"
            )
            if order is not None
            else None
        )
        refund_id = refund.id if refund is not None else None
        refundable = refund.amount_pence if refund is not None else 0
        if refund is None:
            for item in group:
                item.status = BookingStatus.CANCELLED
                item.cancelled_at = utcnow()
            db.session.flush()
    record(
        "rooms.cancelled",
        f"{user.email} cancelled {room.name} booking {booking.id}"
        + (f" with a refund of {format_pence(refundable)}" if refundable else " (no refund)"),
        workspace=seller,
        actor=user,
        booking_id=booking.id,
    )
    return Cancellation(group, refund_id, seller, refundable)


def finish_refund(cancellation: Cancellation) -> None:
    """Step two of a refunded cancellation: billing asks Stripe, books it and (through the
    fulfilment handler) frees the slots."""
    if cancellation.refund_id is not None:
        billing.perform_refund(cancellation.seller, cancellation.refund_id)


# --- workspace admin: calendar, block-outs, cancellations, export ---------------------------------


@dataclass
class CalendarEntry:
    booking: Booking
    room: Room


def calendar(
    workspace: Workspace, first_day: date, days: int, room_id: int | None = None
) -> list[tuple[date, list[CalendarEntry]]]:
    """Bookings and block-outs (not lapsed or cancelled) per day, in one query."""
    starts = to_utc(first_day, time(0))
    ends = to_utc(first_day + timedelta(days=days), time(0))
    with tenant_context(workspace.id):
        query = (
            select(Booking, Room)
            .join(Room, and_(Room.tenant_id == Booking.tenant_id, Room.id == Booking.room_id))
            .where(
                Booking.status.in_(OCCUPYING),
                Booking.starts_at < ends,
                Booking.ends_at > starts,
            )
            .order_by(Booking.starts_at, Room.name)
        )
        if room_id is not None:
            query = query.where(Booking.room_id == room_id)
        rows = db.session.execute(query).all()
    by_day: list[tuple[date, list[CalendarEntry]]] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        entries = [
            CalendarEntry(b, r)
            for b, r in rows
            if london(b.starts_at).date() <= day <= london(b.ends_at - timedelta(seconds=1)).date()
        ]
        by_day.append((day, entries))
    return by_day


def add_blockout(user: User, workspace: Workspace, room_id: int, slot: Slot, note: str) -> Booking:
    require_role(user, workspace, Role.ADMIN, write=True)
    room = get_room(workspace, room_id)
    if slot.ends_at <= slot.starts_at:
        raise RoomError("The end time must be after the start time", "end")
    if db.session.get_bind().dialect.name == "sqlite":
        _serialise_writes(room)
    clashes = _occupying(room, slot.starts_at, slot.ends_at)
    if clashes:
        raise RoomError(
            f"{room.name} is booked then ({clashes[0].organisation_name or 'a block-out'}, "
            f"{Slot(as_utc(clashes[0].starts_at), as_utc(clashes[0].ends_at)).describe()}): "
            "cancel that booking first",
            "date",
        )
    buffer = timedelta(minutes=room.buffer_minutes)
    try:
        with tenant_context(workspace.id):
            blockout = Booking(
                room_id=room.id,
                kind=BookingKind.BLOCKOUT,
                status=BookingStatus.CONFIRMED,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                blocked_from=slot.starts_at - buffer,
                blocked_until=slot.ends_at + buffer,
                reference=uuid.uuid4().hex,
                note=note[:300],
                price_pence=0,
            )
            db.session.add(blockout)
            db.session.flush()
    except IntegrityError as exc:
        if not _is_exclusion_violation(exc):
            raise
        name = room.name
        db.session.rollback()
        raise RoomError(f"{name} has just been booked for that time", "date") from exc
    record(
        "rooms.blockout",
        f"Blocked out {room.name}: {slot.describe()}",
        workspace=workspace,
        actor=user,
    )
    return blockout


def get_booking(workspace: Workspace, booking_id: int) -> Booking:
    with tenant_context(workspace.id):
        booking = db.session.scalar(select(Booking).where(Booking.id == booking_id))
    if booking is None:
        raise NotFound("There is no such booking")
    return booking


def cancel_by_workspace(user: User, workspace: Workspace, booking_id: int) -> Cancellation:
    """Staff cancel a booking or remove a block-out. A paid booking is refunded in full
    through billing when the policy allows; otherwise it is cancelled without a refund."""
    require_role(user, workspace, Role.ADMIN, write=True)
    booking = get_booking(workspace, booking_id)
    if booking.status not in OCCUPYING:
        raise RoomError("This booking is already cancelled")
    with tenant_context(workspace.id):
        order = (
            db.session.scalar(select(Order).where(Order.id == booking.order_id))
            if booking.order_id
            else None
        )
        group = list(
            db.session.scalars(
                select(Booking).where(
                    Booking.reference == booking.reference, Booking.status.in_(OCCUPYING)
                )
            )
        )
    refund_id, refundable = None, 0
    if order is not None and order.status in (OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT):
        billing.cancel_unpaid(order, f"Cancelled by {user.email}", actor=user)
    elif order is not None and order.is_settled and billing.refundable_now(order) > 0:
        refundable = billing.refundable_now(order)
        refund_id = billing.request_refund(
            user, workspace, order.id, refundable, "Cancelled by the workspace"
        ).id
    with tenant_context(workspace.id):
        if refund_id is None:
            for item in group:
                if item.status in OCCUPYING:
                    item.status = BookingStatus.CANCELLED
                    item.cancelled_at = utcnow()
        db.session.flush()
    record(
        "rooms.cancelled",
        f"Cancelled booking {booking.id}"
        + (f", refunding {format_pence(refundable)}" * bool(refundable)),
        workspace=workspace,
        actor=user,
        booking_id=booking.id,
    )
    return Cancellation(group, refund_id, workspace, refundable)


def export_rows(workspace: Workspace, first_day: date, last_day: date) -> list[list[str]]:
    with tenant_context(workspace.id):
        rows = db.session.execute(
            select(Booking, Room)
            .join(Room, and_(Room.tenant_id == Booking.tenant_id, Room.id == Booking.room_id))
            .where(
                Booking.starts_at >= to_utc(first_day, time(0)),
                Booking.starts_at < to_utc(last_day + timedelta(days=1), time(0)),
            )
            .order_by(Booking.starts_at, Booking.id)
        ).all()
    out = [
        [
            "booking_id",
            "room",
            "venue",
            "kind",
            "status",
            "starts_london",
            "ends_london",
            "organisation",
            "organisation_type",
            "attendees",
            "price_pence",
            "order_id",
            "note",
        ]
    ]
    for booking, room in rows:
        out.append(
            [
                str(booking.id),
                room.name,
                room.venue_name,
                booking.kind.value,
                booking.status.value,
                london(booking.starts_at).isoformat(),
                london(booking.ends_at).isoformat(),
                booking.organisation_name or "",
                booking.organisation_type or "",
                str(booking.attendees),
                str(booking.price_pence),
                str(booking.order_id or ""),
                booking.note or "",
            ]
        )
    return out


def feed_bookings(workspace: Workspace, room_id: int, token: str) -> tuple[Room, list[Booking]]:
    """The room's held and confirmed bookings from 30 days ago on, for its secret feed."""
    import hmac

    room = get_room(workspace, room_id)
    if not hmac.compare_digest(room.feed_token.encode(), token.encode()):
        raise NotFound("There is no such calendar feed")
    with tenant_context(workspace.id):
        bookings = list(
            db.session.scalars(
                select(Booking)
                .where(
                    Booking.room_id == room.id,
                    Booking.status.in_(OCCUPYING),
                    Booking.ends_at >= utcnow() - timedelta(days=30),
                )
                .order_by(Booking.starts_at)
            )
        )
    return room, bookings
