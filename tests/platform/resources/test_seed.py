"""`seed demo` fills the pool: at least 40 plausible resources across every type and topic,
some quality-checked (a few lapsed), some listed by other boroughs with a note; once only."""

from __future__ import annotations

from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.seed import seed_demo
from londonhub.platform.core.tenancy import hub_scope
from londonhub.platform.resources import pool
from londonhub.platform.resources.models import (
    RESOURCE_TYPES,
    TOPICS,
    Resource,
    ResourceAdoption,
    ReviewState,
    unpack_topics,
)


def test_seed_publishes_forty_varied_resources_once(app) -> None:
    seed_demo()
    db.session.commit()
    resources = list(db.session.scalars(select(Resource)))
    assert len(resources) >= 40 and all(r.is_published for r in resources)
    assert {r.resource_type for r in resources} == set(RESOURCE_TYPES)
    assert {t for r in resources for t in unpack_topics(r.topics)} == set(TOPICS)
    assert len({r.owner_workspace_id for r in resources}) >= 20
    assert sum(r.is_quality_checked for r in resources) >= 10
    assert sum(r.check_expired for r in resources) >= 2
    assert any(r.review_state == ReviewState.IN_REVIEW for r in resources)
    with hub_scope("test: counting demo adoptions"):
        adoptions = list(db.session.scalars(select(ResourceAdoption)))
    assert len(adoptions) >= 3 and any(a.local_note for a in adoptions)
    assert pool.search(pool.Criteria(q="safeguarding policy")).entries

    seed_demo()
    db.session.commit()
    assert db.session.scalar(select(func.count(Resource.id))) == len(resources)
