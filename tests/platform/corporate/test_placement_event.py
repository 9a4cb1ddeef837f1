"""A confirmed corporate placement is announced (core.events) to the workspace that placed
the employee, once, with its share in pence; no other workspace hears of it."""

from __future__ import annotations

from tests.integrations.webhooks.outbox import emitted

from . import test_placements

listings = test_placements.listings  # the fixture: opportunities in three boroughs
confirm_as_hackney = test_placements.confirm_as_hackney
only_placement = test_placements.only_placement


def test_a_confirmed_placement_is_announced_to_the_placing_workspace_only(
    employee,
    listings,
    signed_in,
    boroughs,
):
    employee("zoe@acme.example.com", "hackney")
    zoe = signed_in("zoe@acme.example.com")
    zoe.post("/corporate/me/choose", data={"opportunity": f"hackney:{listings['food']}"})
    placement_id = only_placement().id
    assert emitted(boroughs["hackney"], "placement.confirmed") == []  # waiting, not placed
    confirm_as_hackney(signed_in, placement_id)
    confirm_as_hackney(signed_in, placement_id)  # the second is refused: no second event
    (event,) = emitted(boroughs["hackney"], "placement.confirmed")
    data = event["data"]
    assert (data["placement_id"], data["company"], data["workspace_share_pence"]) == (
        placement_id,
        "Acme Ltd",
        10000,
    )
    assert data["opportunity"] == {"id": listings["food"], "title": "Food bank team"}
    assert data["confirmed_at"].endswith("Z")
    assert "zoe@acme.example.com" not in str(event)
    for other in ("islington", "bromley"):
        assert emitted(boroughs[other], "placement.confirmed") == []
