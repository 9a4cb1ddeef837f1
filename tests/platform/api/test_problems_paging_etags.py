"""The API's common behaviour: problem details for every error, cursor paging, ETags, and the
rate limit."""

from __future__ import annotations

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.workspaces import create_workspace

from .conftest import bearer

PROBLEM = "application/problem+json"


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"] == "about:blank"
    return body


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v2/workspaces", 404),
        ("GET", "/api/v1/workspaces/no-such-borough", 404),
        ("DELETE", "/api/v1/workspaces", 405),
        ("POST", "/api/v1/rooms", 405),
        ("OPTIONS", "/api/v1/rooms", 405),
        ("GET", "/api/v1/workspaces?limit=0", 400),
        ("GET", "/api/v1/workspaces?limit=abc", 400),
        ("GET", "/api/v1/rooms?borough=NOT%20A%20SLUG", 400),
        ("GET", "/api/v1/rooms?capacity=-1", 400),
        ("GET", "/api/v1/workspaces?cursor=forged", 400),
        ("GET", "/api/v1/workspaces?q=%00", 400),
    ],
)
def test_every_error_is_a_problem_never_html(client, api_world, method, path, status):
    body = _is_problem(client.open(path, method=method), status)
    assert body["instance"] == path.split("?")[0]


def test_a_method_not_allowed_names_the_allowed_ones(client, api_world):
    response = client.delete("/api/v1/workspaces")
    _is_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_bad_parameters_name_each_field(client, api_world):
    body = _is_problem(client.get("/api/v1/rooms?limit=500&capacity=x"), 400)
    assert {e["name"] for e in body["errors"]} == {"limit", "capacity"}


def test_a_window_must_end_after_it_starts_and_be_at_most_31_days(client, api_world):
    room = f"/api/v1/workspaces/hackney/rooms/{api_world.hackney_room}/availability"
    _is_problem(client.get(f"{room}?start=2027-03-10&end=2027-03-09"), 400)
    _is_problem(client.get(f"{room}?start=2027-03-01&end=2027-04-10"), 400)
    _is_problem(client.get(f"{room}?start=1700000000&end=2027-03-02"), 400)
    ok = client.get(f"{room}?start=2027-03-01&end=2027-03-07")
    assert ok.status_code == 200
    assert [d["date"] for d in ok.get_json()["days"]][0] == "2027-03-01"
    assert len(ok.get_json()["days"]) == 7


def test_another_workspaces_room_is_not_found_under_this_one(client, api_world):
    path = f"/api/v1/workspaces/hackney/rooms/{api_world.camden_room}/availability"
    _is_problem(client.get(f"{path}?start=2027-03-01&end=2027-03-02"), 404)


def test_site_pages_keep_their_html_error_pages(client, api_world):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_cursor_paging_walks_every_item_once(client, api_world, app):
    for n in range(5):
        create_workspace(f"borough-{n}", f"Borough {n} CVS")
    db.session.commit()
    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/workspaces?{query}").get_json()
        seen += [w["slug"] for w in page["data"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7
    assert pages == 4


def test_a_cursor_works_only_on_its_own_list_and_filters(client, api_world):
    first = client.get("/api/v1/rooms?limit=1").get_json()
    cursor = first["next_cursor"]
    assert cursor
    assert client.get(f"/api/v1/rooms?limit=1&cursor={cursor}").status_code == 200
    _is_problem(client.get(f"/api/v1/workspaces?limit=1&cursor={cursor}"), 400)
    _is_problem(client.get(f"/api/v1/rooms?limit=1&capacity=5&cursor={cursor}"), 400)
    _is_problem(client.get(f"/api/v1/rooms?limit=1&cursor={cursor[:-2]}xx"), 400)


def test_an_unchanged_answer_is_304_with_its_etag(client, api_world):
    first = client.get("/api/v1/workspaces/hackney")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/workspaces/hackney", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    api_world.hackney.description = "Changed"
    db.session.commit()
    changed = client.get("/api/v1/workspaces/hackney", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_anonymous_clients_are_limited_per_address_with_retry_after(client, api_world, app):
    app.config["API_ANONYMOUS_PER_MINUTE"] = 3
    assert [client.get("/api/v1/rooms").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/rooms")
    _is_problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = client.get("/api/v1/rooms", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_tokens_are_limited_per_token(client, api_world, app):
    app.config["API_TOKEN_PER_MINUTE"] = 2
    path = "/api/v1/rooms"
    assert client.get(path, headers=bearer(api_world.read)).status_code == 200
    assert client.get(path, headers=bearer(api_world.read)).status_code == 200
    refused = client.get(path, headers=bearer(api_world.read))
    _is_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    # Another token has its own allowance.
    assert client.get(path, headers=bearer(api_world.write)).status_code == 200


def test_the_document_is_openapi_3_1_and_lists_every_operation(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    operations = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }
    routes = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api_v1.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {op.replace("{", "<").replace("}", ">") for op in operations}
    assert {r.replace("<int:", "<") for r in routes} == documented


def test_a_window_defaults_to_the_week_from_today(client, api_world):
    from londonhub.platform.core.timeutil import london_today

    room = f"/api/v1/workspaces/hackney/rooms/{api_world.hackney_room}/availability"
    days = client.get(room).get_json()["days"]
    assert [d["date"] for d in days][0] == london_today().isoformat()
    assert len(days) == 7


def test_the_database_away_is_a_503_problem(client, api_world, monkeypatch):
    from sqlalchemy import exc as sa_exc

    from londonhub.platform.api import public

    def away(*_args, **_kwargs):
        raise sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(public, "_workspaces_after", away)
    body = _is_problem(client.get("/api/v1/workspaces"), 503)
    assert "unavailable" in body["detail"]
