"""Sending events to endpoints: fan-out, signed attempts, retries with back-off, the sweep.

An event's commit runs `core.events.publish`, which calls `on_event`: one delivery row per
matching active endpoint of the event's own workspace, each attempted by the `attempt` job
after that commit. Every attempt goes through the guarded outbound client (core.http) and is
recorded with the answer. A failed attempt is retried after 1 min, 5 min, 30 min, 2 h and
12 h, then the delivery is failed. With Redis the retry is a scheduled job; without it (the
embedded default) `flask webhooks deliver-due`, run every minute from cron, sends what is due.
Either way the sweep also catches up what a lost job left behind.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select, update

from londonhub.platform.core import http
from londonhub.platform.core.events import OutboxEvent, publish_pending
from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, enqueue_at, job, job_name, run_job
from londonhub.platform.core.tenancy import current_tenant_id, hub_scope
from londonhub.platform.core.timeutil import as_utc, utcnow

from . import signing
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

#: Waits before the 2nd, 3rd, ... attempt; after the last the delivery has failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: While an attempt is under way its delivery is not due (a second worker leaves it alone).
LEASE = timedelta(minutes=2)
EXCERPT = 500
USER_AGENT = "ConnectingLondoners-Webhooks/1"


def body_of(event: OutboxEvent) -> bytes:
    """The bytes sent (and signed): the envelope as compact JSON with sorted keys."""
    return json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()


def on_event(event: OutboxEvent) -> None:
    """Subscriber of core.events: a delivery for each of the workspace's endpoints that
    chose this event type (never another workspace's)."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == event.tenant_id, WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    now = utcnow()
    created = []
    for endpoint in endpoints:
        if event.type in endpoint.event_types:
            delivery = WebhookDelivery(
                tenant_id=event.tenant_id,
                endpoint_id=endpoint.id,
                event_id=event.id,
                event_type=event.type,
                sequence=0,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
            )
            db.session.add(delivery)
            created.append(delivery)
    db.session.flush()
    for delivery in created:
        enqueue(attempt, delivery.id)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this attempt, if it is still due (one worker wins)."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.tenant_id == current_tenant_id(),
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    found = [signing.decrypt(endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_until
        and as_utc(endpoint.previous_secret_until) > now
    ):
        found.append(signing.decrypt(endpoint.previous_secret_encrypted))
    return found


def send(endpoint: WebhookEndpoint, event: OutboxEvent) -> WebhookAttempt:
    """POST the event to the endpoint through the guarded client; the attempt (unsaved)
    says what happened. Never raises for the receiver's failures."""
    now = utcnow()
    body = body_of(event)
    headers = signing.headers(_secrets(endpoint, now), event.uid, int(time.time()), body)
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    deadline = float(current_app.config.get("WEBHOOK_DEADLINE_SECONDS", 10))
    started = time.monotonic()
    outcome = WebhookAttempt(tenant_id=endpoint.tenant_id, attempted_at=now)
    try:
        with http.session(deadline=deadline, max_bytes=64 * 1024) as guarded:
            response = guarded.post(endpoint.url, data=body, headers=headers, allow_redirects=False)
        outcome.status_code = response.status_code
        outcome.response_excerpt = response.content[:EXCERPT].decode("utf-8", "replace")
    except requests.RequestException as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


@job
def attempt(delivery_id: int) -> None:
    """One attempt at a due delivery (in its workspace context); schedules the next on failure."""
    now = utcnow()
    if not _claim(delivery_id, now):
        return  # delivered, failed, not yet due, or another worker has it
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))
    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
    )
    event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.id == delivery.event_id))
    if not endpoint.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.last_response = "Not sent: the endpoint is turned off"
        return
    outcome = send(endpoint, event)
    outcome.delivery_id = delivery.id
    db.session.add(outcome)
    record_outcome(delivery, outcome)


def record_outcome(delivery: WebhookDelivery, outcome: WebhookAttempt) -> None:
    """Count the attempt and decide: delivered (any 2xx), retry later, or failed."""
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_response = (outcome.response_excerpt or outcome.error)[:EXCERPT]
    if outcome.status_code is not None and 200 <= outcome.status_code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.next_attempt_at = None
        delivery.completed_at = outcome.attempted_at
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.completed_at = outcome.attempted_at
    else:
        delivery.next_attempt_at = outcome.attempted_at + RETRY_DELAYS[delivery.attempts - 1]
        db.session.flush()
        enqueue_at(delivery.next_attempt_at, attempt, delivery.id)
    db.session.flush()


def deliver_due(now: datetime | None = None) -> int:
    """Publish events a lost job left, then attempt every due delivery of every workspace,
    each in its own workspace context and transaction. Returns how many were attempted."""
    publish_pending()
    now = now or utcnow()
    with hub_scope("webhooks: send the due deliveries", audit=False):
        rows = db.session.execute(
            select(WebhookDelivery.tenant_id, WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(500)
        ).all()
    db.session.commit()
    app = current_app._get_current_object()
    for tenant_id, delivery_id in rows:
        run_job(job_name(attempt), (delivery_id,), {}, tenant_id, app=app)
    return len(rows)
