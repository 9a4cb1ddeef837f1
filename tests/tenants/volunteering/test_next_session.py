"""Each opportunity's stored next session: kept when sessions are added, changed or removed,
refreshed once it has started, and never wrong in search even before that refresh."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import update

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import as_utc, london_to_utc, utcnow
from londonhub.tenants.volunteering.models import Opportunity, OpportunitySession
from londonhub.tenants.volunteering.operations import next_session, opportunities, sessions
from londonhub.tenants.volunteering.operations.search import Criteria, search_opportunities

from .conftest import future_day


def _stored(workspace, opportunity_id: int):
    with tenant_context(workspace.id):
        value = db.session.scalar(
            db.select(Opportunity.next_session_at).where(Opportunity.id == opportunity_id)
        )
    return None if value is None else as_utc(value)


def _at(days: int, hour: int = 10):
    return london_to_utc(future_day(days), time(hour))


def test_the_stored_next_session_follows_sessions_added_changed_and_removed(
    admin, hackney, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((9, 5), (4, 5)))
    assert _stored(hackney, opportunity_id) == _at(4)
    early = opportunities.list_sessions(hackney, opportunity_id)[0]
    assert as_utc(early.starts_at) == _at(4)
    sessions.update_session(admin, hackney, opportunity_id, early.id, _at(12), _at(12, 13), 5, "")
    db.session.commit()
    assert _stored(hackney, opportunity_id) == _at(9)
    later = [s.id for s in opportunities.list_sessions(hackney, opportunity_id)]
    for session_id in later:
        opportunities.remove_session(admin, hackney, opportunity_id, session_id)
    db.session.commit()
    assert _stored(hackney, opportunity_id) is None
    opportunities.add_session(admin, hackney, opportunity_id, _at(2), _at(2, 12), 3)
    db.session.commit()
    assert _stored(hackney, opportunity_id) == _at(2)


def test_search_is_right_before_a_started_session_is_refreshed_and_the_sweep_refreshes_it(
    hackney, make_opportunity
) -> None:
    soon = make_opportunity(title="Soon", sessions=((3, 5), (20, 5)))
    later = make_opportunity(title="Later", sessions=((10, 5),))
    # Time passes: "Soon"'s first session starts, and its stored value is now behind.
    started = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    first = opportunities.list_sessions(hackney, soon)[0].id
    with tenant_context(hackney.id):
        db.session.execute(
            update(OpportunitySession)
            .where(OpportunitySession.id == first)
            .values(starts_at=started, ends_at=started + timedelta(hours=3))
        )
        db.session.execute(
            update(Opportunity).where(Opportunity.id == soon).values(next_session_at=started)
        )
        db.session.commit()
    page = search_opportunities(Criteria())
    assert [r.opportunity.title for r in page.results] == ["Later", "Soon"]
    assert [as_utc(r.next_session) for r in page.results] == [_at(10), _at(20)]

    assert next_session.refresh_stale() == 1
    db.session.commit()  # in-process jobs run once the transaction commits
    assert _stored(hackney, soon) == _at(20)
    assert _stored(hackney, later) == _at(10)
    assert next_session.refresh_stale() == 0
