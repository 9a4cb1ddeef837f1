"""An invitation never grants more than its inviter still holds when it is accepted, and is
void once the inviter has left or may no longer invite (issue 10, security)."""

from __future__ import annotations

from londonhub.platform.core.identity import Role
from londonhub.tenants.workspace.models import InvitationStatus

from .helpers import ALPHA_ADMIN, ALPHA_OWNER
from .test_members import (
    NEWCOMER,
    invitations,
    invite,
    membership_of,
    remove,
    set_role,
    switch_user,
)


def _link_from(client, auth, outbox, inviter: str, role: str) -> str:
    auth.login(inviter)
    assert invite(client, NEWCOMER, role).status_code == 302
    return outbox.link(outbox.to(NEWCOMER)[-1])


def test_owner_invitation_from_a_demoted_owner_grants_only_admin(
    client, auth, team, outbox, make_user
) -> None:
    # A second owner invites a new owner, then is demoted to admin before it is accepted.
    auth.login(ALPHA_OWNER)
    assert set_role(client, team, ALPHA_ADMIN, "owner").status_code == 302
    auth.logout()
    link = _link_from(client, auth, outbox, ALPHA_ADMIN, "owner")
    switch_user(auth, ALPHA_OWNER)
    assert set_role(client, team, ALPHA_ADMIN, "admin").status_code == 302

    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    assert client.post(link).status_code == 302
    assert membership_of(NEWCOMER, team.alpha_id).role == Role.ADMIN


def test_invitation_from_a_removed_inviter_is_void(client, auth, team, outbox, make_user) -> None:
    link = _link_from(client, auth, outbox, ALPHA_ADMIN, "admin")
    switch_user(auth, ALPHA_OWNER)
    assert remove(client, team, ALPHA_ADMIN).status_code == 302

    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        assert "This invitation cannot be used" in response.get_data(as_text=True)
    assert membership_of(NEWCOMER, team.alpha_id) is None
    assert invitations(team.alpha_id)[0].status == InvitationStatus.REVOKED


def test_invitation_from_an_inviter_demoted_to_staff_is_void(
    client, auth, team, outbox, make_user
) -> None:
    link = _link_from(client, auth, outbox, ALPHA_ADMIN, "admin")
    switch_user(auth, ALPHA_OWNER)
    assert set_role(client, team, ALPHA_ADMIN, "staff").status_code == 302

    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    response = client.post(link)
    assert response.status_code == 400
    assert "no longer" in response.get_data(as_text=True)
    assert membership_of(NEWCOMER, team.alpha_id) is None


def test_invitation_whose_inviter_account_is_gone_is_void(
    client, auth, team, outbox, make_user
) -> None:
    from londonhub.platform.core.extensions import db
    from londonhub.platform.core.identity import get_user_by_email

    link = _link_from(client, auth, outbox, ALPHA_ADMIN, "staff")
    auth.logout()
    db.session.delete(get_user_by_email(ALPHA_ADMIN))
    db.session.commit()

    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    assert client.post(link).status_code == 400
    assert membership_of(NEWCOMER, team.alpha_id) is None


def test_invitation_from_an_inviter_still_in_office_works(
    client, auth, team, outbox, make_user
) -> None:
    link = _link_from(client, auth, outbox, ALPHA_ADMIN, "admin")
    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    assert client.post(link).status_code == 302
    assert membership_of(NEWCOMER, team.alpha_id).role == Role.ADMIN
