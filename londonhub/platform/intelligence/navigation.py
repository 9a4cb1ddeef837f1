"""Dashboards in the navigation: London's for hub admins, each workspace's for its staff."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership
from londonhub.platform.core.navigation import NavItem
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus


def navigation(user) -> list[NavItem]:
    items = []
    if user.is_hub_admin:
        url = url_for("london.index")
        description = "London's figures by borough and month, the tile map, annual reports."
        items.append(NavItem("London dashboard", url, place="hub", description=description))
        items.append(NavItem("London dashboard", url, place="account", description=description))
    workspaces = db.session.execute(
        select(Workspace.slug, Workspace.name)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id, Workspace.status != WorkspaceStatus.ARCHIVED)
        .order_by(Workspace.name)
    ).all()
    for slug, name in workspaces:
        items.append(
            NavItem(
                f"{name} dashboard",
                url_for("workspace_dashboard.workspace_index", slug=slug),
                place="account",
                description=f"{name}'s figures by month, this year against last.",
            )
        )
    return items
