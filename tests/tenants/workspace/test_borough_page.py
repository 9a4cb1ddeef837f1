"""Issue 10, items 11 and 12 on the workspace side: the borough page says where the workspace
is (with a map link, no outside scripts) and when it is open; the workspace sets how far ahead
its rooms can be booked."""

from __future__ import annotations

import pytest

from .helpers import ALPHA_OWNER, fresh_workspace
from .test_profile import profile


def test_address_opening_hours_and_map_link_on_the_borough_page(client, auth, team) -> None:
    auth.login(ALPHA_OWNER)
    answer = client.post(
        "/b/alpha/admin/profile",
        data=profile(
            address="12 Mare Street, Hackney",
            postcode="e8 1dy",
            opening_hours="Monday to Friday, 9:30 to 17:00\nClosed on bank holidays",
            booking_horizon_days="92",
        ),
    )
    assert answer.status_code == 302
    stored = fresh_workspace("alpha")
    assert (stored.address, stored.postcode) == ("12 Mare Street, Hackney", "E8 1DY")
    assert stored.booking_horizon_days == 92
    page = client.get("/b/alpha/").get_data(as_text=True)
    assert "12 Mare Street, Hackney" in page and "E8 1DY" in page
    assert (
        'href="https://www.openstreetmap.org/search?query=12+Mare+Street%2C+Hackney%2C+E8+1DY"'
        in page
    )
    assert "<h2>Opening hours</h2>" in page
    assert "Monday to Friday, 9:30 to 17:00" in page and "Closed on bank holidays" in page
    assert "<script" not in page and "<iframe" not in page  # a link, nothing loaded


def test_without_an_address_there_is_no_map_link(client, team) -> None:
    page = client.get("/b/alpha/").get_data(as_text=True)
    assert "openstreetmap" not in page
    assert "Opening hours" not in page


@pytest.mark.parametrize("days", ["0", "5000", "ten"])
def test_booking_horizon_must_be_one_of_the_choices(client, auth, team, days) -> None:
    auth.login(ALPHA_OWNER)
    answer = client.post("/b/alpha/admin/profile", data=profile(booking_horizon_days=days))
    assert answer.status_code == 400
    assert fresh_workspace("alpha").booking_horizon_days == 365
