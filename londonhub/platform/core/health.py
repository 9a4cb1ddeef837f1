"""GET /healthz for machines (JSON: the state of the database and the job queue) and
GET /status for people. How the service is built (database dialect, queue backend, counts,
error names) is shown to hub admins only: the public learns whether things work, not what
they are made of."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from .extensions import db
from .jobs import queue_state

bp = Blueprint("health", __name__, template_folder="templates")

#: What each part does for people, for /status.
PARTS = {
    "database": "Signing in, pages and bookings",
    "queue": "Emails and background work (confirmations, receipts, invitations)",
}


def service_state(*, detail: bool) -> dict[str, Any]:
    """`status` ok/error overall and per part; with `detail`, what each part is and counts."""
    try:
        db.session.execute(text("SELECT 1"))
        database = {"status": "ok", "dialect": db.engine.dialect.name}
    except Exception as exc:  # reported, never raised
        db.session.rollback()
        database = {"status": "error", "error": type(exc).__name__}
    queue = queue_state(current_app._get_current_object())
    healthy = database["status"] == "ok" and queue["status"] == "ok"
    if not detail:
        database = {"status": database["status"]}
        queue = {"status": queue["status"]}
    return {"status": "ok" if healthy else "error", "database": database, "queue": queue}


def _detail() -> bool:
    return bool(current_user.is_authenticated and current_user.is_hub_admin)


@bp.get("/healthz")
def healthz():
    body = service_state(detail=_detail())
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if body["status"] == "ok" else 503


@bp.get("/status")
def status():
    state = service_state(detail=_detail())
    response = render_template("health/status.html", state=state, parts=PARTS)
    return response, 200 if state["status"] == "ok" else 503, {"Cache-Control": "no-store"}
