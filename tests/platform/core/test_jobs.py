"""Jobs run after the commit that enqueued them, never after a rollback, in their workspace."""

from __future__ import annotations

import contextvars
import logging

import pytest
from flask import g
from rq import SimpleWorker
from sqlalchemy import select, text

from londonhub.platform.core import jobs
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.jobs import enqueue, get_queue, job, run_job
from londonhub.platform.core.tenancy import current_tenant_id, tenant_context

ran: list[tuple] = []
attempts: list[str] = []


@pytest.fixture(autouse=True)
def _reset() -> None:
    ran.clear()
    attempts.clear()


@job
def remember(value: str) -> str:
    ran.append((value, current_tenant_id(), g.get("marker")))
    return f"done {value}"


@job
def rename(email: str, name: str) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    user.name = name


@job
def rename_then_fail(email: str, name: str) -> None:
    rename(email, name)
    db.session.flush()
    attempts.append(email)
    raise RuntimeError("the job failed")


@job
def see_database_tenant() -> None:
    setting = db.session.scalar(text("SELECT current_setting('app.tenant_id', true)"))
    ran.append((setting, current_tenant_id()))


def name_of(email: str) -> str:
    db.session.rollback()
    return db.session.scalar(select(User.name).where(User.email == email))


def values() -> list[str]:
    return [entry[0] for entry in ran]


# --- in-process (no REDIS_URL) -------------------------------------------------------------


def test_job_runs_only_after_commit(app):
    enqueue(remember, "a")
    db.session.flush()
    assert ran == []
    db.session.commit()
    assert values() == ["a"]
    db.session.commit()
    assert values() == ["a"]  # once


def test_job_sees_the_rows_committed_with_it(app, make_user):
    from londonhub.platform.core.accounts import create_user

    create_user("new@example.org", "Before", None)
    enqueue(rename, "new@example.org", "After")
    db.session.commit()
    assert name_of("new@example.org") == "After"


def test_job_is_dropped_on_rollback(app):
    enqueue(remember, "a")
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_job_is_dropped_when_the_session_closes_without_commit(app):
    enqueue(remember, "a")
    db.session.close()
    db.session.commit()
    assert ran == []


def test_released_savepoint_waits_for_the_outer_commit_and_rolled_back_one_drops_its_jobs(app):
    enqueue(remember, "outer")
    with db.session.begin_nested():
        enqueue(remember, "released")
    assert ran == []  # a released savepoint is not a commit
    savepoint = db.session.begin_nested()
    enqueue(remember, "rolled back")
    with db.session.begin_nested():
        enqueue(remember, "inside the rolled back one")
    savepoint.rollback()
    assert ran == []
    db.session.commit()
    assert values() == ["outer", "released"]


def test_job_runs_in_the_workspace_it_was_enqueued_in(app, make_workspace):
    hackney = make_workspace("hackney")
    with tenant_context(hackney.id):
        enqueue(remember, "in hackney")
    enqueue(remember, "hub level")
    db.session.commit()
    assert ran == [("in hackney", hackney.id, None), ("hub level", None, None)]


@pytest.mark.postgres
def test_job_transaction_carries_the_workspace_for_row_level_security(app, make_workspace):
    hackney = make_workspace("hackney")
    with tenant_context(hackney.id):
        enqueue(see_database_tenant)
    db.session.commit()
    assert ran == [(str(hackney.id), hackney.id)]


def test_job_runs_in_its_own_app_context(app):
    g.marker = "the request's"
    enqueue(remember, "a")
    db.session.commit()
    assert ran == [("a", None, None)]
    assert g.marker == "the request's"


def test_failing_in_process_job_rolls_back_its_writes_and_is_logged(app, make_user, caplog):
    make_user("ada@example.org", name="Ada")
    enqueue(rename_then_fail, "ada@example.org", "Changed")
    with caplog.at_level(logging.ERROR, logger="londonhub.platform.core.jobs"):
        db.session.commit()  # the enqueuing transaction is not affected
    assert attempts == ["ada@example.org"]
    assert name_of("ada@example.org") == "Ada"
    assert "rename_then_fail failed" in caplog.text


def test_only_registered_functions_can_be_enqueued(app):
    def not_a_job() -> None: ...

    with pytest.raises(LookupError, match="not a registered job"):
        enqueue(not_a_job)
    with pytest.raises(LookupError, match="unknown job"):
        run_job("nowhere.nothing", (), {}, None, app=app)


def test_worker_without_an_app_context_uses_the_worker_app(app):
    jobs.set_worker_app(app)
    try:
        # An empty context: no app context, as in a freshly started worker process.
        result = contextvars.Context().run(run_job, jobs.job_name(remember), ("w",), {}, None)
    finally:
        jobs.set_worker_app(None)
    assert result == "done w"
    assert values() == ["w"]


# --- RQ on a real Redis ------------------------------------------------------------------


@pytest.fixture
def rq_config(app_config: dict, redis_url: str) -> dict:
    app_config["REDIS_URL"] = redis_url
    return app_config


def work(queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_with_redis_the_job_is_queued_after_commit_and_a_worker_runs_it(
    rq_config, app, make_workspace
):
    hackney = make_workspace("hackney")
    queue = get_queue(app)
    assert queue.count == 0
    with tenant_context(hackney.id):
        enqueue(remember, "queued")
    db.session.flush()
    assert queue.count == 0
    db.session.commit()
    assert queue.count == 1
    assert ran == []  # nothing runs in the web process

    [queued] = queue.jobs
    assert queued.retries_left == len(jobs.RETRY_INTERVALS)
    assert queued.failure_ttl == jobs.FAILED_JOB_TTL_SECONDS
    assert queued.description.endswith("remember")

    work(queue)
    assert ran == [("queued", hackney.id, None)]
    assert queue.count == 0
    assert queued.latest_result().return_value == "done queued"


def test_with_redis_the_worker_commits_the_jobs_writes(rq_config, app, make_user):
    make_user("ada@example.org", name="Ada")
    enqueue(rename, "ada@example.org", "Ada King")
    db.session.commit()
    work(get_queue(app))
    assert name_of("ada@example.org") == "Ada King"


def test_with_redis_nothing_is_queued_on_rollback(rq_config, app):
    enqueue(remember, "never")
    db.session.rollback()
    db.session.commit()
    assert get_queue(app).count == 0


def test_with_redis_a_failing_job_is_scheduled_for_retry(rq_config, app, make_user):
    make_user("ada@example.org", name="Ada")
    enqueue(rename_then_fail, "ada@example.org", "Changed")
    db.session.commit()
    queue = get_queue(app)
    [queued] = queue.jobs
    work(queue)
    assert attempts == ["ada@example.org"]
    assert name_of("ada@example.org") == "Ada"  # rolled back
    queued.refresh()
    assert queued.get_status() == "scheduled"
    assert queued.retries_left == len(jobs.RETRY_INTERVALS) - 1
    assert queued.id in queue.scheduled_job_registry.get_job_ids()


def test_with_redis_a_job_that_keeps_failing_lands_in_the_failed_registry(
    rq_config, app, make_user, monkeypatch
):
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0, 0, 0])  # retry at once
    make_user("ada@example.org", name="Ada")
    enqueue(rename_then_fail, "ada@example.org", "Changed")
    db.session.commit()
    queue = get_queue(app)
    [queued] = queue.jobs
    work(queue)
    assert len(attempts) == 4  # the first run and three retries
    assert queue.failed_job_registry.get_job_ids() == [queued.id]
    assert name_of("ada@example.org") == "Ada"
