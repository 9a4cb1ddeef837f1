"""Billing's background jobs: processing Stripe events, lapsing unpaid orders."""

from __future__ import annotations

from flask import g

from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, job

from . import services
from .models import StripeEventStatus


@job
def process_stripe_event(event_id: str, base_url: str | None = None) -> str:
    """Apply a stored event; on failure record why (for the hub) and raise so RQ retries.

    `base_url` is the site's address as the webhook was called, for links in receipts (a
    worker has no request to take it from)."""
    if base_url:
        g.billing_base_url = base_url
    try:
        return services.process_event(event_id)
    except Exception as exc:
        db.session.rollback()
        event = db.session.get(services.StripeEvent, event_id)
        if event is not None:
            event.status = StripeEventStatus.FAILED
            event.attempts += 1
            event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            db.session.commit()
        raise


@job
def expire_due_orders() -> int:
    done = 0
    for order_id, tenant_id in services.due_unpaid_orders():
        enqueue(expire_order, order_id, tenant_id)
        done += 1
    return done


@job
def expire_order(order_id: int, tenant_id: int) -> str:
    return services.expire_order(order_id, tenant_id)
