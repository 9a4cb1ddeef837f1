"""Each layer of isolation holds on its own, and the checks themselves can fail."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import abort
from sqlalchemy import create_engine, event, pool, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from londonhub.platform.core import tenancy
from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, job
from londonhub.platform.core.tenancy import (
    TenantScoped,
    hub_scope,
    tenant_context,
    workspace_blueprint,
)
from londonhub.tenants.workspace.models import Invitation

from .matrix import SECRET, sign_in, tenant_models, walk


@contextmanager
def orm_scoping_switched_off():
    """Remove the first layer (the ORM hook) for the block, as a forgotten filter would."""
    event.remove(Session, "do_orm_execute", tenancy._scope_query)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", tenancy._scope_query)


def test_orm_layer_hides_other_workspace_rows(app, world):
    with tenant_context(world.a.workspace.id):
        emails = db.session.scalars(select(Invitation.email)).all()
        assert len(emails) == 1 and "alpha" in emails[0]
        assert db.session.get(Invitation, world.b.objects["Invitation"]) is None


def test_matrix_reports_a_deliberately_leaking_route(app, world, snapshot_url):
    leaky = workspace_blueprint("leaky", __name__, "/leak")

    @leaky.get("/<int:invitation_id>")
    def show(invitation_id: int):
        with hub_scope("a deliberate leak for the test"):
            invitation = db.session.get(Invitation, invitation_id)
        if invitation is None:
            abort(404)
        return invitation.email

    @leaky.get("/unknown/<int:mystery_id>")
    def unknown(mystery_id: int):
        abort(404)

    app.register_blueprint(leaky)
    result = walk(app, world, snapshot_url, only="leaky.")
    leaks = [case for case in result.failures if case.endpoint == "leaky.show"]
    assert any("private data" in case.problem for case in leaks)
    assert any(case.status == 200 for case in leaks)
    assert result.unfilled == ["leaky.unknown (/b/<slug>/leak/unknown/<int:mystery_id>)"]


def test_matrix_reports_a_route_that_changes_another_workspace(app, world, snapshot_url):
    writer = workspace_blueprint("writer", __name__, "/write")

    @writer.post("/")
    def write():
        db.session.add(Invitation(email="x@example.org", role="staff", expires_at=tenancy.utcnow()))
        db.session.commit()
        abort(403)

    app.register_blueprint(writer)
    result = walk(app, world, snapshot_url, only="writer.")
    assert any(
        case.endpoint == "writer.write" and "database changed" in case.problem
        for case in result.failures
    )


@pytest.mark.postgres
def test_row_level_security_alone_stops_a_forgotten_filter(app, world):
    a_id = world.a.workspace.id
    with orm_scoping_switched_off():
        with tenant_context(a_id):
            emails = db.session.scalars(select(Invitation.email)).all()
            assert len(emails) == 1 and SECRET not in emails[0]
            assert db.session.get(Invitation, world.b.objects["Invitation"]) is None
            raw = db.session.execute(text("SELECT tenant_id FROM invitation")).scalars().all()
            assert raw == [a_id]
            updated = db.session.execute(text("UPDATE invitation SET email = 'x@example.org'"))
            assert updated.rowcount == 1
            db.session.rollback()
        # Outside any workspace context, tenant-owned rows are invisible.
        assert db.session.execute(text("SELECT count(*) FROM invitation")).scalar() == 0


@pytest.mark.postgres
def test_row_level_security_refuses_writing_into_another_workspace(app, world):
    with orm_scoping_switched_off(), tenant_context(world.a.workspace.id):
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO invitation (tenant_id, email, role, status, created_at, "
                    "expires_at) VALUES (:tenant, 'x@example.org', 'staff', 'pending', now(), "
                    "now())"
                ),
                {"tenant": world.b.workspace.id},
            )
        db.session.rollback()


@pytest.mark.postgres
def test_without_either_layer_the_forgotten_filter_leaks(app, world, database_urls):
    """The check above can fail: a role that bypasses RLS (here the superuser) sees B's rows."""
    engine = create_engine(database_urls["superuser"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        tenants = set(connection.execute(text("SELECT tenant_id FROM invitation")).scalars())
    engine.dispose()
    assert tenants == {world.a.workspace.id, world.b.workspace.id}


@pytest.mark.postgres
def test_matrix_holds_on_row_level_security_alone(app, world, snapshot_url):
    with orm_scoping_switched_off():
        result = walk(app, world, snapshot_url)
    assert result.failures == [], "\n".join(map(str, result.failures))


@pytest.mark.postgres
def test_every_tenant_owned_table_has_a_forced_policy(app):
    tables = sorted(model.__table__.name for model in tenant_models())
    rows = db.session.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.policyname, p.qual, "
            "p.with_check FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname "
            "WHERE c.relname = ANY(:tables) ORDER BY c.relname"
        ),
        {"tables": tables},
    ).all()
    assert [row.relname for row in rows] == tables
    for row in rows:
        assert row.relrowsecurity and row.relforcerowsecurity, row.relname
        assert row.policyname == "tenant_isolation"
        assert "app.tenant_id" in row.qual and "app.tenant_id" in row.with_check
        assert "hub_scope" not in row.with_check  # the hub scope reads, never writes


@pytest.mark.postgres
def test_app_role_owns_nothing_and_cannot_bypass_rls(app):
    role = db.session.execute(
        text(
            "SELECT rolsuper, rolbypassrls, current_user AS name FROM pg_roles "
            "WHERE rolname = current_user"
        )
    ).one()
    assert not role.rolsuper and not role.rolbypassrls
    owned = db.session.execute(
        text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = :r"),
        {"r": role.name},
    ).scalar()
    assert owned == 0


def test_a_child_cannot_point_into_another_workspace(app, world, database_urls):
    """Composite foreign keys on (tenant_id, parent_id) refuse cross-workspace references."""
    from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, UniqueConstraint

    metadata = MetaData()
    Table(
        "iso_parent",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("tenant_id", BigInteger, nullable=False),
        UniqueConstraint("tenant_id", "id"),
    )
    Table(
        "iso_child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("tenant_id", BigInteger, nullable=False),
        Column("parent_id", Integer, nullable=False),
        tenancy.tenant_foreign_key(["parent_id"], "iso_parent", ["id"]),
    )
    engine = create_engine(database_urls["owner"], poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

    metadata.create_all(engine)
    try:
        a, b = world.a.workspace.id, world.b.workspace.id
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO iso_parent (id, tenant_id) VALUES (1, :a)"), {"a": a}
            )
            connection.execute(
                text("INSERT INTO iso_parent (id, tenant_id) VALUES (2, :b)"), {"b": b}
            )
            connection.execute(
                text("INSERT INTO iso_child (id, tenant_id, parent_id) VALUES (1, :a, 1)"), {"a": a}
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text("INSERT INTO iso_child (id, tenant_id, parent_id) VALUES (2, :a, 2)"), {"a": a}
            )
    finally:
        metadata.drop_all(engine)
        engine.dispose()


seen_by_job: list = []


@job
def peek_at_invitation(invitation_id: int, tenant_id: int | None = None) -> None:
    """A job handed another workspace's id (and a forged tenant_id argument)."""
    seen_by_job.append(
        (tenancy.current_tenant_id(), db.session.get(Invitation, invitation_id) is not None)
    )


def test_a_job_runs_in_the_workspace_it_was_enqueued_in(app, world):
    seen_by_job.clear()
    with tenant_context(world.a.workspace.id):
        enqueue(peek_at_invitation, world.b.objects["Invitation"], tenant_id=world.b.workspace.id)
        enqueue(peek_at_invitation, world.a.objects["Invitation"])
        db.session.commit()
    assert seen_by_job == [(world.a.workspace.id, False), (world.a.workspace.id, True)]


def test_tenant_owned_queries_outside_a_context_are_refused(app, world):
    with pytest.raises(tenancy.TenantContextMissing):
        db.session.scalars(select(Invitation)).all()


def test_hub_scope_in_a_request_is_audited(app, world, make_user):
    make_user("hub@example.org", hub_admin=True)
    probe = workspace_blueprint("probe", __name__, "/probe")

    @probe.get("/")
    def count_everything():
        with hub_scope("London-wide invitation count"):
            total = len(db.session.scalars(select(Invitation)).all())
        db.session.commit()
        return str(total)

    app.register_blueprint(probe)
    client, _ = sign_in(app, "hub@example.org")
    response = client.get(f"/b/{world.a.workspace.slug}/probe/")
    assert response.get_data(as_text=True) == "2"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "hub.scope")).all()
    assert [e.details["reason"] for e in events] == ["London-wide invitation count"]
    assert events[0].actor_email == "hub@example.org"


def test_forged_tenant_id_in_a_form_is_ignored(app, world):
    client, token = sign_in(app, world.a.users[tenancy_role("owner")])
    response = client.post(
        f"/b/{world.a.workspace.slug}/admin/members/invite",
        data={
            "csrf_token": token,
            "invite-email": "new.person@example.org",
            "invite-role": "staff",
            "tenant_id": str(world.b.workspace.id),
        },
    )
    assert response.status_code == 302
    with hub_scope("test inspection"):
        rows = (
            db.session.execute(
                select(Invitation.tenant_id).where(Invitation.email == "new.person@example.org")
            )
            .scalars()
            .all()
        )
    assert rows == [world.a.workspace.id]


def tenancy_role(name: str):
    from londonhub.platform.core.identity import Role

    return Role(name)


def test_every_tenant_model_is_tenant_scoped_with_its_unique_key(app):
    for model in tenant_models():
        assert issubclass(model, TenantScoped)
        uniques = {
            tuple(c.name for c in u.columns)
            for u in model.__table__.constraints
            if u.__class__.__name__ == "UniqueConstraint"
        }
        assert ("tenant_id", "id") in uniques, model.__name__


@pytest.mark.postgres
def test_a_failed_statement_inside_a_savepoint_can_be_rolled_back(app, world):
    """The RLS hook must not run set_config inside an aborted transaction."""
    a_id = world.a.workspace.id
    with tenant_context(a_id):
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT 1 / 0"))
        savepoint.rollback()
        assert len(db.session.scalars(select(Invitation)).all()) == 1
        db.session.rollback()
