"""Where each person's work is: navigation items that areas fill in.

Core names no feature. Each area registers a provider, `(user) -> items`, in its own
`init_app`; the base layout shows the `main` items in the header, `/account` lists the
`account` items, the hub's overview the `hub` items. Public areas (rooms, opportunities,
resources, ...) add their header link for everyone with `register_public_link`. After signing
in, a person with exactly one place of work (`main` items marked `work`) lands there instead of
on /account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, url_for

PLACES = ("main", "account", "hub")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    #: main: the header; account: links on /account; hub: sections of the hub's overview.
    place: str = "main"
    #: A place where this person works (a landing place after sign-in).
    work: bool = False
    #: One line for the account and hub pages.
    description: str = ""


NavProvider = Callable[[Any], Iterable[NavItem]]


@dataclass(frozen=True)
class PublicLink:
    """A link in the header for everyone, signed in or not (rooms, opportunities, ...)."""

    label: str
    endpoint: str
    #: Lower comes first; areas pick a number so the header's order does not depend on the
    #: order `create_app` wires them.
    order: int = 100


def register_public_link(app: Flask, label: str, endpoint: str, order: int = 100) -> None:
    links = app.extensions.setdefault("londonhub.public_links", [])
    if all(link.endpoint != endpoint for link in links):
        links.append(PublicLink(label, endpoint, order))
        links.sort(key=lambda link: link.order)


def public_links() -> list[PublicLink]:
    """The header's links for everyone, in their registered order."""
    return list(current_app.extensions.get("londonhub.public_links", []))


def register_navigation(app: Flask, provider: NavProvider) -> None:
    providers = app.extensions.setdefault("londonhub.navigation", [])
    if provider not in providers:
        providers.append(provider)


def navigation(user: Any, place: str = "main") -> list[NavItem]:
    """The items for `user` in `place`, in the order the areas registered them (computed once
    per request)."""
    if place not in PLACES:
        raise ValueError(f"unknown navigation place {place!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cache = g.setdefault("_navigation", {}) if has_request_context() else {}
    if user.id not in cache:
        items: list[NavItem] = []
        for provider in current_app.extensions.get("londonhub.navigation", []):
            items.extend(provider(user))
        cache[user.id] = items
    return [item for item in cache[user.id] if item.place == place]


def landing_url(user: Any) -> str | None:
    """Where a person goes after signing in: their one place of work, if they have one."""
    work = [item for item in navigation(user, "main") if item.work]
    if len(work) != 1 or work[0].url.startswith(url_for("auth.account")):
        return None  # several places (listed on /account), or none
    return work[0].url


def init_app(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict:
        from flask_login import current_user

        return {
            "navigation": lambda place="main": navigation(current_user, place),
            "public_links": public_links,
        }
