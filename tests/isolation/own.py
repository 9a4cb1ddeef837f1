"""Filling in route parameters with the signed-in person's own workspace's values (workspace A
of the matrix's world), for walks that need the routes to work rather than to refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from werkzeug.routing import Rule

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, make_token

from .matrix import World, fill


def _reset_token(email: str) -> str:
    """A real password-reset link of `email`'s (the matrix exempts the route: it is no
    workspace's data)."""
    from londonhub.platform.core import accounts

    user = accounts.get_user_by_email(email)
    return make_token(accounts.RESET, {"uid": user.id, "pw": accounts._password_fingerprint(user)})


def _verify_token(email: str) -> str:
    from londonhub.platform.core import accounts

    user = accounts.get_user_by_email(email)
    return make_token(accounts.VERIFY, {"uid": user.id, "email": user.email})


#: endpoint -> its parameters for the person `email`, for routes the matrix does not fill in
#: (it exempts them: they are no workspace's data).
OWN_ENDPOINT_FILLERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "auth.reset_password": lambda email: {"token": _reset_token(email)},
    "auth.verify_email": lambda email: {"token": _verify_token(email)},
    "brand.static": lambda email: {"filename": "favicon.svg"},
}


def own_values(world: World, email: str) -> Callable[[Rule], dict[str, Any] | None]:
    """A filler for `email`'s walk: workspace A's own values. The matrix's fillers name side
    `b`, so they are handed the world mirrored; a staff member, whom A's owner may remove,
    stands in for the owner's own membership."""
    mirrored = getattr(world, "_mirrored", None)
    if mirrored is None:  # one per world: fillers make hub-level rows once per World
        mirrored = world._mirrored = World(a=world.b, b=world.a)  # type: ignore[attr-defined]
    staff = db.session.scalar(
        select(Membership.id).where(
            Membership.workspace_id == world.a.workspace.id, Membership.role == Role.STAFF
        )
    )

    def values(rule: Rule) -> dict[str, Any] | None:
        if rule.endpoint in OWN_ENDPOINT_FILLERS:
            return OWN_ENDPOINT_FILLERS[rule.endpoint](email)
        filled = fill(rule, mirrored)
        if filled is not None and "membership_id" in filled:
            filled["membership_id"] = staff
        return filled

    return values
