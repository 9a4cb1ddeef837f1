"""/hub/: hub admins see and manage every workspace; nobody else can."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, WorkspaceKind, WorkspaceStatus

from .conftest import HUB_ADMIN, WORKSPACE_OWNER

HUB_GETS = ["/hub/", "/hub/audit", "/hub/workspaces/new"]


def status_of(slug: str) -> WorkspaceStatus | None:
    db.session.expire_all()
    return db.session.scalar(select(Workspace.status).where(Workspace.slug == slug))


def workspace_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Workspace))


def row_for(page: str, slug: str) -> str:
    """The hub table's row for the workspace at /b/<slug>/."""
    rows = [r for r in re.split(r"<tr>", page) if f"/b/{slug}/</span>" in r]
    assert len(rows) == 1, f"no single row for {slug}"
    return rows[0]


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def change(client, slug: str, action: str):
    """Confirm a status change on its confirmation page (the only way to make one)."""
    return client.post(f"/hub/workspaces/{slug}/status/{action}", data={"reason": ""})


def new_workspace(client, **fields: str):
    data = {
        "name": "Islington CVS",
        "slug": "islington",
        "borough": "Islington",
        "kind": "cvs",
        "owner_email": "owner@islington.example.org",
    }
    data.update(fields)
    return client.post("/hub/workspaces/new", data=data)


def audit_actions() -> list[tuple[str, str | None, int | None]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_email, AuditEvent.workspace_id).order_by(
            AuditEvent.id
        )
    )
    return [tuple(row) for row in rows]


# --- who may enter ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, hub) -> None:
    for path in HUB_GETS:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    response = change(client, "hackney", "suspend")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert status_of("hackney") == WorkspaceStatus.ACTIVE
    assert new_workspace(client).status_code == 302
    assert workspace_count() == 2


@pytest.mark.parametrize("email", [WORKSPACE_OWNER, "staff@hackney.example.org"])
def test_people_who_are_not_hub_admins_are_refused(client, auth, hub, email) -> None:
    auth.login(email)
    for path in HUB_GETS:
        assert client.get(path).status_code == 403, path
    assert change(client, "hackney", "suspend").status_code == 403
    assert change(client, "camden", "archive").status_code == 403
    assert new_workspace(client).status_code == 403
    assert status_of("hackney") == WorkspaceStatus.ACTIVE
    assert status_of("camden") == WorkspaceStatus.ACTIVE
    assert workspace_count() == 2


def test_hub_link_is_shown_to_hub_admins_only(client, auth, hub) -> None:
    auth.login(WORKSPACE_OWNER)
    assert 'href="/hub/"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(HUB_ADMIN)
    assert 'href="/hub/"' in client.get("/").get_data(as_text=True)


# --- the list ----------------------------------------------------------------------------------


def test_hub_lists_every_workspace_with_status_and_member_count(client, auth, hub) -> None:
    camden = db.session.get(Workspace, hub["camden"])
    camden.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    auth.login(HUB_ADMIN)
    response = client.get("/hub/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 workspaces: 1 active, 1 suspended, 0 archived." in " ".join(page.split())

    hackney = cells(row_for(page, "hackney"))
    assert "Hackney" in hackney[0] and "CVS" in hackney[0]
    assert hackney[2] == ["Active"]
    assert hackney[3] == ["2"]
    camden = cells(row_for(page, "camden"))
    assert camden[2] == ["Suspended"]
    assert camden[3] == ["0"]


def test_hub_lists_archived_workspaces_too(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    change(client, "camden", "archive")
    page = client.get("/hub/").get_data(as_text=True)
    assert cells(row_for(page, "camden"))[2] == ["Archived"]
    assert "1 active, 0 suspended, 1 archived" in " ".join(page.split())


# --- create ------------------------------------------------------------------------------------


def test_hub_admin_creates_a_workspace(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    assert client.get("/hub/workspaces/new").status_code == 200
    response = new_workspace(client, kind="both")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hub/workspaces/islington/")
    db.session.expire_all()
    created = db.session.scalar(select(Workspace).where(Workspace.slug == "islington"))
    assert created.name == "Islington CVS"
    assert created.borough == "Islington"
    assert created.kind == WorkspaceKind.BOTH
    assert created.status == WorkspaceStatus.ACTIVE

    assert "Islington CVS has been created at /b/islington/." in client.get("/hub/").get_data(
        as_text=True
    )
    assert "Islington CVS" in client.get("/").get_data(as_text=True)
    assert client.get("/b/islington/").status_code == 200
    assert ("workspace.create", HUB_ADMIN, created.id) in audit_actions()


@pytest.mark.parametrize("slug", ["hackney", "HACKNEY", " hackney "])
def test_duplicate_slug_is_refused_clearly(client, auth, hub, slug) -> None:
    auth.login(HUB_ADMIN)
    response = new_workspace(client, slug=slug, name="Another Hackney")
    assert response.status_code == 400
    assert "A workspace with the address /b/hackney/ already exists" in response.get_data(
        as_text=True
    )
    assert workspace_count() == 2
    assert db.session.scalar(select(Workspace.name).where(Workspace.slug == "hackney")) == (
        "Hackney CVS"
    )


@pytest.mark.parametrize(
    "slug",
    [
        "tower hamlets",
        "tower_hamlets",
        "-camden",
        "camden-",
        "tower--hamlets",
        "café",
        "a/b",
        "x" * 64,
    ],
)
def test_bad_slug_is_refused_clearly(client, auth, hub, slug) -> None:
    auth.login(HUB_ADMIN)
    before = audit_actions()
    response = new_workspace(client, slug=slug)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "Use lower-case letters, numbers and single hyphens" in page
        or "63 characters or fewer" in page
    )
    assert workspace_count() == 2
    assert audit_actions() == before


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("name", "Enter the workspace&#39;s name"),
        ("slug", "Enter the web address"),
        ("borough", "Enter the borough"),
    ],
)
def test_missing_fields_are_refused_clearly(client, auth, hub, field, message) -> None:
    auth.login(HUB_ADMIN)
    response = new_workspace(client, **{field: "   " if field != "slug" else ""})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert workspace_count() == 2


def test_unknown_kind_is_refused(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    assert new_workspace(client, kind="charity-shop").status_code == 400
    assert workspace_count() == 2


# --- status changes ----------------------------------------------------------------------------


def test_suspend_and_reactivate(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    response = change(client, "hackney", "suspend")
    assert response.status_code == 302
    assert status_of("hackney") == WorkspaceStatus.SUSPENDED
    assert "Hackney CVS is now suspended." in client.get("/hub/").get_data(as_text=True)
    assert "(suspended)" in client.get("/").get_data(as_text=True)
    public = client.get("/b/hackney/")
    assert public.status_code == 200
    assert "workspace is suspended" in public.get_data(as_text=True)

    assert change(client, "hackney", "reactivate").status_code == 302
    assert status_of("hackney") == WorkspaceStatus.ACTIVE
    assert "workspace is suspended" not in client.get("/b/hackney/").get_data(as_text=True)


def test_archive_hides_the_workspace_from_the_public(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    assert change(client, "hackney", "archive").status_code == 302
    assert status_of("hackney") == WorkspaceStatus.ARCHIVED
    assert "Hackney CVS is now archived." in client.get("/hub/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Hackney CVS" not in home
    assert "Voluntary Action Camden" in home
    assert client.get("/b/hackney/").status_code == 404
    auth.logout()
    auth.login(WORKSPACE_OWNER)
    assert client.get("/b/hackney/admin/").status_code == 404


def test_archived_workspace_can_be_reactivated(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    change(client, "hackney", "archive")
    assert change(client, "hackney", "reactivate").status_code == 302
    assert status_of("hackney") == WorkspaceStatus.ACTIVE
    assert client.get("/b/hackney/").status_code == 200


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("archive", "suspend", "An archived workspace cannot become suspended"),
        ("archive", "archive", "Hackney CVS is already archived"),
        ("suspend", "suspend", "Hackney CVS is already suspended"),
        (None, "reactivate", "Hackney CVS is already active"),
    ],
)
def test_invalid_transition_is_refused_with_a_message(
    client, auth, hub, first, then, message
) -> None:
    auth.login(HUB_ADMIN)
    if first:
        change(client, "hackney", first)
    expected = status_of("hackney")
    before = audit_actions()
    response = change(client, "hackney", then)
    assert response.status_code == 302
    assert status_of("hackney") == expected
    assert audit_actions() == before
    assert message in client.get("/hub/").get_data(as_text=True)


def test_unknown_action_is_refused(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    assert change(client, "hackney", "delete").status_code == 404
    assert client.post("/hub/workspaces/hackney/status", data={}).status_code in (404, 405)
    assert status_of("hackney") == WorkspaceStatus.ACTIVE


def test_unknown_slug_is_404(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    assert change(client, "nowhere", "suspend").status_code == 404
    assert client.get("/hub/workspaces/nowhere/status").status_code in (404, 405)


def test_status_change_affects_only_that_workspace(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    change(client, "hackney", "suspend")
    assert status_of("camden") == WorkspaceStatus.ACTIVE


# --- audit -------------------------------------------------------------------------------------


def test_every_hub_action_is_in_the_hub_audit_log(client, auth, hub) -> None:
    auth.login(HUB_ADMIN)
    new_workspace(client)
    change(client, "islington", "suspend")
    change(client, "islington", "reactivate")
    change(client, "islington", "archive")
    islington = db.session.scalar(select(Workspace.id).where(Workspace.slug == "islington"))
    ours = [a for a in audit_actions() if a[2] == islington]
    assert ours == [
        ("workspace.create", HUB_ADMIN, islington),
        ("member.invite", HUB_ADMIN, islington),
        ("workspace.suspended", HUB_ADMIN, islington),
        ("workspace.active", HUB_ADMIN, islington),
        ("workspace.archived", HUB_ADMIN, islington),
    ]
    page = client.get("/hub/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for summary in (
        "Created workspace Islington CVS (/b/islington/)",
        "Suspended workspace Islington CVS",
        "Reactivated workspace Islington CVS",
        "Archived workspace Islington CVS",
    ):
        assert summary in text
    assert text.count(HUB_ADMIN) >= 4
    # The workspace's own audit log is not the hub's: Hackney's owner sees none of it.
    auth.logout()
    auth.login(WORKSPACE_OWNER)
    own = client.get("/b/hackney/admin/audit").get_data(as_text=True)
    assert "Islington" not in own


def test_hub_audit_log_shows_workspace_actions_too(client, auth, hub) -> None:
    auth.login(WORKSPACE_OWNER)
    client.post(
        "/b/hackney/admin/profile",
        data={"description": "Hello", "accent_colour": "#1d70b8"},
    )
    auth.logout()
    auth.login(HUB_ADMIN)
    text = client.get("/hub/audit").get_data(as_text=True)
    assert "Updated the public profile of Hackney CVS" in text
    assert WORKSPACE_OWNER in text
