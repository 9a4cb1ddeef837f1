"""Route markers: which workspace routes are public.

The cross-tenant matrix (tests/isolation) expects every workspace route requested by a member
of another workspace to be refused (403/404), except routes marked `@public`: those show what
the workspace published to everyone, and may answer 200 to anyone, but must still refuse
changes and never show the workspace's private data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, g
from flask_login import current_user

from .errors import NotAllowed
from .extensions import login_manager
from .identity import Role, has_role, role_in
from .tenancy import Workspace, WorkspaceStatus

F = TypeVar("F", bound=Callable)
SUPPORT_HINT = " As a hub admin, you can enter it for support from its page in the hub admin."


def public(view: F) -> F:
    """Mark a view as public: anyone may read it, in any workspace."""
    view.londonhub_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable) -> bool:
    return bool(getattr(view, "londonhub_public", False))


def require_workspace_role(bp: Blueprint, minimum: Role, refusal: str) -> None:
    """Every route of `bp` (a workspace blueprint) needs a signed-in person with at least
    `minimum` in the workspace; their role is in `g.role`. Others get 403 with `refusal`."""

    @bp.before_request
    def _require_workspace_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        g.role = role_in(current_user, g.tenant)
        if g.role is None or g.role.rank < minimum.rank:
            hint = SUPPORT_HINT if current_user.is_hub_admin else ""
            abort(403, description=refusal + hint)
        return None


def require_hub_admin(bp: Blueprint) -> None:
    """Every route of `bp` is for hub admins only."""

    @bp.before_request
    def _require_hub_admin():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_hub_admin:
            abort(403, description="Only hub admins can see the hub's administration pages.")
        return None


def require_role(user: Any, workspace: Workspace, minimum: Role, *, write: bool = False) -> None:
    """Raise `NotAllowed` (403) unless `user` has at least `minimum` in `workspace`; with
    `write`, also unless the workspace is active (a suspended one is read-only)."""
    if not has_role(user, workspace, minimum):
        raise NotAllowed(f"You need the {minimum.value} role in {workspace.name} to do this")
    if write and workspace.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{workspace.name} is {workspace.status.value}: it cannot be changed")
