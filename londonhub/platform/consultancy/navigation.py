"""The consultancy's entries in the navigation registry (platform.core.navigation)."""

from __future__ import annotations

from flask import url_for

from londonhub.platform.core.navigation import NavItem

from .associates import associate_of


def navigation(user) -> list[NavItem]:
    items = [
        NavItem(
            "Consultancy",
            url_for("consultancy.work"),
            place="account",
            description="Your enquiries, quotes and engagements with the hub's associates.",
        )
    ]
    if associate_of(user) is not None:
        items.append(NavItem("Consultancy", url_for("consultancy.work"), work=True))
    if getattr(user, "is_hub_admin", False):
        items.append(
            NavItem(
                "Consultancy pool",
                url_for("consultancy_hub.index"),
                place="hub",
                description="Associates, enquiries, reviews, the ledger, the subsidy pot and "
                "Lifeboat requests.",
            )
        )
    return items
