"""API tokens: made and revoked by a workspace's admins, shown once, stored hashed, scoped,
last use recorded; what a token may and may not reach."""

from __future__ import annotations

import re

from sqlalchemy import select

from londonhub.platform.api import tokens
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role

from .conftest import HACKNEY_ADMIN, bearer

PAGE = "/b/hackney/admin/api-tokens/"


def _verify(client, token: str, hours_id: int, slug: str = "hackney", verified: bool = True):
    return client.put(
        f"/api/v1/workspaces/{slug}/hours/{hours_id}/verification",
        json={"verified": verified},
        headers=bearer(token),
    )


def test_an_admin_makes_a_token_shown_once_and_stored_only_as_its_hash(
    client, auth, api_world, app
):
    auth.login(HACKNEY_ADMIN)
    made = client.post(PAGE, data={"name": "Our CRM", "scope": "read"})
    assert made.status_code == 201
    raw = re.search(r'value="(lhapi_[^"]+)"', made.get_data(as_text=True)).group(1)
    stored = db.session.scalar(select(tokens.ApiToken).where(tokens.ApiToken.name == "Our CRM"))
    assert stored.token_hash == tokens.hash_token(raw) != raw
    columns = [getattr(stored, c.key) for c in tokens.ApiToken.__table__.columns]
    assert raw not in [str(v) for v in columns]
    page = client.get(PAGE).get_data(as_text=True)
    assert raw not in page and stored.hint in page and "Never" in page
    # It works, and its last use shows on the page.
    assert client.get("/api/v1/workspaces/hackney/bookings", headers=bearer(raw)).status_code == 200
    db.session.refresh(stored)
    assert stored.last_used_at is not None
    assert "Never" not in client.get(PAGE).get_data(as_text=True).split("Our CRM")[1][:400]


def test_a_token_needs_a_name(client, auth, api_world):
    auth.login(HACKNEY_ADMIN)
    refused = client.post(PAGE, data={"name": "  ", "scope": "read"})
    assert refused.status_code == 400
    assert "Give the token a name" in refused.get_data(as_text=True)


def test_staff_cannot_see_or_make_tokens(client, auth, api_world, make_user):
    make_user("staff@hackney.example.org", workspace=api_world.hackney, role="staff")
    auth.login("staff@hackney.example.org")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"name": "x", "scope": "read_write"}).status_code == 403


def test_a_revoked_token_stops_working(client, auth, api_world):
    path = "/api/v1/workspaces/hackney/orders"
    assert client.get(path, headers=bearer(api_world.read)).status_code == 200
    token_id = db.session.scalar(
        select(tokens.ApiToken.id).where(tokens.ApiToken.hint == api_world.read[:10])
    )
    auth.login(HACKNEY_ADMIN)
    assert client.post(f"{PAGE}{token_id}/revoke").status_code == 302
    refused = client.get(path, headers=bearer(api_world.read))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert "invalid_token" in refused.headers["WWW-Authenticate"]
    assert "Revoked" in client.get(PAGE).get_data(as_text=True)


def test_a_token_stops_working_when_its_maker_is_no_longer_an_admin(client, api_world):
    path = "/api/v1/workspaces/hackney/bookings"
    assert client.get(path, headers=bearer(api_world.read)).status_code == 200
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == api_world.hackney_admin.id)
    )
    membership.role = Role.STAFF
    db.session.commit()
    assert client.get(path, headers=bearer(api_world.read)).status_code == 401


def test_workspace_data_needs_a_token(client, api_world):
    for header in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nonsense"}):
        refused = client.get("/api/v1/workspaces/hackney/hours", headers=header)
        assert refused.status_code == 401, header
        assert refused.mimetype == "application/problem+json"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_read_only_token_reads_but_may_not_verify_hours(client, api_world, hours_world):
    listed = client.get("/api/v1/workspaces/hackney/hours", headers=bearer(api_world.read))
    assert [h["id"] for h in listed.get_json()["data"]] == [hours_world["hackney"]]
    refused = _verify(client, api_world.read, hours_world["hackney"])
    assert refused.status_code == 403
    assert "read-only" in refused.get_json()["detail"]
    still = client.get("/api/v1/workspaces/hackney/hours", headers=bearer(api_world.read))
    assert still.get_json()["data"][0]["status"] == "submitted"


def test_a_read_write_token_verifies_hours(client, api_world, hours_world):
    done = _verify(client, api_world.write, hours_world["hackney"])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "verified"
    verified = client.get(
        "/api/v1/workspaces/hackney/hours?status=verified", headers=bearer(api_world.read)
    ).get_json()["data"]
    assert [h["id"] for h in verified] == [hours_world["hackney"]]
    assert (
        _verify(client, api_world.write, hours_world["hackney"], verified=False).status_code == 200
    )


def test_bodies_are_checked(client, api_world, hours_world):
    path = f"/api/v1/workspaces/hackney/hours/{hours_world['hackney']}/verification"
    headers = bearer(api_world.write)
    assert client.put(path, data="verified", headers=headers).status_code == 415
    bad_json = client.put(path, data="{", content_type="application/json", headers=headers)
    assert bad_json.status_code == 400
    wrong = client.put(path, json={"verified": "perhaps"}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.get_json()["errors"][0]["name"] == "verified"
    extra = client.put(path, json={"verified": True, "by": "x"}, headers=headers)
    assert extra.status_code == 422


def test_a_token_reaches_nothing_of_another_workspace(client, api_world, hours_world):
    token = bearer(api_world.write)
    for what in ("bookings", "orders", "volunteers", "hours"):
        refused = client.get(f"/api/v1/workspaces/camden/{what}", headers=token)
        assert refused.status_code == 403, what
        assert "Camden" not in refused.get_data(as_text=True)
    assert _verify(client, api_world.write, hours_world["camden"], "camden").status_code == 403
    # Camden's hours through Hackney's address: not found in Hackney.
    assert _verify(client, api_world.write, hours_world["camden"]).status_code == 404
    camden = client.get("/api/v1/workspaces/camden/hours", headers=bearer(api_world.camden_write))
    assert camden.get_json()["data"][0]["status"] == "submitted"


def test_a_suspended_workspaces_token_reads_but_changes_nothing(client, api_world, hours_world):
    from londonhub.platform.core.tenancy import WorkspaceStatus

    api_world.hackney.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    assert (
        client.get("/api/v1/workspaces/hackney/hours", headers=bearer(api_world.write)).status_code
        == 200
    )
    refused = _verify(client, api_world.write, hours_world["hackney"])
    assert refused.status_code == 403
    assert "suspended" in refused.get_json()["detail"]
