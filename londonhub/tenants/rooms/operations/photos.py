"""Photos of a room: checked images with alt text, at most MAX_PHOTOS per room."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.images import ImageError, check_image
from londonhub.platform.core.tenancy import (
    Workspace,
    tenant_context,
)

from ..models import (
    Room,
    RoomPhoto,
)
from .conflicts import serialise_writes
from .errors import NotFound, RoomError, require_role
from .rooms import get_room

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
    serialise_writes(room)  # two uploads at once cannot both take the last place
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
