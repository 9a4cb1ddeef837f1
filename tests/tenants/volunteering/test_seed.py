"""Demo volunteering: at least three groups and opportunities with sessions in every borough;
seeding again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.seed import seed_demo
from londonhub.platform.core.tenancy import Workspace, hub_scope
from londonhub.tenants.volunteering.models import LocalGroup, Opportunity, OpportunitySession
from londonhub.tenants.volunteering.operations.search import Criteria, search_opportunities


def _per_workspace(model) -> dict[str, int]:
    with hub_scope("test: counting demo rows"):
        rows = db.session.execute(
            select(Workspace.slug, func.count(model.id))
            .join(model, model.tenant_id == Workspace.id)
            .group_by(Workspace.slug)
        )
        return dict(rows.all())


def test_seed_gives_every_borough_groups_opportunities_and_sessions_once(app) -> None:
    seed_demo()
    db.session.commit()
    groups = _per_workspace(LocalGroup)
    offers = _per_workspace(Opportunity)
    sessions = _per_workspace(OpportunitySession)
    assert len(groups) == 33 and min(groups.values()) >= 3
    assert len(offers) == 33 and min(offers.values()) >= 3
    assert len(sessions) == 33 and min(sessions.values()) >= 2
    seed_demo()
    db.session.commit()
    assert _per_workspace(LocalGroup) == groups
    assert _per_workspace(OpportunitySession) == sessions
    near = search_opportunities(Criteria(borough="hackney", neighbours=True, page=1))
    assert {r.borough for r in near.results} >= {"Hackney", "Islington"}


def test_seed_gives_a_handful_of_volunteers_places_and_verified_hours_once(app) -> None:
    from londonhub.platform.core.identity import get_user_by_email
    from londonhub.tenants.volunteering.models import VolunteerHours, VolunteerResponse
    from londonhub.tenants.volunteering.operations import hours, signups

    seed_demo()
    db.session.commit()
    priya = get_user_by_email("priya.volunteer@example.org")
    assert hours.verified_minutes(priya) == 510
    mine = {(r.workspace_slug, r.response.status.value) for r in signups.my_responses(priya)}
    assert mine == {("camden", "accepted"), ("islington", "interested")}
    counts = (_per_workspace(VolunteerResponse), _per_workspace(VolunteerHours))
    taken = _per_workspace(OpportunitySession)
    seed_demo()
    db.session.commit()
    assert (_per_workspace(VolunteerResponse), _per_workspace(VolunteerHours)) == counts
    assert _per_workspace(OpportunitySession) == taken
    assert hours.verified_minutes(priya) == 510
