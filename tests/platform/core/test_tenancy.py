"""The ORM scoping layer and workspace resolution.

Invitations are the tenant-owned rows used here. On PostgreSQL row-level security backs the
ORM layer up; the SQLite pass proves the ORM layer on its own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.tenancy import (
    CrossTenantWrite,
    TenantContextMissing,
    Workspace,
    WorkspaceStatus,
    current_tenant_id,
    hub_scope,
    in_hub_scope,
    tenant_context,
)
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.workspace.models import Invitation, InvitationStatus


def _invite(tenant_id: int, email: str) -> Invitation:
    with tenant_context(tenant_id):
        invitation = Invitation(
            email=email, role=Role.STAFF, expires_at=utcnow() + timedelta(days=7)
        )
        db.session.add(invitation)
        db.session.flush()
    return invitation


@pytest.fixture
def two(make_workspace):
    """Workspaces A and B with invitations in each; ids only, and an empty identity map."""
    a = make_workspace("alpha", "Alpha CVS")
    b = make_workspace("beta", "Beta CVS")
    a_ids = [_invite(a.id, f"a{n}@example.org").id for n in range(3)]
    b_ids = [_invite(b.id, f"b{n}@example.org").id for n in range(2)]
    ids = {"a": a.id, "b": b.id, "a_ids": a_ids, "b_ids": b_ids}
    db.session.commit()
    db.session.expunge_all()
    return ids


def _emails() -> set[str]:
    return set(db.session.scalars(select(Invitation.email)))


def test_select_in_a_workspace_sees_only_its_rows(two) -> None:
    with tenant_context(two["a"]):
        rows = db.session.scalars(select(Invitation)).all()
    assert {r.tenant_id for r in rows} == {two["a"]}
    assert {r.id for r in rows} == set(two["a_ids"])


def test_legacy_query_in_a_workspace_sees_only_its_rows(two) -> None:
    with tenant_context(two["b"]):
        rows = db.session.query(Invitation).all()
        assert db.session.query(Invitation).count() == 2
    assert {r.id for r in rows} == set(two["b_ids"])


def test_another_workspaces_row_by_id_is_not_found(two) -> None:
    b_id = two["b_ids"][0]
    with tenant_context(two["a"]):
        found = db.session.execute(select(Invitation).where(Invitation.id == b_id)).scalar()
        by_email = db.session.scalar(select(Invitation).where(Invitation.email == "b0@example.org"))
    assert found is None
    assert by_email is None


def test_another_workspaces_row_is_not_found_even_when_already_loaded(two) -> None:
    """The criteria apply in SQL, so an object in the identity map is no way in."""
    b_id = two["b_ids"][0]
    with tenant_context(two["b"]):
        loaded = db.session.execute(select(Invitation).where(Invitation.id == b_id)).scalar()
    assert loaded is not None
    with tenant_context(two["a"]):
        again = db.session.execute(select(Invitation).where(Invitation.id == b_id)).scalar()
    assert again is None


def test_count_in_a_workspace_counts_only_its_rows(two) -> None:
    with tenant_context(two["a"]):
        total = db.session.scalar(select(func.count()).select_from(Invitation))
        by_column = db.session.scalar(select(func.count(Invitation.id)))
    assert total == 3
    assert by_column == 3


def test_bulk_update_in_a_workspace_changes_only_its_rows(two, database_urls) -> None:
    with tenant_context(two["a"]):
        result = db.session.execute(
            update(Invitation).values(status=InvitationStatus.REVOKED),
            execution_options={"synchronize_session": False},
        )
        assert result.rowcount == 3
        db.session.commit()
    with hub_scope("test: check every row"):
        statuses = dict(db.session.execute(select(Invitation.email, Invitation.status)).all())
    assert {e: s for e, s in statuses.items() if e.startswith("a")} == {
        f"a{n}@example.org": InvitationStatus.REVOKED for n in range(3)
    }
    assert {e: s for e, s in statuses.items() if e.startswith("b")} == {
        f"b{n}@example.org": InvitationStatus.PENDING for n in range(2)
    }


def test_bulk_delete_in_a_workspace_deletes_only_its_rows(two) -> None:
    with tenant_context(two["a"]):
        result = db.session.execute(
            delete(Invitation), execution_options={"synchronize_session": False}
        )
        assert result.rowcount == 3
        db.session.commit()
    with hub_scope("test: check every row"):
        assert _emails() == {"b0@example.org", "b1@example.org"}


def test_targeted_update_of_another_workspaces_row_changes_nothing(two) -> None:
    b_id = two["b_ids"][0]
    with tenant_context(two["a"]):
        result = db.session.execute(
            update(Invitation).where(Invitation.id == b_id).values(email="stolen@example.org"),
            execution_options={"synchronize_session": False},
        )
        assert result.rowcount == 0
        db.session.commit()
    with hub_scope("test: check every row"):
        assert "stolen@example.org" not in _emails()


def test_alternating_workspaces_never_reuse_a_stale_tenant(two) -> None:
    """The loader-criteria lambda is cached by SQLAlchemy; the tenant must not be."""
    expected = {two["a"]: set(two["a_ids"]), two["b"]: set(two["b_ids"])}
    for tenant in [two["a"], two["b"], two["a"], two["b"], two["b"], two["a"]] * 2:
        with tenant_context(tenant):
            ids = set(db.session.scalars(select(Invitation.id)))
            entities = {i.id for i in db.session.scalars(select(Invitation))}
            count = db.session.scalar(select(func.count()).select_from(Invitation))
        assert ids == expected[tenant]
        assert entities == expected[tenant]
        assert count == len(expected[tenant])


def test_nested_contexts_restore_the_outer_workspace(two) -> None:
    with tenant_context(two["a"]):
        with tenant_context(two["b"]):
            assert set(db.session.scalars(select(Invitation.id))) == set(two["b_ids"])
        assert current_tenant_id() == two["a"]
        assert set(db.session.scalars(select(Invitation.id))) == set(two["a_ids"])
        with hub_scope("test: nested"):
            assert len(_emails()) == 5
        assert not in_hub_scope()
        assert set(db.session.scalars(select(Invitation.id))) == set(two["a_ids"])
    assert current_tenant_id() is None


def _hidden_uses_of_invitations() -> dict[str, object]:
    """Statements that read invitations without naming them as the selected entity."""
    return {
        "select_from": select(func.count()).select_from(Invitation),
        "join": select(Workspace.id).join(Invitation, Invitation.tenant_id == Workspace.id),
        "subquery": select(func.count()).select_from(select(Invitation.id).subquery()),
        "in": select(Workspace.id).where(Workspace.id.in_(select(Invitation.tenant_id))),
        "exists": select(Workspace.id).where(
            select(Invitation.id).where(Invitation.tenant_id == Workspace.id).exists()
        ),
        "alias": select(aliased(Invitation).id),
    }


def test_query_without_workspace_context_raises(two) -> None:
    with pytest.raises(TenantContextMissing):
        db.session.scalars(select(Invitation)).all()
    with pytest.raises(TenantContextMissing):
        db.session.execute(select(Invitation.id)).all()
    with pytest.raises(TenantContextMissing):
        db.session.get(Invitation, two["a_ids"][0])


@pytest.mark.parametrize("shape", ["select_from", "join", "subquery", "in", "exists", "alias"])
def test_indirect_query_without_workspace_context_raises(two, shape) -> None:
    with pytest.raises(TenantContextMissing):
        db.session.execute(_hidden_uses_of_invitations()[shape]).all()


def test_indirect_queries_in_a_workspace_see_only_its_rows(two) -> None:
    with tenant_context(two["b"]):
        rows = {
            shape: db.session.execute(statement).all()
            for shape, statement in _hidden_uses_of_invitations().items()
        }
    assert rows["select_from"] == [(2,)]
    assert rows["subquery"] == [(2,)]
    assert [r[0] for r in rows["join"]] == [two["b"], two["b"]]
    assert rows["in"] == [(two["b"],)]
    assert rows["exists"] == [(two["b"],)]
    assert len(rows["alias"]) == 2


def test_workspace_queries_need_no_context(two) -> None:
    """Workspaces are a hub-level table: reading them outside a context is normal."""
    assert {w.slug for w in db.session.scalars(select(Workspace))} == {"alpha", "beta"}


def test_bulk_update_without_workspace_context_raises(two) -> None:
    with pytest.raises(TenantContextMissing):
        db.session.execute(
            update(Invitation).values(status=InvitationStatus.REVOKED),
            execution_options={"synchronize_session": False},
        )
    with pytest.raises(TenantContextMissing):
        db.session.execute(delete(Invitation), execution_options={"synchronize_session": False})
    db.session.rollback()
    with hub_scope("test: check every row"):
        assert len(_emails()) == 5


def test_hub_scope_sees_every_workspace(two) -> None:
    with hub_scope("test: London-wide"):
        rows = db.session.scalars(select(Invitation)).all()
        count = db.session.scalar(select(func.count()).select_from(Invitation))
    assert {r.id for r in rows} == set(two["a_ids"]) | set(two["b_ids"])
    assert count == 5


def test_hub_scope_needs_a_reason(app) -> None:
    with pytest.raises(ValueError, match="reason"), hub_scope(""):
        pass


def test_new_row_in_a_workspace_context_is_stamped(make_workspace) -> None:
    a = make_workspace("alpha")
    with tenant_context(a.id):
        invitation = Invitation(
            email="new@example.org", role=Role.ADMIN, expires_at=utcnow() + timedelta(days=1)
        )
        db.session.add(invitation)
        db.session.commit()
        assert invitation.tenant_id == a.id
    with hub_scope("test: check"):
        stored = db.session.scalar(
            select(Invitation.tenant_id).where(Invitation.id == invitation.id)
        )
    assert stored == a.id


def test_new_row_without_any_context_is_refused(make_workspace) -> None:
    make_workspace("alpha")
    db.session.add(
        Invitation(email="x@example.org", role=Role.STAFF, expires_at=utcnow() + timedelta(days=1))
    )
    with pytest.raises(TenantContextMissing):
        db.session.flush()
    db.session.rollback()


def test_inserting_another_workspaces_row_in_a_context_is_refused(two) -> None:
    with tenant_context(two["a"]):
        db.session.add(
            Invitation(
                tenant_id=two["b"],
                email="planted@example.org",
                role=Role.OWNER,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with hub_scope("test: check every row"):
        assert "planted@example.org" not in _emails()


def test_changing_an_object_of_another_workspace_in_a_context_is_refused(two) -> None:
    with tenant_context(two["b"]):
        invitation = db.session.get(Invitation, two["b_ids"][0])
        assert invitation is not None
    with tenant_context(two["a"]):
        invitation.email = "moved@example.org"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with hub_scope("test: check every row"):
        assert "moved@example.org" not in _emails()


def test_moving_a_row_into_another_workspace_is_refused(two) -> None:
    with tenant_context(two["a"]):
        invitation = db.session.get(Invitation, two["a_ids"][0])
        invitation.tenant_id = two["b"]
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with tenant_context(two["b"]):
        assert set(db.session.scalars(select(Invitation.id))) == set(two["b_ids"])


def test_taking_another_workspaces_row_into_this_one_is_refused(two) -> None:
    with tenant_context(two["b"]):
        invitation = db.session.get(Invitation, two["b_ids"][0])
    with tenant_context(two["a"]):
        invitation.tenant_id = two["a"]
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with tenant_context(two["b"]):
        assert set(db.session.scalars(select(Invitation.id))) == set(two["b_ids"])


def test_deleting_another_workspaces_object_in_a_context_is_refused(two) -> None:
    with tenant_context(two["b"]):
        invitation = db.session.get(Invitation, two["b_ids"][0])
    with tenant_context(two["a"]):
        db.session.delete(invitation)
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
    db.session.rollback()
    with tenant_context(two["b"]):
        assert set(db.session.scalars(select(Invitation.id))) == set(two["b_ids"])


def test_deleting_own_object_in_a_context_works(two) -> None:
    with tenant_context(two["a"]):
        db.session.delete(db.session.get(Invitation, two["a_ids"][0]))
        db.session.commit()
        assert set(db.session.scalars(select(Invitation.id))) == set(two["a_ids"][1:])


@pytest.mark.postgres
def test_row_level_security_hides_other_workspaces_rows_from_raw_sql(two) -> None:
    """`text()` bypasses the ORM layer; PostgreSQL's policies still hold."""
    from sqlalchemy import text

    with tenant_context(two["a"]):
        ids = set(db.session.scalars(text("SELECT id FROM invitation")))
    assert ids == set(two["a_ids"])
    db.session.rollback()
    assert list(db.session.scalars(text("SELECT id FROM invitation"))) == []


# --- resolution of /b/<slug>/ ----------------------------------------------------------------


def test_unknown_workspace_slug_is_a_branded_404(client, make_workspace) -> None:
    make_workspace("hackney", "Hackney CVS")
    # /b/HACKNEY/ is not unknown: it redirects to /b/hackney/ (issue 10; tests/platform/brand).
    for path in ("/b/nowhere/", "/b/nowhere/admin/", "/b/NOWHERE/", "/b/hackney-x/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404, path
        assert b"Page not found" in response.data
        assert b"Connecting Londoners" in response.data
        assert b"Hackney CVS" not in response.data


def test_archived_workspace_is_a_404_everywhere(client, make_workspace, make_user, auth) -> None:
    workspace = make_workspace("hackney", "Hackney CVS")
    make_user("owner@example.org", workspace=workspace, role="owner")
    workspace.status = WorkspaceStatus.ARCHIVED
    db.session.commit()
    auth.login("owner@example.org")
    for path in ("/b/hackney/", "/b/hackney/admin/", "/b/hackney/admin/members", "/b/hackney/logo"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"There is no borough workspace at this address" in response.data
    assert client.post("/b/hackney/admin/profile", data={}).status_code == 404


def test_active_workspace_page_has_no_suspension_notice(client, make_workspace) -> None:
    make_workspace("hackney", "Hackney CVS")
    response = client.get("/b/hackney/")
    assert response.status_code == 200
    assert b"Hackney CVS" in response.data
    assert b"is suspended" not in response.data


def test_suspended_workspace_page_shows_a_notice(client, make_workspace) -> None:
    workspace = make_workspace("hackney", "Hackney CVS")
    workspace.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    response = client.get("/b/hackney/")
    assert response.status_code == 200
    assert b"Hackney CVS" in response.data
    assert b"workspace is suspended" in response.data


def test_request_context_does_not_leak_the_workspace(client, make_workspace) -> None:
    make_workspace("hackney", "Hackney CVS")
    make_workspace("camden", "Camden CVS")
    assert b"Hackney CVS" in client.get("/b/hackney/").data
    response = client.get("/b/camden/")
    assert b"Camden CVS" in response.data
    assert b"Hackney CVS" not in response.data
    assert current_tenant_id() is None
