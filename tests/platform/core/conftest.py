"""Fixtures for the identity, sign-in and core platform tests."""

from __future__ import annotations

import pytest
from flask import Flask

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User


@pytest.fixture
def member(make_user, make_workspace) -> User:
    """A verified person who is admin of Hackney CVS and staff of Camden CVS."""
    hackney = make_workspace("hackney", "Hackney CVS")
    camden = make_workspace("camden", "Camden CVS")
    user = make_user("ada@example.org", name="Ada Lovelace", workspace=hackney, role="admin")
    db.session.add(Membership(workspace_id=camden.id, user_id=user.id, role=Role.STAFF))
    db.session.commit()
    return user


@pytest.fixture
def other_client(app: Flask):
    """A second browser."""
    return app.test_client()
