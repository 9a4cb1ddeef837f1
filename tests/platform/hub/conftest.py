"""A hub admin, and a workspace owner who is not one."""

from __future__ import annotations

import pytest

HUB_ADMIN = "hub@example.org"
WORKSPACE_OWNER = "owner@hackney.example.org"


@pytest.fixture
def hub(make_workspace, make_user) -> dict[str, int]:
    """Hackney (owner and staff), Camden (no members) and the people; returns workspace ids."""
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Voluntary Action Camden", borough="Camden")
    make_user(HUB_ADMIN, name="Hub Admin", hub_admin=True)
    make_user(WORKSPACE_OWNER, name="Hackney Owner", workspace=hackney, role="owner")
    make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    return {"hackney": hackney.id, "camden": camden.id}
