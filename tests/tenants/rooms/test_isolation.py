"""The cross-tenant matrix, on the rooms routes alone (the full matrix covers them too)."""

from __future__ import annotations

import pytest

from tests.isolation.matrix import World, build_side, walk


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture(autouse=True)
def request_context():  # no pushed request here: the matrix signs in by client
    yield


def test_rooms_routes_refuse_another_workspace(app, make_user, database_urls) -> None:
    world = World(a=build_side("alpha", make_user), b=build_side("beta", make_user))
    result = walk(app, world, database_urls["superuser"], only="rooms")
    assert result.unfilled == []
    assert result.routes >= 7
    assert result.failures == [], "\n".join(map(str, result.failures))
