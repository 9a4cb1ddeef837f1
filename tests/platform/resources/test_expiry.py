"""A quality check lapses after twelve months; the owner is reminded a month before, once; the
hub sees the review queue with how long each resource has waited, oldest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.platform.core.errors import NotAllowed
from londonhub.platform.core.extensions import db
from londonhub.platform.core.notifications import Notification
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.resources import expiry, pool, review

from .test_review import ALL_TICKED


@pytest.fixture
def checked(hackney, camden, islington, hackney_staff, camden_staff, islington_staff,
            make_resource):  # fmt: skip
    """Hackney's resource, approved by Camden and Islington."""
    resource = make_resource(hackney, hackney_staff, title="Lone working policy")
    review.submit(hackney_staff, hackney, resource.id)
    for staff, workspace in ((camden_staff, camden), (islington_staff, islington)):
        review.record(staff, workspace, resource.id, checks=ALL_TICKED, decision="approve",
                      comments="")  # fmt: skip
    db.session.commit()
    return resource


@pytest.fixture
def islington(make_workspace):
    return make_workspace("islington", "Islington CVS", borough="Islington")


@pytest.fixture
def islington_staff(make_user, islington):
    return make_user("staff@islington.example.org", workspace=islington, role="staff")


def _age(resource, days: int) -> None:
    resource.checked_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_the_check_lapses_after_twelve_months_and_the_page_says_so(
    client, checked, hackney, hackney_staff
) -> None:
    assert checked.is_quality_checked and checked.checked_at is not None
    page = client.get(f"/resources/{checked.id}").get_data(as_text=True)
    assert "Quality-checked" in page and "Camden CVS and Islington CVS" in page
    _age(checked, 366)
    assert not checked.is_quality_checked and checked.check_expired
    page = client.get(f"/resources/{checked.id}").get_data(as_text=True)
    assert "Quality check out of date" in page and "needs reviewing again" in page
    assert pool.search(pool.Criteria(checked=True)).entries == []
    # Expired, it may be submitted again.
    review.submit(hackney_staff, hackney, checked.id)


def test_the_owner_is_reminded_a_month_before_once_by_the_sweep_and_the_cli(
    runner, checked, outbox
) -> None:
    assert expiry.remind_due_reviews() == 0  # fresh
    _age(checked, 340)
    result = runner.invoke(args=["resources", "remind-reviews"])
    assert result.exit_code == 0 and "1 owner(s) reminded" in result.output
    notes = list(db.session.scalars(select(Notification).where(
        Notification.event == "resource.review_due")))  # fmt: skip
    assert [n.message for n in notes][0].startswith("The quality check of “Lone working policy”")
    assert notes[0].link == f"/b/hackney/admin/resources/{checked.id}"
    assert outbox.to("staff@hackney.example.org")
    # Once per check: again changes nothing; the scheduled job finds nothing to do either.
    assert expiry.remind_due_reviews() == 0
    expiry.remind_review_job(checked.id)
    assert len(list(db.session.scalars(select(Notification).where(
        Notification.event == "resource.review_due")))) == 1  # fmt: skip


def test_the_hub_sees_the_queue_oldest_first_with_ages(
    client, auth, hub_admin, hackney, camden, hackney_staff, camden_staff, make_resource
) -> None:
    newer = make_resource(hackney, hackney_staff, title="Newer one")
    older = make_resource(camden, camden_staff, title="Older one")
    review.submit(hackney_staff, hackney, newer.id)
    review.submit(camden_staff, camden, older.id)
    older.submitted_at = utcnow() - timedelta(days=9)
    newer.submitted_at = utcnow() - timedelta(days=2)
    review.record(camden_staff, camden, newer.id, checks=ALL_TICKED, decision="approve",
                  comments="")  # fmt: skip
    db.session.commit()
    rows = expiry.hub_queue(hub_admin)
    assert [(w.version.title, w.waiting_days, w.approvals) for w in rows] == [
        ("Older one", 9, 0),
        ("Newer one", 2, 1),
    ]
    with pytest.raises(NotAllowed):
        expiry.hub_queue(hackney_staff)
    auth.login("hub@example.org")
    page = client.get("/hub/resources/reviews").get_data(as_text=True)
    assert page.index("Older one") < page.index("Newer one") and "(9 days)" in page
