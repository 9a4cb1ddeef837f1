"""Redis unavailable: pages that do not need it keep working, password sign-in fails closed
(refused with a message, no password checked), and work enqueued after a commit is run
in-process instead of being dropped, with the failure logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.jobs import enqueue, job

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1

ran: list[str] = []


@job
def rename_for_outage(email: str, name: str) -> None:
    ran.append(email)
    db.session.scalar(select(User).where(User.email == email)).name = name


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["REDIS_URL"] = DEAD_REDIS
    return app_config


def test_pages_that_need_no_redis_keep_working(client, make_workspace) -> None:
    make_workspace("hackney")
    for path in ("/", "/rooms", "/b/hackney/", "/login", "/opportunities"):
        assert client.get(path).status_code == 200, path
    # The status page says the queue is down (for people and for monitoring).
    assert client.get("/status").status_code == 503


def test_sign_in_fails_closed_with_a_clear_message(client, make_user, caplog) -> None:
    make_user("person@example.org")
    with caplog.at_level(logging.ERROR):
        answer = client.post(
            "/login", data={"email": "person@example.org", "password": "wrong-password-123"}
        )
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "60"
    assert "paused for safety" in answer.get_data(as_text=True)
    assert "throttle store unavailable" in caplog.text
    # Even the right password is refused while failures cannot be counted.
    right = client.post("/login", data={"email": "person@example.org", "password": "x" * 12})
    assert right.status_code == 429


def test_work_enqueued_while_redis_is_down_runs_in_process_and_is_logged(
    app, make_user, caplog
) -> None:
    ran.clear()
    make_user("person@example.org", name="Before")
    with caplog.at_level(logging.ERROR):
        enqueue(rename_for_outage, "person@example.org", "After")
        db.session.commit()
    assert ran == ["person@example.org"]
    db.session.rollback()
    assert db.session.scalar(select(User.name).where(User.email == "person@example.org")) == "After"
    assert "queue unavailable" in caplog.text
