"""The calendar feed address a workspace admin copies starts with PUBLIC_URL, never the Host
the admin's request named."""

from __future__ import annotations

import pytest

from .conftest import ADMIN

PUBLIC = "https://hub.example.org"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["PUBLIC_URL"] = PUBLIC
    return app_config


def test_feed_address_on_the_room_admin_page_uses_public_url(client, auth, make_room):
    room = make_room()
    auth.login(ADMIN)
    page = client.get(f"/b/hackney/admin/rooms/{room.id}").get_data(as_text=True)
    assert f"{PUBLIC}/b/hackney/rooms/{room.id}/feed/{room.feed_token}.ics" in page
    assert "http://localhost/" not in page
