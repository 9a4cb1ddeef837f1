"""Each opportunity's next session, stored (`Opportunity.next_session_at`) so that London-wide
search sorts by a column instead of working out every match's next session per request (at
20,000 opportunities that was most of a search's time).

Kept by `refresh` whenever a session is added, changed or removed, and when the stored session
starts: a job scheduled for that moment (RQ's scheduler), or `flask volunteering
refresh-next-sessions` without Redis. Between the start and the refresh, the search's
`listing_key` works the value out afresh for that opportunity, so results are never wrong,
only slower for the few stale rows. None means no session ahead: every write of sessions goes
through `refresh` (the operations, the demo seed), and the migration that added the column
filled it in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update

from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, enqueue_at, job
from londonhub.platform.core.tenancy import Workspace, current_tenant_id, hub_scope, tenant_context
from londonhub.platform.core.timeutil import as_utc, utcnow

from ..models import Opportunity, OpportunitySession


def _first_future(now: datetime):
    return (
        select(func.min(OpportunitySession.starts_at))
        .where(
            OpportunitySession.tenant_id == Opportunity.tenant_id,
            OpportunitySession.opportunity_id == Opportunity.id,
            OpportunitySession.starts_at > now,
        )
        .correlate(Opportunity)
        .scalar_subquery()
    )


def listing_key(now: datetime):
    """The next session's start, for search: the stored value while it is still ahead (or
    None: no session ahead), worked out afresh for a row whose stored session has started."""
    return case(
        (Opportunity.next_session_at.is_(None), None),
        (Opportunity.next_session_at > now, Opportunity.next_session_at),
        else_=_first_future(now),
    )


def refresh(workspace: Workspace, opportunity_id: int) -> datetime | None:
    """Store the opportunity's next session after its sessions changed (flushes), and have it
    refreshed again when that session starts."""
    now = utcnow()
    with tenant_context(workspace.id):
        db.session.flush()
        db.session.execute(
            update(Opportunity)
            .where(Opportunity.tenant_id == workspace.id, Opportunity.id == opportunity_id)
            .values(next_session_at=_first_future(now))
            .execution_options(synchronize_session=False)
        )
        stored = db.session.scalar(
            select(Opportunity.next_session_at).where(
                Opportunity.tenant_id == workspace.id, Opportunity.id == opportunity_id
            )
        )
        if stored is not None:
            enqueue_at(as_utc(stored), refresh_job, opportunity_id)
    return stored


@job
def refresh_job(opportunity_id: int) -> str:
    """Runs in the opportunity's workspace (jobs carry it)."""
    workspace = db.session.get(Workspace, current_tenant_id())
    stored = refresh(workspace, opportunity_id)
    db.session.commit()
    return f"next session of {opportunity_id}: {stored}"


def refresh_stale() -> int:
    """Queue a refresh for every opportunity whose stored next session has started (the sweep
    for running without a scheduler). Returns how many."""
    now = utcnow()
    with hub_scope("refreshing opportunities' next sessions", audit=False):
        stale = db.session.execute(
            select(Opportunity.tenant_id, Opportunity.id).where(
                Opportunity.next_session_at.is_not(None), Opportunity.next_session_at <= now
            )
        ).all()
    for tenant_id, opportunity_id in stale:
        with tenant_context(tenant_id):
            enqueue(refresh_job, opportunity_id)
    return len(stale)
