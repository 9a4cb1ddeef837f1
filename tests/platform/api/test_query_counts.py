"""Queries per request stay the same as the data grows, for every list the API has."""

from __future__ import annotations

from londonhub.platform.core.extensions import db
from londonhub.platform.core.workspaces import create_workspace
from londonhub.tenants.rooms import services as rooms
from tests.tenants.rooms.conftest import room_values

from .conftest import add_hours, bearer

LISTS = [
    "/api/v1/workspaces",
    "/api/v1/rooms",
    "/api/v1/opportunities",
    "/api/v1/associates",
    "/api/v1/resources",
    "/api/v1/workspaces/hackney/bookings",
    "/api/v1/workspaces/hackney/orders",
    "/api/v1/workspaces/hackney/volunteers",
    "/api/v1/workspaces/hackney/hours",
]


def _counts(client, token: str, count_queries: list[str]) -> dict[str, tuple[int, int]]:
    """(queries, items) per list; the token's last use is already recorded (a write at most
    once a minute), so every request is measured the same way."""
    client.get(LISTS[0], headers=bearer(token))
    counts = {}
    for path in LISTS:
        count_queries.clear()
        response = client.get(f"{path}?limit=100", headers=bearer(token))
        assert response.status_code == 200, (path, response.get_json())
        counts[path] = (len(count_queries), len(response.get_json()["data"]))
    return counts


def test_queries_per_list_do_not_grow_with_the_data(
    client, app, api_world, hours_world, make_user, count_queries
):
    before = _counts(client, api_world.read, count_queries)
    with app.test_request_context():
        for n in range(4):
            create_workspace(f"more-{n}", f"More {n} CVS")
            rooms.save_room(api_world.hackney_admin, api_world.hackney, room_values(name=f"R{n}"))
        for n in range(2):
            add_hours(make_user, api_world.hackney, api_world.hackney_admin, f"more{n}@h.org")
        db.session.commit()
    after = _counts(client, api_world.read, count_queries)
    grown = [p for p in LISTS if after[p][1] > before[p][1]]
    assert set(grown) >= {LISTS[0], LISTS[1], LISTS[2], LISTS[7], LISTS[8]}
    assert {p: q for p, (q, _) in after.items()} == {p: q for p, (q, _) in before.items()}
    print("\nqueries per list request:", {p: q for p, (q, _) in after.items()})
