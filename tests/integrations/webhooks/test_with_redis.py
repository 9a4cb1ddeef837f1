"""With Redis (production): the event is published and delivered by RQ workers after the
commit, and a failed attempt's retry is a job scheduled at its back-off time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.integrations.webhooks.delivery import attempt
from londonhub.integrations.webhooks.models import DeliveryStatus, WebhookDelivery
from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import get_queue, job_name
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import as_utc
from tests.tenants.rooms.conftest import book, future_day, request_for

from .receiver import Receiver


@pytest.fixture
def with_redis(app, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Jobs go to RQ from here on (the app is already made: its request context is autouse)."""
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    return redis_url


def test_workers_deliver_after_the_commit_and_schedule_the_retry(
    app, hackney, admin, buyer, make_room, receiver: Receiver, subscribe, with_redis
) -> None:
    subscribe(admin, hackney, receiver)
    receiver.answers = [500]
    order_id, _ = book(buyer, hackney, make_room().id, request_for(future_day(20)))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    assert receiver.received == []  # nothing is sent from the web process

    queue = get_queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert [r.verdict for r in receiver.received] == ["failed with 500"]

    with tenant_context(hackney.id):
        db.session.expire_all()
        delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    registry = ScheduledJobRegistry(queue=queue)
    retries = [
        job_id
        for job_id in registry.get_job_ids()
        if queue.fetch_job(job_id).args[:2] == (job_name(attempt), (delivery.id,))
    ]
    assert len(retries) == 1
    scheduled = registry.get_scheduled_time(retries[0])
    assert abs(scheduled - as_utc(delivery.next_attempt_at)) < timedelta(seconds=2)
