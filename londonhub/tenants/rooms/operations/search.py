"""Search every published room in London, a room's week, and alternatives when a time is taken."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select, text, tuple_

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
    hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import as_utc, utcnow
from londonhub.platform.core.workspaces import borough_choices

from ..models import (
    ACCESSIBILITY,
    FACILITIES,
    WEEKDAYS,
    Booking,
    CustomerType,
    Room,
    RoomPhoto,
)
from .conflicts import occupied_clause, occupying
from .errors import RoomError, SlotTaken
from .pricing import price_of
from .slots import Slot, check_slot, format_minutes, london, minutes_of, to_utc

PAGE_SIZE = 20
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


@dataclass(frozen=True)
class Alternative:
    room_id: int
    room_name: str
    workspace_slug: str
    workspace_name: str
    starts_at: datetime
    ends_at: datetime


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
    #: The price of the searched window at this rate (None without a window).
    total_pence: int | None = None
    #: The room's first photo: (id, alt text), or None.
    photo: tuple[int, str] | None = None


@dataclass
class SearchPage:
    results: list[SearchResult]
    page: int
    has_next: bool


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
        # A workspace's slug; a borough's name still works (links shared before slugs).
        wanted = criteria.borough.strip().lower()
        query = query.where(or_(Workspace.slug == wanted, func.lower(Workspace.borough) == wanted))
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
    with (
        hub_scope("public room search: published rooms only", audit=False),
        _rooms_in_index_order(),
    ):
        rows = db.session.execute(query).all()
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    photos = _first_photos([room for room, *_ in rows])
    window = criteria.window
    results = [
        SearchResult(
            room,
            slug,
            name,
            borough,
            room.hourly_pence(criteria.customer),
            total_pence=(
                price_of(room, [Slot(*window)], criteria.customer) if window is not None else None
            ),
            photo=photos.get((room.tenant_id, room.id)),
        )
        for room, slug, name, borough in rows
    ]
    return SearchPage(results, page, has_next)


@contextmanager
def _rooms_in_index_order() -> Iterator[None]:
    """PostgreSQL: walk the published rooms' order index (migration 20261201_0025) and stop at
    a full page, rather than check every room's bookings and then sort.

    The planner would pick that plan by itself but for row-level security: it estimates the
    policy's `current_setting('app.hub_scope') = 'on'` at 0.5 % of rows, so it expects about
    90 of 20,000 rooms to match, and from page 3 on prefers to check them all and sort (250 ms
    instead of 1 ms at 20,000 rooms, bench/rooms_search.py). Sorting is turned off for this one
    statement only (transaction-local, then back on)."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SELECT set_config('enable_sort', 'off', true)"))
    try:
        yield
    finally:
        if postgres:
            db.session.execute(text("SELECT set_config('enable_sort', 'on', true)"))


def _first_photos(rooms: list[Room]) -> dict[tuple[int, int], tuple[int, str]]:
    """Each room's first photo (id, alt text), for a page of results in one query."""
    if not rooms:
        return {}
    keys = [(room.tenant_id, room.id) for room in rooms]
    with hub_scope("public room search: photos of published rooms", audit=False):
        rows = db.session.execute(
            select(RoomPhoto.tenant_id, RoomPhoto.room_id, RoomPhoto.id, RoomPhoto.alt_text)
            .where(tuple_(RoomPhoto.tenant_id, RoomPhoto.room_id).in_(keys))
            .order_by(RoomPhoto.position, RoomPhoto.id)
        ).all()
    first: dict[tuple[int, int], tuple[int, str]] = {}
    for tenant_id, room_id, photo_id, alt_text in rows:
        first.setdefault((tenant_id, room_id), (photo_id, alt_text))
    return first


def boroughs() -> list[tuple[str, str]]:
    """(slug, borough) of boroughs with an active workspace, for the search form."""
    return borough_choices()


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
    bookings = occupying(room, starts, ends)
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


def alternatives(room: Room, slot: Slot, limit: int = 3) -> list[Alternative]:
    """Later times the same day in this room, then other rooms free at the same time."""
    found: list[Alternative] = []
    workspace = db.session.get(Workspace, room.tenant_id)
    length = slot.ends_at - slot.starts_at
    day_start = london(slot.starts_at)
    with tenant_context(room.tenant_id):
        taken = occupying(
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


def taken(room: Room, slots: list[Slot], clashes: list[datetime]) -> SlotTaken:
    if len(slots) == 1:
        message = (
            f"Sorry, {room.name} has just been taken for that time. "
            "Choose another time or one of the rooms below."
        )
    else:
        dates = ", ".join(f"{london(c):%d %b %Y}" for c in clashes) or "some of the dates"
        message = f"Nothing has been booked: {room.name} is taken on {dates}"
    return SlotTaken(message, clashes, alternatives(room, slots[0]) if len(slots) == 1 else [])


def published_after(
    after_id: int, limit: int, *, borough: str | None = None, capacity: int | None = None
) -> list[tuple[Room, str]]:
    """Published rooms of active workspaces with ids after `after_id`, in id order, each with
    its workspace's slug: one query per page of the API's keyset paging."""
    query = (
        select(Room, Workspace.slug)
        .join(Workspace, Workspace.id == Room.tenant_id)
        .where(
            Room.published.is_(True),
            Workspace.status == WorkspaceStatus.ACTIVE,
            Workspace.is_hub.is_(False),
            Room.id > after_id,
        )
        .order_by(Room.id)
        .limit(limit)
    )
    if borough:
        query = query.where(Workspace.slug == borough)
    if capacity:
        query = query.where(Room.capacity_max >= capacity)
    with hub_scope("API: published rooms", audit=False):
        return [(room, slug) for room, slug in db.session.execute(query)]


def window_availability(
    room: Room, first_day: date, last_day: date
) -> tuple[list[tuple[date, tuple[int, int] | None]], list[tuple[datetime, datetime]]]:
    """Each day's opening hours (minutes after midnight, London) from `first_day` to
    `last_day`, and the times taken then (buffers included), in UTC."""
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    starts = to_utc(first_day, time(0))
    ends = to_utc(last_day + timedelta(days=1), time(0))
    busy = [
        (as_utc(b.blocked_from), as_utc(b.blocked_until)) for b in occupying(room, starts, ends)
    ]
    return [(day, room.hours(day.weekday())) for day in days], busy
