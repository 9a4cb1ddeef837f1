"""Workspace services check the acting member's role themselves: called directly, with no
request and no view in front of them, a staff member is refused with NotAllowed (an admin
with an owner-only change too) and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import has_request_context
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.tenants.workspace import services
from londonhub.tenants.workspace.models import Invitation

from .helpers import ALPHA_ADMIN, ALPHA_OWNER, ALPHA_STAFF, Team, image_bytes


def _state(workspace_id: int) -> tuple:
    db.session.expire_all()
    workspace = db.session.get(Workspace, workspace_id)
    members = db.session.execute(
        select(Membership.id, Membership.role)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.id)
    ).all()
    with tenant_context(workspace_id):
        invitations = db.session.execute(
            select(Invitation.id, Invitation.status).order_by(Invitation.id)
        ).all()
    return workspace.description, workspace.logo_content_type, members, invitations


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


CALLS: dict[str, Callable] = {
    "update_profile": lambda actor, ws, team, inv: services.update_profile(
        actor, ws, description="Changed by staff"
    ),
    "set_logo": lambda actor, ws, team, inv: services.set_logo(actor, ws, image_bytes()),
    "remove_logo": lambda actor, ws, team, inv: services.remove_logo(actor, ws),
    "change_role": lambda actor, ws, team, inv: services.change_role(
        actor, ws, team.members[ALPHA_ADMIN], Role.STAFF
    ),
    "remove_member": lambda actor, ws, team, inv: services.remove_member(
        actor, ws, team.members[ALPHA_ADMIN]
    ),
    "invite": lambda actor, ws, team, inv: services.invite(
        actor, ws, "new@example.org", Role.STAFF
    ),
    "revoke_invitation": lambda actor, ws, team, inv: services.revoke_invitation(actor, ws, inv),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_staff_member_cannot_change_the_workspace_by_calling_the_service(
    name, app, team: Team
) -> None:
    workspace = db.session.get(Workspace, team.alpha_id)
    owner = _user(ALPHA_OWNER)
    with app.test_request_context():  # setting up only
        services.set_logo(owner, workspace, image_bytes())
        invitation = services.invite(owner, workspace, "pending@example.org", Role.STAFF).id
        db.session.commit()
    before = _state(team.alpha_id)
    assert not has_request_context()
    with pytest.raises(services.NotAllowed):
        CALLS[name](_user(ALPHA_STAFF), workspace, team, invitation)
    db.session.rollback()
    assert _state(team.alpha_id) == before


def test_an_admin_cannot_make_an_owner_by_calling_the_service(app, team: Team) -> None:
    workspace = db.session.get(Workspace, team.alpha_id)
    before = _state(team.alpha_id)
    with pytest.raises(services.NotAllowed):
        services.change_role(_user(ALPHA_ADMIN), workspace, team.members[ALPHA_STAFF], Role.OWNER)
    db.session.rollback()
    assert _state(team.alpha_id) == before
