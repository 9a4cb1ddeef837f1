"""Billing's entries in the navigation registry (platform.core.navigation)."""

from __future__ import annotations

from flask import url_for

from londonhub.platform.core.navigation import NavItem


def navigation(user) -> list[NavItem]:
    items = [
        NavItem(
            "Your orders",
            url_for("billing.buyer_orders"),
            place="account",
            description="What you have bought, receipts, paying and refunds.",
        )
    ]
    if user.is_hub_admin:
        items.append(
            NavItem(
                "Payments and payouts",
                url_for("billing_hub.hub_index"),
                place="hub",
                description="Every workspace's balance, payouts, and Stripe events that failed.",
            )
        )
    return items
