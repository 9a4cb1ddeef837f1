"""Rooms, managed by a workspace's admins: list, find, save, publish, rotate the feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User
from londonhub.platform.core.tenancy import (
    Workspace,
    tenant_context,
)

from ..models import (
    ACCESSIBILITY,
    FACILITIES,
    LAYOUTS,
    WEEKDAYS,
    CustomerType,
    Room,
    _feed_token,
)
from .errors import NotFound, RoomError, require_role

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


def list_published_rooms(workspace: Workspace) -> list[Room]:
    """The rooms the workspace offers the public (its page lists them)."""
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(Room)
                .where(Room.published.is_(True))
                .order_by(Room.venue_name, Room.name, Room.id)
            )
        )


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
    with tenant_context(workspace.id):
        room.feed_token = _feed_token()
        db.session.flush()
    record("rooms.feed_rotated", f"New calendar feed address for {room.name}", workspace=workspace)
    return room


def get_public_room(workspace: Workspace, room_id: int) -> Room:
    """A published room (anyone may see it); unpublished rooms are not found."""
    room = get_room(workspace, room_id)
    if not room.published:
        raise NotFound("There is no such room")
    return room
