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
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

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
    #: The savepoint (if any) the job was enqueued in: rolling it back drops the job.
    savepoint: SessionTransaction | None = field(default=None, repr=False, compare=False)
    #: Run no earlier than this (RQ's scheduler; `rq worker --with-scheduler`).
    at: datetime | None = None


def enqueue(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Queue `fn(*args, **kwargs)` to run after the current transaction commits.

    The job carries the current workspace; it cannot choose another one through its arguments.
    With Redis unreachable at that moment the job runs in-process instead (logged), never
    dropped.
    """
    _enqueue(None, fn, args, kwargs)


def enqueue_at(when: datetime, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Like `enqueue`, but run at `when`. Without Redis (the embedded default) nothing can
    wait, so the job is not scheduled: callers keep a way to catch up (a sweep or a CLI)."""
    _enqueue(when, fn, args, kwargs)


def _enqueue(
    when: datetime | None, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]
) -> None:
    session = db.session()
    if not session.in_transaction():
        # Begin now (no connection is taken yet), so a rollback before any query still
        # drops the job instead of leaving it for whichever commit comes next.
        session.begin()
    pending = PendingJob(
        job_name(fn),
        args,
        kwargs,
        current_tenant_id(),
        savepoint=session.get_nested_transaction(),
        at=when,
    )
    session.info.setdefault("pending_jobs", []).append(pending)


def _pending(session: Session) -> list[PendingJob]:
    return session.info.pop("pending_jobs", [])


def _after_commit(session: Session) -> None:
    # SQLAlchemy also calls this when a savepoint is released: the jobs must wait for the
    # outermost commit, since the transaction may still roll back.
    if session.get_nested_transaction() is not None:
        return
    jobs = _pending(session)
    if not jobs:
        return
    app = current_app._get_current_object()
    for pending in jobs:
        dispatch(app, pending)


def _inside(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        _pending(session)  # the whole transaction rolled back: drop every job
        return
    # A savepoint rolled back: drop the jobs enqueued inside it, keep the others.
    kept = [p for p in _pending(session) if not _inside(p.savepoint, previous)]
    if kept:
        session.info["pending_jobs"] = kept


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (for example `session.close()`):
    # whatever is still pending was never committed.
    if transaction.parent is None:
        _pending(session)


def install_job_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


def dispatch(app: Flask, pending: PendingJob) -> None:
    redis_url = app.config.get("REDIS_URL")
    if not redis_url and pending.at is not None:
        log.info(
            "no scheduler without REDIS_URL: %s at %s left to its sweep", pending.name, pending.at
        )
        return
    if not redis_url:
        # Embedded default: run now, in a fresh app context like a worker would.
        try:
            run_job(pending.name, pending.args, pending.kwargs, pending.tenant_id, app=app)
        except Exception:
            log.exception("in-process job %s failed", pending.name)
        return
    from rq import Retry

    queue = get_queue(app)
    options = {
        "retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        "failure_ttl": FAILED_JOB_TTL_SECONDS,
        "description": pending.name,
    }
    job_args = (run_job, pending.name, pending.args, pending.kwargs, pending.tenant_id)
    from redis.exceptions import RedisError

    try:
        if pending.at is not None:
            queue.enqueue_at(pending.at, *job_args, **options)
        else:
            queue.enqueue(*job_args, **options)
    except RedisError as exc:
        # The transaction has committed: never drop its work silently. Run it here, as the
        # embedded default does (a scheduled job is left to its sweep, as without Redis).
        if pending.at is not None:
            log.error("queue unavailable (%s): %s at %s left to its sweep", exc, *_named(pending))
            return
        log.error("queue unavailable (%s): running %s in-process instead", exc, pending.name)
        try:
            run_job(pending.name, pending.args, pending.kwargs, pending.tenant_id, app=app)
        except Exception:
            log.exception("in-process job %s failed", pending.name)


def _named(pending: PendingJob) -> tuple[str, datetime | None]:
    return pending.name, pending.at


def get_queue(app: Flask | None = None):  # returns an rq.Queue (rq is imported lazily)
    from redis import Redis
    from rq import Queue

    app = app or current_app._get_current_object()
    connection = app.extensions.get("londonhub_redis")
    if connection is None:
        connection = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10
        )
        app.extensions["londonhub_redis"] = connection
    return Queue(QUEUE_NAME, connection=connection)


_worker_app: Flask | None = None


def set_worker_app(app: Flask | None) -> None:
    """Give worker processes an app to run jobs in (instead of building one from the env)."""
    global _worker_app
    _worker_app = app


def _app_for_worker() -> Flask:
    global _worker_app
    if _worker_app is None:
        from londonhub import create_app

        _worker_app = create_app()
    return _worker_app


def _app_for_job(app: Flask | None) -> Flask:
    """The app a job runs in: the one given, else the one whose context is active (an
    in-process worker, as in tests), else the worker's own app built from the environment."""
    if app is not None:
        return app
    if has_app_context():
        return current_app._get_current_object()
    return _app_for_worker()


def run_job(
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    tenant_id: int | None,
    app: Flask | None = None,
) -> Any:
    """Run one registered job in exactly one app context and its workspace context."""
    # Building the app imports every area, which registers its jobs.
    app = _app_for_job(app)
    fn = _REGISTRY.get(name)
    if fn is None:
        raise LookupError(f"unknown job {name}")
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
