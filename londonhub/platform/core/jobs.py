"""Background jobs: the one module that touches RQ.

`enqueue()` takes names and plain ids, never ORM objects, and pushes the job only after the
current transaction commits (dropped on rollback). With `REDIS_URL` jobs go to RQ; without it
(the embedded default) they run in-process right after the commit. Either way a job runs in
its own app context, inside the workspace context it was enqueued with, and commits or rolls
back as one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from .tenancy import current_tenant_id, tenant_context

log = logging.getLogger(__name__)

QUEUE_NAME = "default"
RETRY_INTERVALS = [10, 60, 300]
FAILED_JOB_TTL_SECONDS = 7 * 24 * 3600

_REGISTRY: dict[str, Callable[..., Any]] = {}


def job(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register a function as a job under its dotted name (only registered names can run)."""
    _REGISTRY[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def job_name(fn: Callable[..., Any]) -> str:
    name = f"{fn.__module__}.{fn.__qualname__}"
    if name not in _REGISTRY:
        raise LookupError(f"{name} is not a registered job; decorate it with @job")
    return name


@dataclass
class PendingJob:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    tenant_id: int | None
    meta: dict[str, Any] = field(default_factory=dict)


def enqueue(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue `fn(*args, **kwargs)` to run after the current transaction commits.

    The job carries the current workspace; it cannot choose another one through its arguments.
    """
    pending = PendingJob(job_name(fn), args, kwargs, current_tenant_id())
    db.session.info.setdefault("pending_jobs", []).append(pending)


def _pending(session: Session) -> list[PendingJob]:
    return session.info.pop("pending_jobs", [])


def _after_commit(session: Session) -> None:
    jobs = _pending(session)
    if not jobs:
        return
    app = current_app._get_current_object()
    for pending in jobs:
        dispatch(app, pending)


def _after_rollback(session: Session) -> None:
    # A rollback of the outermost transaction drops every job it would have pushed.
    if not session.in_transaction():
        _pending(session)


def install_job_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))


def dispatch(app: Flask, pending: PendingJob) -> None:
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        # Embedded default: run now, in a fresh app context like a worker would.
        try:
            run_job(pending.name, pending.args, pending.kwargs, pending.tenant_id, app=app)
        except Exception:
            log.exception("in-process job %s failed", pending.name)
        return
    from rq import Retry

    queue = get_queue(app)
    queue.enqueue(
        run_job,
        pending.name,
        pending.args,
        pending.kwargs,
        pending.tenant_id,
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        failure_ttl=FAILED_JOB_TTL_SECONDS,
        description=pending.name,
    )


def get_queue(app: Flask | None = None):  # noqa: ANN201 - rq.Queue, imported lazily
    from redis import Redis
    from rq import Queue

    app = app or current_app._get_current_object()
    connection = app.extensions.get("londonhub_redis")
    if connection is None:
        connection = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["londonhub_redis"] = connection
    return Queue(QUEUE_NAME, connection=connection)


_worker_app: Flask | None = None


def _app_for_worker() -> Flask:
    global _worker_app
    if _worker_app is None:
        from londonhub import create_app

        _worker_app = create_app()
    return _worker_app


def run_job(
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    tenant_id: int | None,
    app: Flask | None = None,
) -> Any:
    """Run one registered job in exactly one app context and its workspace context."""
    fn = _REGISTRY.get(name)
    if fn is None:
        # Importing the app registers every job (blueprints import their services).
        app = app or (current_app._get_current_object() if has_app_context() else None)
        app = app or _app_for_worker()
        fn = _REGISTRY.get(name)
        if fn is None:
            raise LookupError(f"unknown job {name}")
    app = app or _app_for_worker()
    with app.app_context():
        try:
            if tenant_id is None:
                result = fn(*args, **kwargs)
            else:
                with tenant_context(tenant_id):
                    result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def queue_state(app: Flask) -> dict[str, Any]:
    """For /healthz and the hub: where jobs run and how many wait or failed."""
    if not app.config.get("REDIS_URL"):
        return {"status": "ok", "backend": "in-process"}
    try:
        queue = get_queue(app)
        queue.connection.ping()
        return {
            "status": "ok",
            "backend": "rq",
            "queued": queue.count,
            "failed": queue.failed_job_registry.count,
        }
    except Exception as exc:  # the health check reports, it does not raise
        return {"status": "error", "backend": "rq", "error": type(exc).__name__}
