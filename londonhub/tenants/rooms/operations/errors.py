"""Room errors (each carries a message for a person) and the role check that raises them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from londonhub.platform.core import errors
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
)

if TYPE_CHECKING:
    from .search import Alternative


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


def require_role(user: User, workspace: Workspace, minimum: Role, *, write: bool = False) -> None:
    if not has_role(user, workspace, minimum):
        raise NotAllowed(f"You need the {minimum.value} role in {workspace.name} to do this")
    if write and workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")
