"""PostgreSQL row-level security: the second layer of workspace isolation.

Every tenant-owned table carries the policy `tenant_isolation`: a row is visible when its
`tenant_id` equals the transaction's `app.tenant_id`, or (reads only) when the transaction is
in the hub scope (`app.hub_scope = 'on'`). Both settings are transaction-local
(`set_config(..., true)`), set just before the first statement that needs them and again
whenever the workspace context changes, so a pooled connection never carries them into
another request. The app connects as a role that owns no table and is neither superuser nor
BYPASSRLS, and the tables are `FORCE ROW LEVEL SECURITY`, so the policies hold.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection

from .tenancy import current_tenant_id, in_hub_scope

POLICY_NAME = "tenant_isolation"
TENANT_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"
HUB_READ = "current_setting('app.hub_scope', true) = 'on'"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_STATE = "londonhub_rls_state"


def _name(identifier: str) -> str:
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not a plain SQL identifier: {identifier!r}")
    return identifier


def enable_tenant_rls_sql(table: str) -> list[str]:
    """SQL for a migration that creates a tenant-owned table (PostgreSQL only)."""
    table = _name(table)
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}",
        f"CREATE POLICY {POLICY_NAME} ON {table} "
        f"USING ({TENANT_MATCH} OR {HUB_READ}) WITH CHECK ({TENANT_MATCH})",
    ]


def disable_tenant_rls_sql(table: str) -> list[str]:
    table = _name(table)
    return [
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def enable_tenant_rls(op, table: str) -> None:  # op: alembic.op
    """Call from a migration's upgrade() after creating a tenant-owned table."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in enable_tenant_rls_sql(table):
        op.execute(statement)


def disable_tenant_rls(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in disable_tenant_rls_sql(table):
        op.execute(statement)


def grant_app_role_sql(role: str) -> list[str]:
    """Privileges of the application's role: data, never ownership, never DDL."""
    role = _name(role)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


def ensure_app_role(connection: Connection, role: str, password: str | None = None) -> None:
    """Create the app's login role if missing (no superuser, no BYPASSRLS) and grant it data
    privileges. Runs as the owner of the tables."""
    role = _name(role)
    exists = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).scalar()
    if not exists:
        connection.exec_driver_sql(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
        )
    if password:
        connection.execute(
            text("SELECT set_config('londonhub.tmp_password', :pw, true)"), {"pw": password}
        )
        connection.exec_driver_sql(
            "DO $$ BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', "
            f"'{role}', current_setting('londonhub.tmp_password')); END $$"
        )
    for statement in grant_app_role_sql(role):
        connection.exec_driver_sql(statement)


# --- setting the workspace on each transaction ------------------------------------------------


def _wanted() -> tuple[str, str]:
    tenant = current_tenant_id()
    return ("" if tenant is None else str(int(tenant)), "on" if in_hub_scope() else "off")


#: Statements that end or rewind a transaction: never precede them (after an error the
#: transaction accepts nothing but these).
_TRANSACTION_CONTROL = ("ROLLBACK", "RELEASE", "COMMIT", "SAVEPOINT", "BEGIN")


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:9].upper().startswith(_TRANSACTION_CONTROL):
        return
    wanted = _wanted()
    info = conn.info
    if info.get(_STATE) == wanted:
        return
    if wanted == ("", "off") and _STATE not in info:
        return  # a fresh transaction with no context: the settings are empty already
    cursor.execute(
        "SELECT set_config('app.tenant_id', %s, true), set_config('app.hub_scope', %s, true)",
        wanted,
    )
    info[_STATE] = wanted


def _forget(conn, *args) -> None:
    conn.info.pop(_STATE, None)


def _unknown(conn, *args) -> None:
    # Rolling back to a savepoint restores whatever was set before it: set again next time.
    conn.info[_STATE] = ("?", "?")


def _forget_on_checkin(dbapi_connection, connection_record) -> None:
    connection_record.info.pop(_STATE, None)


def _forget_on_reset(dbapi_connection, connection_record, reset_state) -> None:
    connection_record.info.pop(_STATE, None)


def install_rls_settings(engine: Engine) -> None:
    """Keep `app.tenant_id` / `app.hub_scope` in step with the workspace context (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return
    if event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        return
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    # Transaction-local settings end with the transaction; so must our memory of them.
    for name in ("commit", "rollback", "begin"):
        event.listen(engine, name, _forget)
    event.listen(engine, "rollback_savepoint", _unknown)
    event.listen(engine.pool, "checkin", _forget_on_checkin)
    event.listen(engine.pool, "reset", _forget_on_reset)


# --- CLI ---------------------------------------------------------------------------------------


def init_app(app) -> None:  # app: Flask
    import click
    from flask.cli import AppGroup
    from sqlalchemy import create_engine, pool

    from .extensions import db

    with app.app_context():
        install_rls_settings(db.engine)

    database_cli = AppGroup("database", help="PostgreSQL roles for row-level security.")

    @database_cli.command("grant-app-role")
    @click.option("--role", default=None, help="The app's role (default DATABASE_APP_ROLE).")
    @click.option(
        "--password",
        envvar="DATABASE_APP_PASSWORD",
        default=None,
        help="Set the role's password (or DATABASE_APP_PASSWORD).",
    )
    def grant_app_role(role: str | None, password: str | None) -> None:
        """Create the app's role if missing and grant it data privileges (run as the owner,
        through MIGRATION_DATABASE_URL, after `flask db upgrade`)."""
        url = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
        engine = create_engine(url, poolclass=pool.NullPool)
        if engine.dialect.name != "postgresql":
            click.echo("Not PostgreSQL: row-level security and roles do not apply.")
            return
        role = role or app.config["DATABASE_APP_ROLE"]
        with engine.begin() as connection:
            ensure_app_role(connection, role, password)
        click.echo(f"Role {role} can read and write data; it owns nothing and cannot bypass RLS.")

    app.cli.add_command(database_cli)
