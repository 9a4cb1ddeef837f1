"""Group coordinators in the isolation walk: the coordinator of one local group in workspace A
reaches nothing of workspace B, and none of A's own admin pages (they are not A's members):
every volunteering route walked as them, aimed at B's ids and then at A's other group."""

from __future__ import annotations

from dataclasses import replace

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.volunteering.models import GroupCoordinator, LocalGroup

from .matrix import ROLES, World, sign_in, walk


@pytest.fixture
def coordinator(world, make_user) -> str:
    """Fola coordinates A's second group, Alpha Allotment (accepted), and nothing else."""
    fola = make_user("fola@allotment.example.org", name="Fola Coordinator")
    with tenant_context(world.a.workspace.id):
        allotment = LocalGroup(name="Alpha Allotment", kind="unincorporated", listed_publicly=True)
        db.session.add(allotment)
        db.session.flush()
        db.session.add(
            GroupCoordinator(
                group_id=allotment.id, email=fola.email, user_id=fola.id, accepted_at=utcnow()
            )
        )
        db.session.commit()
    return fola.email


def _as(side, email: str):
    return replace(side, users=dict.fromkeys(ROLES, email))


def test_a_group_coordinator_reaches_nothing_of_another_workspace(
    app, world, coordinator, snapshot_url
) -> None:
    result = walk(app, World(a=_as(world.a, coordinator), b=world.b), snapshot_url, "volunteering")
    assert result.routes >= 20 and result.unfilled == []
    assert [str(case) for case in result.failures] == []


def test_a_group_coordinator_reaches_none_of_their_workspaces_other_volunteering(
    app, world, coordinator, snapshot_url
) -> None:
    # Aimed at A itself: A's admin pages, and the coordinator pages with the ids of A's other
    # group (its opportunity, session, response, hours), must all refuse Fola.
    own = _as(world.a, coordinator)
    for only in ("volunteering_admin", "volunteering_coordinate"):
        result = walk(app, World(a=own, b=world.a), snapshot_url, only)
        # The coordinator's own index and "add an opportunity" form are theirs to use (they
        # carry no ids of A's other group; a group id in the form that is not theirs is refused,
        # tests/tenants/volunteering/test_coordinators.py).
        own_pages = {"volunteering_coordinate.index", "volunteering_coordinate.new_opportunity"}
        failures = [c for c in result.failures if c.endpoint not in own_pages]
        refused = [str(c) for c in failures if "expected one of" in c.problem]
        changed = [str(c) for c in failures if "database changed" in c.problem]
        assert result.routes >= 3 and refused == [] and changed == [], only
    client, _ = sign_in(app, coordinator)
    page = client.get(f"/b/{world.a.workspace.slug}/coordinate/").get_data(as_text=True)
    assert "Alpha Allotment" in page and "Alpha warehouse helper" not in page
