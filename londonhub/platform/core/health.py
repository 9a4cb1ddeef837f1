"""GET /healthz: the state of the database and the job queue, as JSON."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db
from .jobs import queue_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    try:
        db.session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": db.engine.dialect.name}
    except Exception as exc:  # reported, never raised
        db.session.rollback()
        database = {"status": "error", "error": type(exc).__name__}
    queue = queue_state(current_app._get_current_object())
    healthy = database["status"] == "ok" and queue["status"] == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "queue": queue}
    return jsonify(body), 200 if healthy else 503
