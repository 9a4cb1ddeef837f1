"""Invitations, roles and the owner rules of a workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.workspace.models import Invitation, InvitationStatus

from .helpers import (
    ALPHA_ADMIN,
    ALPHA_OWNER,
    ALPHA_STAFF,
    BETA_OWNER,
    BETA_STAFF,
    OUTSIDER,
)

NEWCOMER = "newcomer@example.org"


def invite(client, email: str = NEWCOMER, role: str = "staff", slug: str = "alpha"):
    return client.post(
        f"/b/{slug}/admin/members/invite", data={"invite-email": email, "invite-role": role}
    )


def invitations(workspace_id: int) -> list[Invitation]:
    db.session.expire_all()
    with tenant_context(workspace_id):
        return list(db.session.scalars(select(Invitation).order_by(Invitation.id)))


def membership_of(email: str, workspace_id: int) -> Membership | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(User.email == email, Membership.workspace_id == workspace_id)
    )


def switch_user(auth, email: str) -> None:
    auth.logout()
    response = auth.login(email)
    assert response.status_code == 302, response.get_data(as_text=True)


# --- invitations -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "admin", "owner"])
def test_invitation_by_email_is_accepted_with_its_role(
    client, auth, team, outbox, make_user, role
) -> None:
    auth.login(ALPHA_OWNER)
    response = invite(client, "NewComer@Example.org ", role)
    assert response.status_code == 302
    assert [i.email for i in invitations(team.alpha_id)] == [NEWCOMER]

    [message] = outbox.to(NEWCOMER)
    assert "Alpha CVS" in message["Subject"]
    assert f"as {role}" in outbox.body(message)
    link = outbox.link(message)
    assert link.startswith("/invites/")

    make_user(NEWCOMER, name="New Comer")
    switch_user(auth, NEWCOMER)
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Alpha CVS" in page.get_data(as_text=True)
    assert membership_of(NEWCOMER, team.alpha_id) is None  # opening the link is not accepting

    accepted = client.post(link)
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith("/b/alpha/admin/")
    membership = membership_of(NEWCOMER, team.alpha_id)
    assert membership is not None
    assert membership.role == Role(role)
    [invitation] = invitations(team.alpha_id)
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_at is not None
    assert client.get("/b/alpha/admin/").status_code == 200
    assert membership_of(NEWCOMER, team.beta_id) is None


def _invited_link(client, auth, outbox, email: str = NEWCOMER) -> str:
    auth.login(ALPHA_OWNER)
    assert invite(client, email).status_code == 302
    return outbox.link(outbox.to(email)[-1])


def test_used_invitation_link_cannot_be_used_again(client, auth, team, outbox, make_user) -> None:
    link = _invited_link(client, auth, outbox)
    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    assert client.post(link).status_code == 302
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "This invitation cannot be used" in page
        assert "already been used" in page
    assert (
        len(
            db.session.scalars(
                select(Membership).where(Membership.workspace_id == team.alpha_id)
            ).all()
        )
        == 4
    )


@pytest.mark.parametrize("email", [OUTSIDER, BETA_OWNER, ALPHA_STAFF])
def test_invitation_for_someone_else_is_refused(client, auth, team, outbox, email) -> None:
    link = _invited_link(client, auth, outbox)
    switch_user(auth, email)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code in (400, 403)
        assert "This invitation cannot be used" in response.get_data(as_text=True)
    assert team.role_of(ALPHA_STAFF) == Role.STAFF
    assert membership_of(OUTSIDER, team.alpha_id) is None
    assert membership_of(BETA_OWNER, team.alpha_id) is None
    assert invitations(team.alpha_id)[0].status == InvitationStatus.PENDING


def test_revoked_invitation_is_refused(client, auth, team, outbox, make_user) -> None:
    link = _invited_link(client, auth, outbox)
    [invitation] = invitations(team.alpha_id)
    response = client.post(f"/b/alpha/admin/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    assert invitations(team.alpha_id)[0].status == InvitationStatus.REVOKED
    page = client.get("/b/alpha/admin/members").get_data(as_text=True)
    assert "No invitations are waiting." in page

    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        assert "withdrawn" in response.get_data(as_text=True)
    assert membership_of(NEWCOMER, team.alpha_id) is None


def test_expired_invitation_is_refused(client, auth, team, outbox, make_user) -> None:
    link = _invited_link(client, auth, outbox)
    [invitation] = invitations(team.alpha_id)
    with tenant_context(team.alpha_id):
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert membership_of(NEWCOMER, team.alpha_id) is None


def test_tampered_invitation_link_is_refused(client, auth, team, outbox, make_user) -> None:
    link = _invited_link(client, auth, outbox)
    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    response = client.post(link[:-3] + ("abc" if not link.endswith("abc") else "xyz"))
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert membership_of(NEWCOMER, team.alpha_id) is None


def test_invitation_link_needs_sign_in(client, auth, team, outbox) -> None:
    link = _invited_link(client, auth, outbox)
    auth.logout()
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_invitation_to_a_suspended_workspace_cannot_be_accepted(
    client, auth, team, outbox, make_user
) -> None:
    from .helpers import fresh_workspace

    link = _invited_link(client, auth, outbox)
    workspace = fresh_workspace("alpha")
    workspace.status = "suspended"
    db.session.commit()
    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    assert client.post(link).status_code == 400
    assert membership_of(NEWCOMER, team.alpha_id) is None


def test_duplicate_invitation_is_refused_clearly(client, auth, team, outbox) -> None:
    auth.login(ALPHA_OWNER)
    assert invite(client).status_code == 302
    response = invite(client, NEWCOMER.upper())
    assert response.status_code == 400
    assert f"{NEWCOMER} has already been invited" in response.get_data(as_text=True)
    assert len(invitations(team.alpha_id)) == 1
    assert len(outbox.to(NEWCOMER)) == 1


def test_the_same_person_may_be_invited_by_two_workspaces(client, auth, team, outbox) -> None:
    auth.login(ALPHA_OWNER)
    assert invite(client).status_code == 302
    switch_user(auth, BETA_OWNER)
    assert invite(client, slug="beta").status_code == 302
    assert len(invitations(team.alpha_id)) == 1
    assert len(invitations(team.beta_id)) == 1


def test_inviting_an_existing_member_is_refused(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    response = invite(client, ALPHA_STAFF)
    assert response.status_code == 400
    assert "already a member of Alpha CVS" in response.get_data(as_text=True)
    assert invitations(team.alpha_id) == []


def test_invitation_with_a_bad_email_is_refused(client, auth, team, outbox) -> None:
    auth.login(ALPHA_OWNER)
    response = invite(client, "not an email")
    assert response.status_code == 400
    assert "Enter an email address" in response.get_data(as_text=True)
    assert invitations(team.alpha_id) == []
    assert outbox.messages == []


def test_admin_cannot_invite_an_owner(client, auth, team, outbox) -> None:
    auth.login(ALPHA_ADMIN)
    assert invite(client, role="owner").status_code == 403
    assert invitations(team.alpha_id) == []
    assert outbox.messages == []
    assert invite(client, role="admin").status_code == 302


def test_staff_cannot_invite(client, auth, team, outbox) -> None:
    auth.login(ALPHA_STAFF)
    assert invite(client).status_code == 403
    assert invitations(team.alpha_id) == []
    assert outbox.messages == []
    page = client.get("/b/alpha/admin/members")
    assert page.status_code == 200
    assert "Invite someone" not in page.get_data(as_text=True)


# --- roles -------------------------------------------------------------------------------------


def set_role(client, team, email: str, role: str, slug: str = "alpha"):
    return client.post(f"/b/{slug}/admin/members/{team.members[email]}/role", data={"role": role})


def remove(client, team, email: str, slug: str = "alpha"):
    return client.post(f"/b/{slug}/admin/members/{team.members[email]}/remove")


def test_owner_changes_a_role(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    response = set_role(client, team, ALPHA_STAFF, "admin")
    assert response.status_code == 302
    assert team.role_of(ALPHA_STAFF) == Role.ADMIN
    page = client.get("/b/alpha/admin/members").get_data(as_text=True)
    assert "Staff is now admin." in page


def test_admin_changes_staff_to_admin_and_back(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    assert set_role(client, team, ALPHA_STAFF, "admin").status_code == 302
    assert team.role_of(ALPHA_STAFF) == Role.ADMIN
    assert set_role(client, team, ALPHA_STAFF, "staff").status_code == 302
    assert team.role_of(ALPHA_STAFF) == Role.STAFF


def test_admin_cannot_make_someone_owner(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    assert set_role(client, team, ALPHA_STAFF, "owner").status_code == 403
    assert set_role(client, team, ALPHA_ADMIN, "owner").status_code == 403
    assert team.role_of(ALPHA_STAFF) == Role.STAFF
    assert team.role_of(ALPHA_ADMIN) == Role.ADMIN


def test_admin_cannot_demote_or_remove_an_owner(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    assert set_role(client, team, ALPHA_OWNER, "staff").status_code == 403
    assert remove(client, team, ALPHA_OWNER).status_code == 403
    assert team.role_of(ALPHA_OWNER) == Role.OWNER


def test_staff_cannot_change_roles_or_remove(client, auth, team) -> None:
    auth.login(ALPHA_STAFF)
    assert set_role(client, team, ALPHA_STAFF, "admin").status_code == 403
    assert remove(client, team, ALPHA_ADMIN).status_code == 403
    assert team.role_of(ALPHA_STAFF) == Role.STAFF
    assert team.role_of(ALPHA_ADMIN) == Role.ADMIN


def test_unknown_role_changes_nothing(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    response = set_role(client, team, ALPHA_STAFF, "superuser")
    assert response.status_code in (302, 400)
    assert team.role_of(ALPHA_STAFF) == Role.STAFF


def test_last_owner_cannot_be_demoted(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    response = set_role(client, team, ALPHA_OWNER, "admin")
    assert response.status_code == 302
    assert team.role_of(ALPHA_OWNER) == Role.OWNER
    page = client.get("/b/alpha/admin/members").get_data(as_text=True)
    assert "A workspace must keep at least one owner" in page


def test_last_owner_cannot_be_removed(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    response = remove(client, team, ALPHA_OWNER)
    assert response.status_code == 302
    assert team.role_of(ALPHA_OWNER) == Role.OWNER
    page = client.get("/b/alpha/admin/members").get_data(as_text=True)
    assert "The last owner cannot be removed" in page


def test_owner_can_step_down_once_there_is_a_second_owner(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    assert set_role(client, team, ALPHA_ADMIN, "owner").status_code == 302
    assert team.role_of(ALPHA_ADMIN) == Role.OWNER
    assert set_role(client, team, ALPHA_OWNER, "admin").status_code == 302
    assert team.role_of(ALPHA_OWNER) == Role.ADMIN
    # The one owner left is protected again.
    switch_user(auth, ALPHA_ADMIN)
    assert set_role(client, team, ALPHA_ADMIN, "staff").status_code == 302
    assert team.role_of(ALPHA_ADMIN) == Role.OWNER


def test_owner_can_be_removed_once_there_is_a_second_owner(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    set_role(client, team, ALPHA_ADMIN, "owner")
    switch_user(auth, ALPHA_ADMIN)
    assert remove(client, team, ALPHA_OWNER).status_code == 302
    assert team.membership(ALPHA_OWNER) is None
    assert remove(client, team, ALPHA_ADMIN).status_code == 302
    assert team.role_of(ALPHA_ADMIN) == Role.OWNER


def test_removed_member_loses_access(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    assert remove(client, team, ALPHA_STAFF).status_code == 302
    assert team.membership(ALPHA_STAFF) is None
    switch_user(auth, ALPHA_STAFF)
    assert client.get("/b/alpha/admin/").status_code == 403


# --- another workspace's ids -------------------------------------------------------------------


def test_other_workspaces_members_are_not_found(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    assert set_role(client, team, BETA_STAFF, "admin").status_code == 404
    assert set_role(client, team, BETA_OWNER, "staff").status_code == 404
    assert remove(client, team, BETA_STAFF).status_code == 404
    assert remove(client, team, BETA_OWNER).status_code == 404
    assert team.role_of(BETA_STAFF) == Role.STAFF
    assert team.role_of(BETA_OWNER) == Role.OWNER


def test_other_workspaces_admin_pages_are_refused(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    assert set_role(client, team, BETA_STAFF, "admin", slug="beta").status_code == 403
    assert remove(client, team, BETA_STAFF, slug="beta").status_code == 403
    assert invite(client, slug="beta").status_code == 403
    assert client.get("/b/beta/admin/members").status_code == 403
    assert team.role_of(BETA_STAFF) == Role.STAFF
    assert invitations(team.beta_id) == []


def test_other_workspaces_invitations_cannot_be_revoked(client, auth, team, outbox) -> None:
    auth.login(BETA_OWNER)
    invite(client, slug="beta")
    [beta_invitation] = invitations(team.beta_id)
    switch_user(auth, ALPHA_OWNER)
    response = client.post(f"/b/alpha/admin/invitations/{beta_invitation.id}/revoke")
    assert response.status_code == 404
    assert invitations(team.beta_id)[0].status == InvitationStatus.PENDING
    page = client.get("/b/alpha/admin/members").get_data(as_text=True)
    assert NEWCOMER not in page
    assert "No invitations are waiting." in page


def test_unknown_ids_are_not_found(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    assert (
        client.post("/b/alpha/admin/members/999999/role", data={"role": "staff"}).status_code == 404
    )
    assert client.post("/b/alpha/admin/members/999999/remove").status_code == 404
    assert client.post("/b/alpha/admin/invitations/999999/revoke").status_code == 404


@pytest.mark.postgres
def test_two_owners_demoting_each_other_at_once_leave_one_owner(app, team) -> None:
    """The owner count is taken under a lock: without it both demotions would pass."""
    import threading

    from londonhub.platform.core.identity import get_user_by_email
    from londonhub.platform.core.tenancy import Workspace
    from londonhub.tenants.workspace import services

    membership = team.membership(ALPHA_ADMIN)
    membership.role = Role.OWNER
    db.session.commit()
    results: dict[str, str] = {}
    first_flushed = threading.Event()
    release_first = threading.Event()

    def demote(actor_email: str, target_email: str, hold: bool) -> None:
        with app.app_context():
            try:
                actor = get_user_by_email(actor_email)
                workspace = db.session.get(Workspace, team.alpha_id)
                services.change_role(actor, workspace, team.members[target_email], Role.STAFF)
                if hold:
                    first_flushed.set()
                    release_first.wait(10)
                db.session.commit()
                results[actor_email] = "changed"
            except (services.AdminError, services.NotAllowed) as exc:
                db.session.rollback()
                results[actor_email] = f"refused: {exc}"
            finally:
                first_flushed.set()
                db.session.remove()

    first = threading.Thread(target=demote, args=(ALPHA_OWNER, ALPHA_ADMIN, True))
    second = threading.Thread(target=demote, args=(ALPHA_ADMIN, ALPHA_OWNER, False))
    first.start()
    assert first_flushed.wait(10)
    second.start()
    second.join(1)  # blocked on the lock, or (without it) done already
    release_first.set()
    first.join(10)
    second.join(10)
    assert results[ALPHA_OWNER] == "changed"
    assert results[ALPHA_ADMIN].startswith("refused")
    assert team.role_of(ALPHA_OWNER) == Role.OWNER
    assert team.role_of(ALPHA_ADMIN) == Role.STAFF


def test_expired_invitation_can_be_sent_again(client, auth, team, outbox, make_user) -> None:
    old_link = _invited_link(client, auth, outbox)
    [invitation] = invitations(team.alpha_id)
    with tenant_context(team.alpha_id):
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "No invitations are waiting." in client.get("/b/alpha/admin/members").get_data(
        as_text=True
    )
    response = invite(client, role="admin")
    assert response.status_code == 302
    assert len(outbox.to(NEWCOMER)) == 2
    new_link = outbox.link(outbox.to(NEWCOMER)[-1])
    statuses = [(i.role, i.status) for i in invitations(team.alpha_id)]
    assert statuses == [
        (Role.STAFF, InvitationStatus.REVOKED),
        (Role.ADMIN, InvitationStatus.PENDING),
    ]
    assert NEWCOMER in client.get("/b/alpha/admin/members").get_data(as_text=True)

    make_user(NEWCOMER)
    switch_user(auth, NEWCOMER)
    assert client.post(old_link).status_code == 400
    assert client.post(new_link).status_code == 302
    assert membership_of(NEWCOMER, team.alpha_id).role == Role.ADMIN
