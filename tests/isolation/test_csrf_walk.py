"""Every state-changing route refuses a request without a CSRF token, and changes nothing."""

from __future__ import annotations

from flask import Blueprint

from londonhub.platform.core.extensions import csrf, db
from londonhub.platform.core.identity import Membership

from .csrf_walk import EXEMPT, make_walker, walk_csrf


def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(
    app, world, make_user, snapshot_url
):
    walker = make_walker(world, make_user)
    result = walk_csrf(app, world, walker, snapshot_url)
    print(f"\nCSRF walk: {len(result.walked)} routes, {result.cases} requests without a token")
    assert result.unfilled == [], (
        "routes the CSRF walk cannot fill in (add a filler in tests/isolation/matrix.py): "
        + ", ".join(result.unfilled)
    )
    assert "workspace_admin.remove_member" in result.walked
    assert "auth.logout" in result.walked
    assert len(result.walked) >= 30
    assert result.failures == [], "\n".join(map(str, result.failures))


def test_every_csrf_exemption_names_a_real_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(EXEMPT) <= endpoints, f"stale exemptions: {set(EXEMPT) - endpoints}"


def test_csrf_walk_reports_a_route_exempted_by_mistake(app, world, make_user, snapshot_url):
    """The walk can fail: an exempt route that changes data is reported, by status and by
    the database change."""
    careless = Blueprint("careless", __name__)

    @careless.post("/careless/<int:membership_id>/remove")
    @csrf.exempt
    def remove(membership_id: int):
        db.session.delete(db.session.get(Membership, membership_id))
        db.session.commit()
        return "removed"

    app.register_blueprint(careless)
    walker = make_walker(world, make_user)
    result = walk_csrf(app, world, walker, snapshot_url, only="careless.")
    assert result.walked == ["careless.remove"]
    problems = sorted(case.problem for case in result.failures)
    assert problems == ["database changed: membership", "expected the CSRF refusal (400)"]
