"""Two reviews of one resource arriving at once (PostgreSQL, one session per thread, released
together by a barrier as simultaneous requests would be): exactly one outcome, never a 500.
Two workspaces approving at once make it quality-checked (before the row lock, each counted
only its own approval and neither published the check); two staff of one workspace give one
review and a clear message to the other."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.resources import review
from londonhub.platform.resources.models import Resource, ResourceReview, ReviewState
from tests.conftest import PASSWORD

pytestmark = pytest.mark.postgres

APPROVE = {
    **dict.fromkeys(
        ("accurate", "up_to_date", "plain_english", "accessible", "legally_sound"), "y"
    ),
    "decision": "approve",
    "comments": "",
}


def _race(attempts: list[Callable[[], str]]) -> list[str]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=30)
            result = attempt()
        except Exception as exc:  # report, do not hide
            result = f"error: {type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(attempts), "an attempt hung"
    return sorted(outcomes)


def _signed_in(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _approve(client, slug: str, resource_id: int) -> Callable[[], str]:
    def attempt() -> str:
        answer = client.post(f"/b/{slug}/admin/resources/reviews/{resource_id}", data=APPROVE)
        if answer.status_code == 302:
            return "recorded"
        text = answer.get_data(as_text=True)
        # The second of two staff is told either way, by when it arrives: inside the form's
        # check (400, "has already reviewed") or, once the first has committed, at the page's
        # own check (404, nothing left for this workspace to review).
        if answer.status_code == 400 and "has already reviewed this version" in text:
            return "already reviewed"
        if answer.status_code == 404 and "no resource waiting for your review" in text:
            return "already reviewed"
        return f"HTTP {answer.status_code}"

    return attempt


def _submitted(owner, staff, make_resource, title: str) -> int:
    resource = make_resource(owner, staff, title=title)
    review.submit(staff, owner, resource.id)
    db.session.commit()
    return resource.id


def _state(resource_id: int) -> tuple[bool, ReviewState, int]:
    db.session.expire_all()
    resource = db.session.get(Resource, resource_id)
    reviews = db.session.scalar(
        select(func.count(ResourceReview.id)).where(ResourceReview.resource_id == resource_id)
    )
    return resource.is_quality_checked, resource.review_state, reviews


@pytest.fixture
def islington(make_workspace):
    return make_workspace("islington", "Islington CVS", borough="Islington")


def test_two_workspaces_approving_at_once_make_it_quality_checked(
    app, hackney, camden, islington, hackney_staff, make_user, make_resource
) -> None:
    make_user("staff@camden.example.org", workspace=camden, role="staff")
    make_user("staff@islington.example.org", workspace=islington, role="staff")
    camden_client = _signed_in(app, "staff@camden.example.org")
    islington_client = _signed_in(app, "staff@islington.example.org")
    for round_ in range(3):
        resource_id = _submitted(hackney, hackney_staff, make_resource, f"Policy {round_}")
        outcomes = _race(
            [
                _approve(camden_client, "camden", resource_id),
                _approve(islington_client, "islington", resource_id),
            ]
        )
        assert outcomes == ["recorded", "recorded"]
        assert _state(resource_id) == (True, ReviewState.NONE, 2)


def test_two_staff_of_one_workspace_approving_at_once_give_one_review(
    app, hackney, camden, hackney_staff, make_user, make_resource
) -> None:
    make_user("one@camden.example.org", workspace=camden, role="staff")
    make_user("two@camden.example.org", workspace=camden, role="staff")
    one = _signed_in(app, "one@camden.example.org")
    two = _signed_in(app, "two@camden.example.org")
    for round_ in range(3):
        resource_id = _submitted(hackney, hackney_staff, make_resource, f"Guide {round_}")
        outcomes = _race(
            [_approve(one, "camden", resource_id), _approve(two, "camden", resource_id)]
        )
        assert outcomes == ["already reviewed", "recorded"]
        assert _state(resource_id) == (False, ReviewState.IN_REVIEW, 1)
