"""The ORM layer holds on its own: on PostgreSQL with row-level security taken out, the
`do_orm_execute` hook alone hides another workspace's rows and refuses writes into it, and the
cross-tenant matrix still finds nothing. The mirror of the RLS-alone tests in test_layers.py.

RLS is taken out by connecting the app as a role with BYPASSRLS (not by dropping policies), so
the shared test database stays as every other test expects it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, delete, pool, select, text, update
from sqlalchemy.exc import DBAPIError, ProgrammingError

from londonhub.platform.core.extensions import db
from londonhub.platform.core.rls import grant_app_role_sql
from londonhub.platform.core.tenancy import CrossTenantWrite, hub_scope, tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.workspace.models import Invitation

from ..conftest import _pg_url
from .matrix import SECRET, walk

pytestmark = pytest.mark.postgres

BYPASS_ROLE = "londonhub_test_bypass"


def _ensure_bypass_role(database_urls: dict) -> str:
    """A login role that bypasses RLS, with the app role's data privileges; its URL."""
    superuser = create_engine(database_urls["superuser"], poolclass=pool.NullPool)
    try:
        with superuser.begin() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": BYPASS_ROLE}
            ).scalar()
            if not exists:
                connection.exec_driver_sql(f"CREATE ROLE {BYPASS_ROLE} LOGIN NOSUPERUSER BYPASSRLS")
    except (ProgrammingError, DBAPIError):
        pass  # created meanwhile by another test run on this machine (roles are cluster-wide)
    finally:
        superuser.dispose()
    owner = create_engine(database_urls["owner"], poolclass=pool.NullPool)
    with owner.begin() as connection:
        for statement in grant_app_role_sql(BYPASS_ROLE):
            connection.exec_driver_sql(statement)
    owner.dispose()
    return _pg_url(BYPASS_ROLE, db_name(database_urls))


def db_name(database_urls: dict) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_urls["owner"]).database


@pytest.fixture
def app_config(app_config: dict, database_urls: dict) -> dict:
    app_config["SQLALCHEMY_DATABASE_URI"] = _ensure_bypass_role(database_urls)
    return app_config


def test_rls_is_really_out_for_these_tests(app, world):
    role = db.session.execute(
        text("SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    assert role is True
    with tenant_context(world.a.workspace.id):
        raw = set(db.session.execute(text("SELECT tenant_id FROM invitation")).scalars())
    assert raw == {world.a.workspace.id, world.b.workspace.id}  # plain SQL sees both


def test_orm_layer_alone_hides_the_other_workspace(app, world):
    a_id, b_invitation = world.a.workspace.id, world.b.objects["Invitation"]
    with tenant_context(a_id):
        emails = db.session.scalars(select(Invitation.email)).all()
        assert len(emails) == 1 and SECRET not in emails[0]
        assert db.session.get(Invitation, b_invitation) is None
        tenants = set(db.session.scalars(select(Invitation.tenant_id).distinct()))
        assert tenants == {a_id}


def test_orm_layer_alone_refuses_writes_into_the_other_workspace(app, world):
    a_id, b_id = world.a.workspace.id, world.b.workspace.id
    with tenant_context(a_id):
        # Bulk statements reach only A's rows.
        changed = db.session.execute(update(Invitation).values(email="x@example.org"))
        assert changed.rowcount == 1
        removed = db.session.execute(delete(Invitation))
        assert removed.rowcount == 1
        db.session.rollback()
        # A row stamped for B is refused before it is written.
        db.session.add(
            Invitation(tenant_id=b_id, email="x@example.org", role="staff", expires_at=utcnow())
        )
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    # B's row, read in the hub scope, cannot be changed or deleted from A's context.
    with hub_scope("test: load B's row", audit=False):
        b_row = db.session.get(Invitation, world.b.objects["Invitation"])
    with tenant_context(a_id):
        b_row.email = "x@example.org"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with hub_scope("test: load B's row", audit=False):
        b_row = db.session.get(Invitation, world.b.objects["Invitation"])
    with tenant_context(a_id):
        db.session.delete(b_row)
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with hub_scope("test: check B's row", audit=False):
        emails = db.session.scalars(select(Invitation.email).order_by(Invitation.id)).all()
    assert len(emails) == 2 and "x@example.org" not in emails


def test_matrix_holds_on_the_orm_layer_alone(app, world, snapshot_url):
    result = walk(app, world, snapshot_url)
    assert result.cases >= 3 * 2 * 10
    assert result.unfilled == []
    assert result.failures == [], "\n".join(map(str, result.failures))
