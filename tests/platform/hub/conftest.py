"""A hub admin, and a workspace owner who is not one."""

from __future__ import annotations

import pytest

from londonhub.platform.core import identity

HUB_ADMIN = "hub@example.org"
WORKSPACE_OWNER = "owner@hackney.example.org"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests sign people in often; hashing strength is tested with accounts."""
    monkeypatch.setattr(identity, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def hub(make_workspace, make_user) -> dict[str, int]:
    """Hackney (owner and staff), Camden (no members) and the people; returns workspace ids."""
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Voluntary Action Camden", borough="Camden")
    make_user(HUB_ADMIN, name="Hub Admin", hub_admin=True)
    make_user(WORKSPACE_OWNER, name="Hackney Owner", workspace=hackney, role="owner")
    make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    return {"hackney": hackney.id, "camden": camden.id}
