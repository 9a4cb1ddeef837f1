"""Billing's background jobs, by the names they were queued under before the operations split.

The jobs themselves live in `operations.webhooks` (nothing in `operations` imports this
module, so there is no jobs <-> operations cycle). RQ stores a job by its dotted name, so
jobs queued (or scheduled hours ahead) under these older names still find a function here.
"""

from __future__ import annotations

from londonhub.platform.core.jobs import job

from .operations import webhooks


@job
def process_stripe_event(event_id: str, base_url: str | None = None) -> str:
    return webhooks.process_stripe_event(event_id, base_url)


@job
def expire_due_orders() -> int:
    return webhooks.expire_due_orders()


@job
def expire_order(order_id: int, tenant_id: int) -> str:
    return webhooks.expire_order(order_id, tenant_id)
