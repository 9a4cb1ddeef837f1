"""Outbound webhooks: a workspace subscribes its own URLs to its events (core.events), and
each event is delivered signed (Standard Webhooks), retried with back-off and recorded."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from londonhub.platform.core.events import subscribe

    from . import cli, models, views  # noqa: F401 - models: the tables
    from .delivery import on_event

    subscribe(app, on_event)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.webhooks_cli)
