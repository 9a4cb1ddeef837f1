"""The migrations build exactly the schema the models describe, and can be undone.

A model change without a migration fails `test_models_and_migrations_agree`: write the
migration with `flask --app wsgi db migrate -m "..."`, review it, and commit both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

from londonhub import create_app
from londonhub.platform.core.extensions import db, include_object

from .conftest import PG_ADMIN_URL, TEST_DATABASE, _base_config


def _differences(connection, metadata: MetaData | None = None) -> list:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return compare_metadata(context, metadata if metadata is not None else db.metadata)


def test_models_and_migrations_agree(app, database_urls) -> None:
    """`flask db upgrade` ran in the session fixture; the models must add nothing to it."""
    engine = create_engine(database_urls["owner"], poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            assert _differences(connection) == []
    finally:
        engine.dispose()


def test_every_model_table_exists_after_upgrade(app, database_urls) -> None:
    engine = create_engine(database_urls["owner"], poolclass=pool.NullPool)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_a_model_change_without_a_migration_is_detected(app, database_urls) -> None:
    """The check above can fail: a column added to the metadata only is reported."""
    changed = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["workspace"].append_column(Column("motto", String(50), nullable=True))
    engine = create_engine(database_urls["owner"], poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            differences = _differences(connection, changed)
    finally:
        engine.dispose()
    assert [d[0] for d in differences] == ["add_column"]
    assert differences[0][3].name == "motto"


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind, thrown away afterwards."""
    if TEST_DATABASE == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    import psycopg

    name = f"londonhub_migrations_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        from londonhub.platform.core.extensions import DATABASE_ONLY

        # Tables only the database has (SQLite's FTS5 index and its shadow tables).
        database_only = {name for kind, name in DATABASE_ONLY if kind == "table"}
        return set(inspect(engine).get_table_names()) - {"alembic_version"} - database_only
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(scratch_database, tmp_path) -> None:
    config = _base_config(scratch_database, tmp_path)
    config["MIGRATION_DATABASE_URL"] = None
    scratch = create_app(config)
    with scratch.app_context():
        flask_migrate.upgrade()
        assert _tables(scratch_database) == set(db.metadata.tables)

        flask_migrate.downgrade(revision="base")
        assert _tables(scratch_database) == set()

        flask_migrate.upgrade()
        assert _tables(scratch_database) == set(db.metadata.tables)
        with db.engine.connect() as connection:
            assert _differences(connection) == []
            heads = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(heads) == 1

        # One step down and up again from the head works too.
        flask_migrate.downgrade(revision="-1")
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert _differences(connection) == []
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_row_level_security_is_removed_and_restored(scratch_database, tmp_path) -> None:
    from londonhub.platform.core.tenancy import TenantScoped

    config = _base_config(scratch_database, tmp_path)
    config["MIGRATION_DATABASE_URL"] = None
    scratch = create_app(config)
    tenant_tables = {
        m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)
    }
    query = text(
        "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity "
        "AND relkind = 'r'"
    )
    with scratch.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert set(connection.scalars(query)) == tenant_tables
        flask_migrate.downgrade(revision="base")
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert set(connection.scalars(query)) == tenant_tables
        db.session.remove()
        db.engine.dispose()
