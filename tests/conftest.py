"""Shared fixtures.

The suite runs on real PostgreSQL and Redis by default (`LONDONHUB_TEST_DATABASE=postgres`);
`make test` runs it again on SQLite with in-process jobs (`LONDONHUB_TEST_DATABASE=sqlite`) to
prove the embedded default. Tests marked `postgres` need PostgreSQL and are left out of the
SQLite pass only. A missing PostgreSQL or Redis is an error, never a skip.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from londonhub import create_app
from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, User
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.workspaces import create_workspace

TEST_DATABASE = os.environ.get("LONDONHUB_TEST_DATABASE", "postgres")
PG_ADMIN_URL = os.environ.get(
    "LONDONHUB_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
#: Under pytest-xdist (`make test` runs two workers) each worker has its own PostgreSQL database
#: and Redis database, so workers never see each other's rows.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_WORKER_INDEX = int(XDIST_WORKER.removeprefix("gw") or 0)
PG_TEST_DB = os.environ.get("LONDONHUB_TEST_PG_DB", "londonhub_test") + (
    f"_{XDIST_WORKER}" if XDIST_WORKER else ""
)


def _redis_for_worker(url: str) -> str:
    """The worker's Redis database: the configured one, counting down per worker."""
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number or 0) - _WORKER_INDEX}" if XDIST_WORKER else url


REDIS_TEST_URL = _redis_for_worker(
    os.environ.get("LONDONHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)
#: Roles are cluster-wide: workers create them one at a time under this advisory lock.
_SETUP_LOCK = 7_204_202_612
PASSWORD = "correct horse battery staple"


#: Password hashing in tests: the same algorithm as production at a tiny cost, since tests create
#: and sign in thousands of people (production's cost is checked by
#: tests/platform/core/test_password_hashing.py with `production_password_hashing`).
TEST_PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    from londonhub.platform.core import accounts, identity

    with pytest.MonkeyPatch.context() as patch:
        for module in (identity, accounts):
            patch.setattr(module, "PASSWORD_HASH_METHOD", TEST_PASSWORD_HASH_METHOD)
        yield


@pytest.fixture
def production_password_hashing(monkeypatch: pytest.MonkeyPatch) -> str:
    """Production's hashing cost, for the tests that check it."""
    from londonhub.platform.core import accounts, identity

    strong = identity.PRODUCTION_PASSWORD_HASH_METHOD
    for module in (identity, accounts):
        monkeypatch.setattr(module, "PASSWORD_HASH_METHOD", strong)
    return strong


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DATABASE == "sqlite":
        skip = pytest.mark.skip(reason="PostgreSQL-only; covered by the PostgreSQL pass")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


PG_OWNER_ROLE = "londonhub_test_owner"
PG_APP_ROLE = "londonhub_test_app"


def _pg_url(role: str, database: str) -> str:
    """A psycopg 3 URL on the admin URL's host for `role` and `database`."""
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN_URL)
    return admin.set(
        drivername="postgresql+psycopg", username=role, database=database
    ).render_as_string(hide_password=False)


def _create_pg_database() -> None:
    """A fresh database owned by a migration role; the app will connect as a role that owns
    nothing and cannot bypass row-level security, as in production."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (PG_TEST_DB,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}"')
        if not conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (PG_OWNER_ROLE,)
        ).fetchone():
            conn.execute(f"CREATE ROLE {PG_OWNER_ROLE} LOGIN CREATEROLE")
        conn.execute(f'CREATE DATABASE "{PG_TEST_DB}" OWNER {PG_OWNER_ROLE}')


@contextlib.contextmanager
def _one_worker_at_a_time() -> Iterator[None]:
    """Hold a PostgreSQL advisory lock while a worker sets up its database: roles are shared by
    the whole cluster, so two workers creating them at once would collide."""
    if TEST_DATABASE != "postgres":
        yield
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """`app`: what the app connects with; `owner`: the tables' owner (migrations, wiping);
    `superuser`: sees every row regardless of RLS (for checking what tests did)."""
    with _one_worker_at_a_time():
        return _set_up_database(tmp_path_factory)


def _set_up_database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    if TEST_DATABASE == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        urls = {"app": url, "owner": url, "superuser": url}
    elif TEST_DATABASE == "postgres":
        _create_pg_database()
        urls = {
            "app": _pg_url(PG_APP_ROLE, PG_TEST_DB),
            "owner": _pg_url(PG_OWNER_ROLE, PG_TEST_DB),
            "superuser": _pg_url(make_url_username(PG_ADMIN_URL), PG_TEST_DB),
        }
    else:
        raise pytest.UsageError(
            f"LONDONHUB_TEST_DATABASE must be postgres or sqlite, not {TEST_DATABASE}"
        )
    config = _base_config(urls["app"], tmp_path_factory.mktemp("instance"))
    config["MIGRATION_DATABASE_URL"] = urls["owner"] if TEST_DATABASE == "postgres" else None
    config["DATABASE_APP_ROLE"] = PG_APP_ROLE
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        if TEST_DATABASE == "postgres":
            from sqlalchemy import create_engine, pool

            from londonhub.platform.core.rls import ensure_app_role

            owner = create_engine(urls["owner"], poolclass=pool.NullPool)
            with owner.begin() as connection:
                ensure_app_role(connection, PG_APP_ROLE)
            owner.dispose()
        db.engine.dispose()
    return urls


def make_url_username(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).username or "postgres"


@pytest.fixture(scope="session")
def database_url(database_urls: dict[str, str | None]) -> str:
    return database_urls["app"]


def _base_config(url: str, folder: Path) -> dict:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": None,
        "MAIL_URL": None,
        "MAIL_DIR": str(folder / "mail"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # The test client's host, so absolute links in emails name it (`live_server` switches
        # it to its own address while it runs).
        "PUBLIC_URL": "http://localhost",
        "STRIPE_SECRET_KEY": None,
    }


def _wipe(app: Flask, owner_url: str) -> None:
    """Empty every table as the owner (the app's role may not TRUNCATE)."""
    from sqlalchemy import create_engine, pool

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
    engine.dispose()


pytest_plugins = ["tests.stripe_server.fixtures"]  # fake_stripe, webhook_receiver

STRIPE_WEBHOOK_SECRET = "whsec_londonhub_test"


@pytest.fixture
def app_config(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict:
    """Override entries in a test (before `app` is used) to change the app's settings.

    Tests marked `@pytest.mark.stripe` get an app that talks to a fresh fake Stripe server
    (the `fake_stripe` fixture); the others run in invoice mode.
    """
    config = _base_config(database_url, tmp_path)
    if request.node.get_closest_marker("stripe"):
        fake = request.getfixturevalue("fake_stripe")
        config.update(
            STRIPE_SECRET_KEY="sk_test_londonhub",
            STRIPE_API_BASE=fake.base_url,
            STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET,
        )
    return config


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app (same database) served over http on a free port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    public_url = app.config.get("PUBLIC_URL")
    app.config["PUBLIC_URL"] = base_url  # links (emails, callbacks) lead to this server
    try:
        yield base_url
    finally:
        app.config["PUBLIC_URL"] = public_url
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def stripe_webhooks(fake_stripe, live_server: str):
    """The fake Stripe server delivering its events to the live app's webhook (needs the
    `stripe` mark so the app talks to that server)."""
    fake_stripe.configure_webhook(f"{live_server}/billing/stripe/webhook", STRIPE_WEBHOOK_SECRET)
    return fake_stripe


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context, `g` and database
    session, as in production, instead of reusing the test's (Flask reuses a pushed app
    context, which would carry `g` and the session from one request into the next)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app_config: dict, database_urls: dict) -> Iterator[Flask]:
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
    _wipe(application, database_urls["owner"])


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database, emptied before and after the test."""
    from redis import Redis

    connection = Redis.from_url(REDIS_TEST_URL)
    connection.ping()  # no Redis is a failure, not a skip
    connection.flushdb()
    yield REDIS_TEST_URL
    connection.flushdb()


@pytest.fixture
def count_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app runs while the test goes on (not the RLS settings)."""
    from sqlalchemy import event

    statements: list[str] = []

    def counter(conn, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(("SELECT SET_CONFIG", "PRAGMA")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield statements
    event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make_workspace(app: Flask) -> Callable[..., Workspace]:
    def factory(slug: str = "hackney", name: str | None = None, **kwargs) -> Workspace:
        workspace = create_workspace(slug, name or f"{slug.title()} CVS", **kwargs)
        db.session.commit()
        return workspace

    return factory


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def factory(
        email: str = "person@example.org",
        *,
        name: str = "Test Person",
        password: str = PASSWORD,
        workspace: Workspace | None = None,
        role: Role | str | None = None,
        verified: bool = True,
        hub_admin: bool = False,
    ) -> User:
        user = create_user(email, name, password, verified=verified, hub_admin=hub_admin)
        if workspace is not None:
            db.session.add(
                Membership(workspace_id=workspace.id, user_id=user.id, role=Role(role or "staff"))
            )
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


class Outbox:
    """Emails written by the in-process mail job to the instance's mail folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def messages(self) -> list[Message]:
        if not self.folder.exists():
            return []
        return [message_from_bytes(p.read_bytes()) for p in sorted(self.folder.glob("*.eml"))]

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        return message.get_payload(decode=True).decode()

    def link(self, message: Message) -> str:
        """The path of the first link in the message, for the test client."""
        match = re.search(r"https?://[^/\s]+(/\S+)", self.body(message))
        assert match, "no link in the email"
        return match.group(1)


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(Path(app.config["MAIL_DIR"]))
