"""A new workspace can be run by someone (issue 10, journey 1): the hub invites its owner when
creating it and can transfer ownership later, `flask tenants create --owner EMAIL` does the
same, and a hub admin enters a workspace's admin only through explicit, time-limited, audited
support access that its owners can see."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User, get_user_by_email
from londonhub.platform.core.support import SupportAccess
from londonhub.platform.core.timeutil import utcnow

from .conftest import HUB_ADMIN, WORKSPACE_OWNER
from .test_hub_admin import new_workspace

NEW_OWNER = "owner@islington.example.org"


def role_of(email: str, slug: str) -> Role | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(User.email == email, Membership.workspace.has(slug=slug))
    )


def accept(client, auth, make_user, link: str, email: str = NEW_OWNER):
    auth.logout()
    if get_user_by_email(email) is None:
        make_user(email, name="New Owner")
    auth.login(email)
    return client.post(link)


def test_hub_creates_a_workspace_and_its_owner_runs_it(
    client, auth, hub, outbox, make_user
) -> None:
    auth.login(HUB_ADMIN)
    assert new_workspace(client).status_code == 302
    page = client.get("/hub/workspaces/islington/").get_data(as_text=True)
    assert NEW_OWNER in page  # the owner invitation waiting
    [message] = outbox.to(NEW_OWNER)
    assert "as owner" in outbox.body(message)

    response = accept(client, auth, make_user, outbox.link(message))
    assert response.headers["Location"].endswith("/b/islington/admin/")
    assert role_of(NEW_OWNER, "islington") == Role.OWNER
    assert client.get("/b/islington/admin/members").status_code == 200


def test_creating_a_workspace_needs_an_owner(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    response = new_workspace(client, owner_email="")
    assert response.status_code == 400
    assert "Enter the email address of the person who will run the workspace" in response.text
    assert new_workspace(client, owner_email="not an email").status_code == 400


def test_hub_owner_invitation_is_void_once_the_inviter_is_no_longer_hub_admin(
    client, auth, hub, outbox, make_user
) -> None:
    auth.login(HUB_ADMIN)
    new_workspace(client)
    get_user_by_email(HUB_ADMIN).is_hub_admin = False
    db.session.commit()
    response = accept(client, auth, make_user, outbox.link(outbox.to(NEW_OWNER)[-1]))
    assert response.status_code == 400
    assert role_of(NEW_OWNER, "islington") is None


def test_cli_creates_a_workspace_with_an_owner(runner, client, auth, outbox, make_user) -> None:
    result = runner.invoke(
        args=["tenants", "create", "islington", "--name", "Islington CVS", "--owner", NEW_OWNER]
    )
    assert result.exit_code == 0, result.output
    assert "Created Islington CVS at /b/islington/" in result.output
    assert f"Invited {NEW_OWNER} to be its owner: http" in result.output
    link = outbox.link(outbox.to(NEW_OWNER)[-1])
    assert link in result.output
    response = accept(client, auth, make_user, link)
    assert response.status_code == 302
    assert role_of(NEW_OWNER, "islington") == Role.OWNER


def test_cli_refuses_a_bad_owner_address_and_creates_nothing(runner) -> None:
    from londonhub.platform.core.tenancy import get_workspace_by_slug

    result = runner.invoke(
        args=["tenants", "create", "islington", "--name", "Islington CVS", "--owner", "nobody"]
    )
    assert result.exit_code != 0
    db.session.expire_all()
    assert get_workspace_by_slug("islington") is None


def test_hub_transfers_ownership(client, auth, hub) -> None:
    staff = db.session.scalar(
        select(Membership.id).join(User).where(User.email == "staff@hackney.example.org")
    )
    auth.login(HUB_ADMIN)
    response = client.post(
        "/hub/workspaces/hackney/owners/transfer", data={"transfer-member": staff}
    )
    assert response.status_code == 302
    assert role_of("staff@hackney.example.org", "hackney") == Role.OWNER
    assert role_of(WORKSPACE_OWNER, "hackney") == Role.ADMIN
    assert "member.transfer" in db.session.scalars(select(AuditEvent.action)).all()


def test_workspace_owner_cannot_use_the_hubs_transfer(client, auth, hub) -> None:
    auth.login(WORKSPACE_OWNER)
    assert client.post("/hub/workspaces/hackney/owners/transfer", data={}).status_code == 403


def start_support(client, reason: str = "The owner asked for help with room prices", minutes=30):
    return client.post(
        "/hub/workspaces/hackney/support",
        data={"support-reason": reason, "support-minutes": str(minutes)},
    )


def test_hub_admin_enters_a_workspace_admin_only_through_support_access(
    client, auth, hub, outbox
) -> None:
    auth.login(HUB_ADMIN)
    refused = client.get("/b/hackney/admin/")
    assert refused.status_code == 403
    assert "enter it for support" in refused.text

    assert start_support(client, reason="").status_code == 400
    assert start_support(client, reason="help").status_code == 400
    assert start_support(client, minutes=6000).status_code == 400
    assert client.get("/b/hackney/admin/").status_code == 403

    response = start_support(client)
    assert response.headers["Location"].endswith("/b/hackney/admin/")
    admin = client.get("/b/hackney/admin/")
    assert admin.status_code == 200
    assert "for hub support until" in admin.text
    assert client.get("/b/hackney/admin/members").status_code == 200
    assert client.get("/b/camden/admin/").status_code == 403  # one workspace only

    # Audited in the workspace's own log; its owners are emailed and see the visit.
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "support.start" in actions
    [mail] = outbox.to(WORKSPACE_OWNER)
    assert "room prices" in outbox.body(mail)
    auth.logout()
    auth.login(WORKSPACE_OWNER)
    owner_page = client.get("/b/hackney/admin/").text
    assert HUB_ADMIN in owner_page and "room prices" in owner_page

    # Ending it closes the door again.
    auth.logout()
    auth.login(HUB_ADMIN)
    assert client.post("/hub/workspaces/hackney/support/end").status_code == 302
    assert client.get("/b/hackney/admin/").status_code == 403
    assert "support.end" in db.session.scalars(select(AuditEvent.action)).all()


def test_support_access_runs_out_by_itself(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    start_support(client)
    assert client.get("/b/hackney/admin/").status_code == 200
    access = db.session.scalar(select(SupportAccess))
    access.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/b/hackney/admin/").status_code == 403


def test_support_is_for_hub_admins_only(client, auth, hub) -> None:
    auth.login(WORKSPACE_OWNER)
    assert start_support(client).status_code == 403
    assert db.session.scalar(select(SupportAccess)) is None


def test_invitation_sent_during_support_rests_on_the_hub(
    client, auth, hub, outbox, make_user
) -> None:
    auth.login(HUB_ADMIN)
    start_support(client)
    response = client.post(
        "/b/hackney/admin/members/invite",
        data={"invite-email": "new@hackney.example.org", "invite-role": "admin"},
    )
    assert response.status_code == 302
    link = outbox.link(outbox.to("new@hackney.example.org")[-1])
    assert accept(client, auth, make_user, link, "new@hackney.example.org").status_code == 302
    assert role_of("new@hackney.example.org", "hackney") == Role.ADMIN
