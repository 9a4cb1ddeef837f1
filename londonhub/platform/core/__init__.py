"""What every workspace shares: config, database, tenancy, identity, audit, jobs, mail, errors.

This package imports none of the project's other code.
"""

from __future__ import annotations

from flask import Flask

from .extensions import csrf, db, include_object, login_manager, migrate


def init_core(app: Flask) -> None:
    from . import (  # noqa: F401 - support: its table
        cli,
        events,
        health,
        jobs,
        navigation,
        notification_views,
        notifications,
        pagecache,
        params,
        ratelimit,
        rls,
        security,
        storage,
        support,
        tenancy,
        views,
    )

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite's own pool settings; pre-ping is for network databases.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=_migrations_dir(app),
        render_as_batch=True,
        include_object=include_object,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    tenancy.install_scoping()
    jobs.install_job_hooks()
    # First: its after_request runs last (it stores what the others made), and its WSGI layer
    # sits inside ProxyFix (it sees the forwarded host and scheme).
    pagecache.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    params.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.register_blueprint(views.bp)
    app.register_blueprint(health.bp)
    cli.init_app(app)
    events.init_app(app)
    navigation.init_app(app)
    notification_views.init_app(app)
    rls.init_app(app)
    storage.init_app(app)


def _migrations_dir(app: Flask) -> str:
    from pathlib import Path

    return str(Path(app.root_path).parent / "migrations")


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
