"""The resource pool's entries in the navigation registry (platform.core.navigation)."""

from __future__ import annotations

from flask import url_for

from londonhub.platform.core.navigation import NavItem


def navigation(user) -> list[NavItem]:
    if not getattr(user, "is_hub_admin", False):
        return []
    return [
        NavItem(
            "Resource pool",
            url_for("resources_hub.manage_index"),
            place="hub",
            description="The hub's own resources, and curating the London-wide pool.",
        ),
        NavItem(
            "Peer-review queue",
            url_for("resources_hub.hub_review_queue"),
            place="hub",
            description="Who is waiting for which review, and for how long.",
        ),
    ]
