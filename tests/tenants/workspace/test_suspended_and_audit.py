"""A suspended workspace is read-only; every admin action leaves an audit event."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.tenancy import WorkspaceStatus, tenant_context
from londonhub.tenants.workspace.models import Invitation

from .helpers import (
    ALPHA_ADMIN,
    ALPHA_OWNER,
    ALPHA_STAFF,
    BETA_OWNER,
    audit_actions,
    fresh_workspace,
    image_bytes,
)

PROFILE = {
    "description": "Changed while suspended",
    "contact_email": "x@example.org",
    "contact_phone": "",
    "website": "",
    "accent_colour": "#00703c",
}


def _suspend(slug: str = "alpha") -> None:
    workspace = fresh_workspace(slug)
    workspace.status = WorkspaceStatus.SUSPENDED
    db.session.commit()


def _with_logo(client, auth) -> None:
    auth.login(ALPHA_OWNER)
    response = client.post(
        "/b/alpha/admin/logo",
        data={"logo-logo": (io.BytesIO(image_bytes()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    client.post(
        "/b/alpha/admin/members/invite",
        data={"invite-email": "waiting@example.org", "invite-role": "staff"},
    )
    auth.logout()


@pytest.mark.parametrize("email", [ALPHA_OWNER, ALPHA_ADMIN, ALPHA_STAFF])
def test_suspended_workspace_is_read_only_for_its_staff(client, auth, team, email) -> None:
    _with_logo(client, auth)
    _suspend()
    before_audit = audit_actions(team.alpha_id)
    with tenant_context(team.alpha_id):
        invitation_id = db.session.scalar(select(Invitation.id))
    auth.login(email)

    # Reading still works, with the notice.
    page = client.get("/b/alpha/admin/")
    assert page.status_code == 200
    assert "workspace is suspended" in page.get_data(as_text=True)
    assert client.get("/b/alpha/admin/members").status_code == 200

    posts = [
        ("/b/alpha/admin/profile", PROFILE),
        ("/b/alpha/admin/logo", {"logo-logo": (io.BytesIO(image_bytes("JPEG")), "new.jpg")}),
        ("/b/alpha/admin/logo/remove", {}),
        (
            "/b/alpha/admin/members/invite",
            {"invite-email": "n@example.org", "invite-role": "staff"},
        ),
        (f"/b/alpha/admin/members/{team.members[ALPHA_STAFF]}/role", {"role": "admin"}),
        (f"/b/alpha/admin/members/{team.members[ALPHA_ADMIN]}/remove", {}),
        (f"/b/alpha/admin/invitations/{invitation_id}/revoke", {}),
    ]
    for path, data in posts:
        response = client.post(path, data=data)
        assert response.status_code == 403, path

    stored = fresh_workspace("alpha")
    assert stored.status == WorkspaceStatus.SUSPENDED
    assert stored.description == ""
    assert stored.logo_content_type == "image/png"
    assert stored.logo_version == 1
    assert team.role_of(ALPHA_STAFF) == Role.STAFF
    assert team.role_of(ALPHA_ADMIN) == Role.ADMIN
    with tenant_context(team.alpha_id):
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1
        assert db.session.get(Invitation, invitation_id).status.value == "pending"
    assert audit_actions(team.alpha_id) == before_audit


def test_suspension_of_one_workspace_leaves_another_writable(client, auth, team) -> None:
    _suspend("alpha")
    auth.login(BETA_OWNER)
    assert client.post("/b/beta/admin/profile", data=PROFILE).status_code == 302
    assert fresh_workspace("beta").description == "Changed while suspended"


def test_reactivated_workspace_is_writable_again(client, auth, team) -> None:
    _suspend()
    workspace = fresh_workspace("alpha")
    workspace.status = WorkspaceStatus.ACTIVE
    db.session.commit()
    auth.login(ALPHA_OWNER)
    assert client.post("/b/alpha/admin/profile", data=PROFILE).status_code == 302


# --- audit -------------------------------------------------------------------------------------


def test_every_admin_action_is_audited_in_its_own_workspace_only(
    client, auth, team, outbox, make_user
) -> None:
    auth.login(ALPHA_OWNER)
    steps = [
        (
            lambda: client.post("/b/alpha/admin/profile", data=PROFILE),
            "workspace.profile",
            "Updated the public profile of Alpha CVS",
        ),
        (
            lambda: client.post(
                "/b/alpha/admin/logo",
                data={"logo-logo": (io.BytesIO(image_bytes()), "logo.png")},
                content_type="multipart/form-data",
            ),
            "workspace.logo",
            "Uploaded a new logo for Alpha CVS",
        ),
        (
            lambda: client.post("/b/alpha/admin/logo/remove"),
            "workspace.logo_removed",
            "Removed the logo of Alpha CVS",
        ),
        (
            lambda: client.post(
                "/b/alpha/admin/members/invite",
                data={"invite-email": "revoked@example.org", "invite-role": "staff"},
            ),
            "member.invite",
            "Invited revoked@example.org as staff",
        ),
        (
            lambda: client.post(f"/b/alpha/admin/invitations/{_invitation_id(team)}/revoke"),
            "member.invite_revoked",
            "Revoked the invitation of revoked@example.org",
        ),
        (
            lambda: client.post(
                f"/b/alpha/admin/members/{team.members[ALPHA_STAFF]}/role", data={"role": "admin"}
            ),
            "member.role",
            f"Changed {ALPHA_STAFF} from staff to admin",
        ),
        (
            lambda: client.post(f"/b/alpha/admin/members/{team.members[ALPHA_STAFF]}/remove"),
            "member.remove",
            f"Removed {ALPHA_STAFF} from Alpha CVS",
        ),
    ]
    for action, expected, summary in steps:
        before = audit_actions(team.alpha_id)
        response = action()
        assert response.status_code == 302, expected
        assert audit_actions(team.alpha_id) == [*before, expected]
        page = client.get("/b/alpha/admin/audit").get_data(as_text=True)
        assert summary in page
        assert ALPHA_OWNER in page

    # Joining through an invitation is recorded too, with the newcomer as the actor.
    client.post(
        "/b/alpha/admin/members/invite",
        data={"invite-email": "joiner@example.org", "invite-role": "staff"},
    )
    link = outbox.link(outbox.to("joiner@example.org")[-1])
    make_user("joiner@example.org")
    auth.logout()
    auth.login("joiner@example.org")
    assert client.post(link).status_code == 302
    assert audit_actions(team.alpha_id)[-1] == "member.join"
    auth.logout()
    auth.login(ALPHA_OWNER)
    page = client.get("/b/alpha/admin/audit").get_data(as_text=True)
    assert "joiner@example.org joined as staff" in page

    # Nothing of it is in Beta's audit log.
    assert audit_actions(team.beta_id) == ["workspace.create"]
    auth.logout()
    auth.login(BETA_OWNER)
    beta_page = client.get("/b/beta/admin/audit")
    assert beta_page.status_code == 200
    text = beta_page.get_data(as_text=True)
    for _, _, summary in steps:
        assert summary not in text
    assert "Alpha CVS" not in text
    assert "joiner@example.org" not in text
    assert ALPHA_OWNER not in text


def _invitation_id(team) -> int:
    with tenant_context(team.alpha_id):
        return db.session.scalar(select(Invitation.id).order_by(Invitation.id.desc()))


def test_audit_page_is_for_admins(client, auth, team) -> None:
    auth.login(ALPHA_STAFF)
    assert client.get("/b/alpha/admin/audit").status_code == 403
    auth.logout()
    auth.login(ALPHA_ADMIN)
    assert client.get("/b/alpha/admin/audit").status_code == 200


def test_refused_actions_write_no_audit_event(client, auth, team) -> None:
    auth.login(ALPHA_ADMIN)
    before = audit_actions(team.alpha_id)
    client.post(f"/b/alpha/admin/members/{team.members[ALPHA_OWNER]}/role", data={"role": "staff"})
    client.post(f"/b/alpha/admin/members/{team.members[ALPHA_STAFF]}/role", data={"role": "owner"})
    client.post(f"/b/alpha/admin/members/{team.members['owner@beta.example.org']}/remove")
    client.post(
        "/b/alpha/admin/members/invite",
        data={"invite-email": "x@example.org", "invite-role": "owner"},
    )
    assert audit_actions(team.alpha_id) == before
