"""Rooms' entries in the navigation registry (platform.core.navigation)."""

from __future__ import annotations

from flask import url_for

from londonhub.platform.core.navigation import NavItem


def navigation(user) -> list[NavItem]:
    return [
        NavItem(
            "Your room bookings",
            url_for("rooms.my_bookings"),
            place="account",
            description="Rooms you have booked, and cancelling a booking.",
        )
    ]
