from __future__ import annotations

import pytest

from .matrix import World, build_side


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["WTF_CSRF_ENABLED"] = True
    app_config["OUTBOUND_ALLOW_LOOPBACK"] = True  # the matrix's partner "provider" is 127.0.0.1:9
    return app_config


@pytest.fixture
def world(app, make_user) -> World:
    return World(a=build_side("alpha", make_user), b=build_side("beta", make_user))


@pytest.fixture
def snapshot_url(database_urls: dict) -> str:
    return database_urls["superuser"]
