"""Two workspaces with people in every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User

from .helpers import (
    ALPHA_ADMIN,
    ALPHA_OWNER,
    ALPHA_STAFF,
    BETA_OWNER,
    BETA_STAFF,
    OUTSIDER,
    Team,
)


@pytest.fixture
def team(make_workspace, make_user) -> Team:
    alpha = make_workspace("alpha", "Alpha CVS")
    beta = make_workspace("beta", "Beta CVS")
    people = [
        (ALPHA_OWNER, alpha, Role.OWNER),
        (ALPHA_ADMIN, alpha, Role.ADMIN),
        (ALPHA_STAFF, alpha, Role.STAFF),
        (BETA_OWNER, beta, Role.OWNER),
        (BETA_STAFF, beta, Role.STAFF),
    ]
    for email, workspace, role in people:
        make_user(email, name=email.split("@")[0].title(), workspace=workspace, role=role)
    make_user(OUTSIDER, name="Outsider")
    members = {
        email: membership_id
        for email, membership_id in db.session.execute(
            select(User.email, Membership.id).join(Membership, Membership.user_id == User.id)
        )
    }
    return Team(alpha_id=alpha.id, beta_id=beta.id, members=members)
