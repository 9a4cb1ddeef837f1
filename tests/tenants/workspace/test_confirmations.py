"""Destructive actions ask first, on a page that says what will happen, without JavaScript
(issue 10, item 9): opening the page changes nothing; only its form does."""

from __future__ import annotations

from londonhub.platform.core.extensions import db

from .helpers import ALPHA_ADMIN, ALPHA_OWNER, ALPHA_STAFF, fresh_workspace, image_bytes


def test_remove_member_asks_first(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    members = client.get("/b/alpha/admin/members").text
    url = f"/b/alpha/admin/members/{team.members[ALPHA_STAFF]}/remove"
    assert f'href="{url}"' in members  # a link to the question, not a one-click form
    page = client.get(url)
    assert page.status_code == 200
    assert "Remove Staff from Alpha CVS?" in page.text
    assert "loses access" in page.text and "<script" not in page.text
    assert team.membership(ALPHA_STAFF) is not None
    assert client.post(url).status_code == 302
    assert team.membership(ALPHA_STAFF) is None


def test_staff_cannot_open_the_removal_question(client, auth, team) -> None:
    auth.login(ALPHA_STAFF)
    assert (
        client.get(f"/b/alpha/admin/members/{team.members[ALPHA_ADMIN]}/remove").status_code == 403
    )


def test_remove_logo_asks_first(client, auth, team) -> None:
    from londonhub.platform.core.identity import get_user_by_email
    from londonhub.tenants.workspace import services

    services.set_logo(get_user_by_email(ALPHA_OWNER), fresh_workspace("alpha"), image_bytes())
    db.session.commit()
    auth.login(ALPHA_OWNER)
    assert 'href="/b/alpha/admin/logo/remove"' in client.get("/b/alpha/admin/profile").text
    page = client.get("/b/alpha/admin/logo/remove")
    assert page.status_code == 200 and "Remove your logo?" in page.text
    assert fresh_workspace("alpha").logo_version == 1
    assert client.post("/b/alpha/admin/logo/remove").status_code == 302
    assert fresh_workspace("alpha").logo_version == 0


def test_hub_archive_asks_first(client, auth, team, make_user) -> None:
    make_user("hub@example.org", hub_admin=True)
    auth.login("hub@example.org")
    index = client.get("/hub/").text
    assert 'href="/hub/workspaces/alpha/status/archive"' in index
    page = client.get("/hub/workspaces/alpha/status/archive")
    assert page.status_code == 200
    assert "Archive Alpha CVS?" in page.text and "Nothing is deleted" in page.text
    assert fresh_workspace("alpha").status.value == "active"
    assert client.post("/hub/workspaces/alpha/status/archive").status_code == 302
    assert fresh_workspace("alpha").status.value == "archived"
