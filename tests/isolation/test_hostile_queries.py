"""No GET route answers 5xx to hostile query parameters (out-of-range numbers and dates,
garbage, very long strings), signed in as a workspace owner and as a hub admin."""

from __future__ import annotations

import time

from flask import Blueprint, request
from werkzeug.routing import IntegerConverter

from londonhub.platform.core.identity import Role

from .matrix import sign_in
from .own import own_values
from .query_walk import walk_queries

HUB_ADMIN = "hub-walker@example.org"


def test_no_get_route_answers_5xx_to_hostile_query_parameters(app, world, make_user):
    make_user(HUB_ADMIN, name="Hub Walker", hub_admin=True)
    owner = world.a.users[Role.OWNER]
    started = time.perf_counter()
    result = walk_queries(app, [owner, HUB_ADMIN], lambda email: own_values(world, email))
    elapsed = time.perf_counter() - started
    reading = {endpoint: sorted(names) for endpoint, names in result.read.items() if names}
    print(f"\nhostile-query walk: {result.requests} requests in {elapsed:.1f}s; read: {reading}")
    assert result.unfilled == [], (
        "routes the walk cannot fill in (add a filler in tests/isolation/matrix.py or own.py): "
        + ", ".join(result.unfilled)
    )
    # The walk saw the views read what they read (it is not sending into the void).
    assert {"page"} <= result.read["workspace_admin.audit_log"]
    assert {"week"} <= result.read["rooms_public.room"]
    assert {"date", "view", "room"} <= result.read["rooms_admin.calendar"]
    assert {"from", "to"} <= result.read["rooms_admin.export"]
    assert {"page", "date", "attendees"} <= result.read["rooms.search"]
    assert result.failures == [], f"{len(result.failures)} answers were 5xx:\n" + "\n".join(
        map(str, result.failures[:40])
    )


def test_the_walk_reports_a_view_that_fails_on_a_hostile_parameter(app, world):
    """The check can fail: a view that trusts its query parameter is reported."""
    fragile = Blueprint("fragile", __name__)

    @fragile.get("/fragile")
    def trusting():
        return ["first", "second"][int(request.args.get("index", "0"))]

    app.register_blueprint(fragile)
    owner = world.a.users[Role.OWNER]
    result = walk_queries(app, [owner], lambda email: own_values(world, email), only="fragile.")
    assert result.read["fragile.trusting"] == {"index"}
    failed = {failure.query.get("index") for failure in result.failures}
    assert {"99999999999999999999", "garbage<>\"'%;--"} <= failed
    assert "-1" not in failed


def test_the_reported_out_of_range_queries_answer_400_with_a_message_or_the_nearest_page(
    app, world, make_user
):
    make_user(HUB_ADMIN, name="Hub Walker", hub_admin=True)
    owner, _ = sign_in(app, world.a.users[Role.OWNER])
    hub, _ = sign_in(app, HUB_ADMIN)
    slug, room = world.a.workspace.slug, world.a.objects["Room"]
    huge = "99999999999999999999"
    dates = "must be a date from 1 January 2000 to 31 December 2100"
    cases = [
        (owner, f"/rooms?page={huge}", 200, "Rooms"),
        (owner, f"/b/{slug}/rooms/{room}?week=9999-12-27", 400, f"week {dates}"),
        (owner, f"/b/{slug}/rooms/{room}?week=0001-01-01", 400, f"week {dates}"),
        (owner, f"/b/{slug}/rooms/{room}?week=soon", 400, "week must be a date written like"),
        (owner, f"/b/{slug}/admin/audit?page={huge}", 200, "Audit"),
        (hub, f"/hub/audit?page={huge}", 200, "Audit"),
        (owner, f"/b/{slug}/admin/rooms/bookings.csv?from=9999-12-31", 400, f"from {dates}"),
        (owner, f"/b/{slug}/admin/rooms/calendar?date=0001-01-01", 400, f"date {dates}"),
        (owner, f"/b/{slug}/admin/rooms/calendar?view=week&date=0001-01-01", 400, "date must"),
        (owner, f"/b/{slug}/admin/rooms/calendar?room={huge}", 400, "room must be a whole number"),
        (owner, "/rooms?borough=%00", 400, "not allowed (NUL)"),
    ]
    for client, path, status, text in cases:
        response = client.get(path)
        assert (response.status_code, text in response.text) == (status, True), path


def test_ids_in_the_path_past_any_database_id_match_no_route(app, world):
    """Every route with an `<int:...>` part, given ids a 64-bit column cannot hold: 404."""
    client, _ = sign_in(app, world.a.users[Role.OWNER])
    values_for = own_values(world, world.a.users[Role.OWNER])
    walked = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not ints or "GET" not in (rule.methods or ()):
            continue
        values = values_for(rule)
        assert values is not None, rule.endpoint
        for huge in (2**63, 10**20):
            path = rule.build({**values, **dict.fromkeys(ints, huge)}, append_unknown=False)[1]
            assert client.get(path).status_code == 404, path
        walked.append(rule.endpoint)
    assert {"rooms_public.room", "billing.buyer_order", "rooms_public.photo"} <= set(walked)
