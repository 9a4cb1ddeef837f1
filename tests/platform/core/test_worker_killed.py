"""An RQ worker killed (SIGKILL, work horse and all) in the middle of a job: the job's
transaction never commits, RQ's registry cleanup finds the job abandoned and retries it, and
its effect happens once. Real `rq` workers in subprocesses, on the test's Redis database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.jobs import RETRY_INTERVALS, enqueue, get_queue, job

ROOT = Path(__file__).resolve().parents[3]

#: RQ workers run only with Redis, which production pairs with PostgreSQL (the embedded SQLite
#: default runs jobs in-process).
pytestmark = pytest.mark.postgres

WORKER = """
import json, os
from redis import Redis
from rq import Worker
from londonhub import create_app
from londonhub.platform.core.jobs import QUEUE_NAME, set_worker_app
import tests.platform.core.test_worker_killed  # registers its job

config = json.loads(os.environ["WORKER_APP_CONFIG"])
set_worker_app(create_app(config))
Worker([QUEUE_NAME], connection=Redis.from_url(config["REDIS_URL"])).work(
    burst=True, with_scheduler=True
)
"""


@job
def rename_slowly(email: str, suffix: str, folder: str) -> None:
    """Appends `suffix` to the person's name; the first attempt then hangs until killed."""
    user = db.session.scalar(select(User).where(User.email == email))
    user.name += suffix
    db.session.flush()
    started = Path(folder) / "started"
    if not started.exists():
        started.touch()
        time.sleep(60)


@pytest.fixture
def app_config(app_config: dict, redis_url: str) -> dict:
    app_config["REDIS_URL"] = redis_url
    return app_config


def _worker(app_config: dict) -> subprocess.Popen:
    env = {**os.environ, "WORKER_APP_CONFIG": json.dumps(app_config), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, start_new_session=True
    )


def _name(email: str) -> str:
    db.session.rollback()
    name = db.session.scalar(select(User.name).where(User.email == email))
    db.session.rollback()  # hold no transaction while a worker writes
    return name


def test_a_job_whose_worker_is_killed_is_retried_and_takes_effect_once(
    app, app_config, make_user, tmp_path
) -> None:
    make_user("person@example.org", name="Before")
    enqueue(rename_slowly, "person@example.org", " once", str(tmp_path))
    db.session.commit()
    queue = get_queue(app)
    (queued,) = queue.get_jobs()

    first = _worker(app_config)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline, "the job never started"
        assert first.poll() is None, "the worker stopped early"
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its work horse, mid-job
    first.wait(10)
    assert _name("person@example.org") == "Before"  # its transaction died with it

    # What any worker's maintenance does once the dead worker's heartbeat has expired.
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
    queued.refresh()
    assert queued.get_status() == "scheduled"
    assert queued.retries_left == len(RETRY_INTERVALS) - 1

    time.sleep(RETRY_INTERVALS[0] + 1)  # the retry is due
    second = _worker(app_config)
    assert second.wait(60) == 0
    queued.refresh()
    assert queued.get_status() == "finished"
    assert _name("person@example.org") == "Before once"
