"""Unpaid card orders with a deadline are scheduled to lapse at it (RQ's scheduler); invoice
orders never lapse by themselves (tests/billing/test_invoice_documents.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry

from londonhub.billing import services
from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import get_queue
from londonhub.platform.core.timeutil import utcnow


@pytest.mark.stripe
def test_an_order_with_a_deadline_is_scheduled_to_lapse_then(app_config, redis_url, request):
    app_config["REDIS_URL"] = redis_url
    app = request.getfixturevalue("app")
    make_workspace = request.getfixturevalue("make_workspace")
    make_user = request.getfixturevalue("make_user")
    request.getfixturevalue("feature")
    seller = make_workspace("hackney", "Hackney CVS")
    buyer = make_user("buyer@example.org")
    deadline = utcnow() + timedelta(minutes=15)
    with app.test_request_context():
        order = services.create_order(
            seller,
            kind="test_item",
            fulfilment_ref="1",
            lines=[services.Line("Room", 1000)],
            buyer=buyer,
            description="Room",
            expires_at=deadline,
        )
        order_id = order.id  # read before the commit expires it outside its workspace
        db.session.commit()
    registry = ScheduledJobRegistry(queue=get_queue(app))
    [job_id] = registry.get_job_ids()
    job = get_queue(app).fetch_job(job_id)
    assert job.args[0] == "londonhub.billing.operations.webhooks.expire_order"
    assert job.args[1] == (order_id, seller.id)
    scheduled = registry.get_scheduled_time(job_id)
    assert abs((scheduled - deadline).total_seconds()) < 2


def test_an_invoice_schedules_its_reminder_and_overdue_notice(app_config, redis_url, request):
    """Invoice mode: no lapse is scheduled; the reminder (3 days before the due date) and the
    overdue notice (the day after it) are, at 09:00 London time."""
    from londonhub.billing.operations.documents import london_today
    from londonhub.billing.operations.followup import REMIND_AT
    from londonhub.platform.core.timeutil import london_to_utc

    app_config["REDIS_URL"] = redis_url
    app = request.getfixturevalue("app")
    make_workspace = request.getfixturevalue("make_workspace")
    make_user = request.getfixturevalue("make_user")
    request.getfixturevalue("feature")
    seller = make_workspace("hackney", "Hackney CVS")
    buyer = make_user("buyer@example.org")
    with app.test_request_context():
        services.create_order(
            seller,
            kind="test_item",
            fulfilment_ref="1",
            lines=[services.Line("Room", 1000)],
            buyer=buyer,
            description="Room",
            expires_at=utcnow() + timedelta(minutes=15),  # ignored in invoice mode
        )
        db.session.commit()
    registry = ScheduledJobRegistry(queue=get_queue(app))
    scheduled = {
        get_queue(app).fetch_job(job_id).args[0]: registry.get_scheduled_time(job_id)
        for job_id in registry.get_job_ids()
    }
    due = london_today() + timedelta(days=14)
    assert scheduled == {
        "londonhub.billing.operations.followup.send_reminder": london_to_utc(
            due - timedelta(days=3), REMIND_AT
        ),
        "londonhub.billing.operations.followup.notify_overdue": london_to_utc(
            due + timedelta(days=1), REMIND_AT
        ),
    }
