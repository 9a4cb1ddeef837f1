"""Branded answers everywhere, forgiving addresses, words people use, plausible demo data
(issue 10, item 6)."""

from __future__ import annotations

import pytest

from londonhub.platform.brand import describe_minutes, describe_minutes_range
from londonhub.platform.core.seed import DEMO_ADDRESSES, LONDON_WORKSPACES

WERKZEUG_404 = "The requested URL was not found on the server"
WERKZEUG_405 = "The method is not allowed for the requested URL"


@pytest.mark.parametrize(
    ("method", "path", "status", "stock"),
    [
        ("get", "/static/brand/no-such-file.css", 404, WERKZEUG_404),
        ("get", "/static/nothing-here", 404, WERKZEUG_404),
        ("get", "/no/such/page", 404, WERKZEUG_404),
        ("post", "/", 405, WERKZEUG_405),
        ("post", "/rooms", 405, WERKZEUG_405),
    ],
)
def test_every_error_is_a_branded_page_in_our_words(client, method, path, status, stock) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Connecting Londoners" in response.text
    assert stock not in response.text
    assert "<h1>" in response.text


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/rooms/book", "/rooms"),
        ("/logout", "/"),
        ("/b/hackney/admin/members/invite", "/b/hackney/admin/members"),
        ("/b/hackney/admin/rooms/blockouts", "/b/hackney/admin/rooms/"),
    ],
)
def test_opening_a_post_only_address_goes_to_the_page_above_it(
    client, make_workspace, path, target
) -> None:
    """Issue 10, item 7: a bookmarked or pasted form address is not a dead end (405)."""
    make_workspace("hackney", "Hackney CVS")
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].removeprefix("http://localhost") == target


def test_missing_logo_is_a_branded_404(client, make_workspace) -> None:
    make_workspace("hackney", "Hackney CVS")
    response = client.get("/b/hackney/logo")
    assert response.status_code == 404
    assert WERKZEUG_404 not in response.text


def test_workspace_address_in_capitals_redirects_to_lower_case(client, make_workspace) -> None:
    make_workspace("hackney", "Hackney CVS")
    response = client.get("/b/HACKNEY/")
    assert response.status_code == 301
    assert response.headers["Location"] == "/b/hackney/"
    deeper = client.get("/b/Hackney/rooms/12?week=2026-12-07")
    assert deeper.headers["Location"] == "/b/hackney/rooms/12?week=2026-12-07"
    assert client.get("/b/NOWHERE/", follow_redirects=True).status_code == 404


def test_lengths_of_time_read_as_people_say_them() -> None:
    assert describe_minutes_range(60, 600) == "1 to 10 hours"
    assert describe_minutes_range(30, 120) == "30 minutes to 2 hours"
    assert describe_minutes_range(90, 90) == "1 hour 30 minutes"
    assert describe_minutes(15) == "15 minutes"
    assert describe_minutes(60) == "1 hour"


#: Postcode districts in each borough (a district may cross a boundary; these lie inside).
BOROUGH_DISTRICTS = {
    "barking-and-dagenham": {"IG11", "RM8", "RM9", "RM10"},
    "barnet": {"EN4", "EN5", "N2", "N3", "N11", "N12", "N20", "NW4", "NW7", "NW9", "NW11"},
    "bexley": {"DA5", "DA6", "DA7", "DA14", "DA15", "DA16", "DA17", "DA18", "SE2"},
    "brent": {"HA0", "HA9", "NW2", "NW10", "NW6"},
    "bromley": {"BR1", "BR2", "BR3", "BR4", "BR5", "BR6", "BR7"},
    "camden": {"NW1", "NW3", "NW5", "WC1H", "WC1N", "WC1X"},
    "city-of-london": {"EC1A", "EC1Y", "EC2V", "EC2Y", "EC3V", "EC4M", "EC4V"},
    "croydon": {"CR0", "CR2", "CR7", "SE25"},
    "ealing": {"W5", "W7", "W13", "UB1", "UB2", "UB5", "UB6"},
    "enfield": {"EN1", "EN2", "EN3", "N9", "N13", "N18", "N21"},
    "greenwich": {"SE3", "SE7", "SE9", "SE10", "SE18", "SE28"},
    "hackney": {"E2", "E5", "E8", "E9", "N16"},
    "hammersmith-and-fulham": {"W6", "W12", "W14", "SW6"},
    "haringey": {"N8", "N15", "N17", "N22"},
    "harrow": {"HA1", "HA2", "HA3", "HA5"},
    "havering": {"RM1", "RM2", "RM3", "RM7", "RM11", "RM12", "RM14"},
    "hillingdon": {"UB3", "UB4", "UB7", "UB8", "UB10", "HA4"},
    "hounslow": {"TW3", "TW4", "TW5", "TW7", "TW8", "W4"},
    "islington": {"N1", "N5", "N7", "N19", "EC1V"},
    "kensington-and-chelsea": {"W8", "W10", "W11", "SW3", "SW5", "SW7", "SW10"},
    "kingston-upon-thames": {"KT1", "KT2", "KT3", "KT5", "KT6", "KT9"},
    "lambeth": {"SE11", "SE27", "SW2", "SW4", "SW8", "SW9", "SW16"},
    "lewisham": {"SE4", "SE6", "SE8", "SE12", "SE13", "SE14", "SE23", "SE26"},
    "merton": {"SM4", "SW19", "SW20", "CR4"},
    "newham": {"E6", "E7", "E12", "E13", "E15", "E16"},
    "redbridge": {"IG1", "IG2", "IG3", "IG4", "IG5", "IG6", "IG8", "E11", "E18"},
    "richmond-upon-thames": {"TW1", "TW2", "TW9", "TW10", "TW11", "TW12", "SW13", "SW14"},
    "southwark": {"SE1", "SE5", "SE15", "SE16", "SE17", "SE21", "SE22"},
    "sutton": {"SM1", "SM2", "SM3", "SM5", "SM6"},
    "tower-hamlets": {"E1", "E1W", "E3", "E14"},
    "waltham-forest": {"E4", "E10", "E17"},
    "wandsworth": {"SW11", "SW12", "SW15", "SW17", "SW18"},
    "westminster": {"W1U", "W1D", "W1J", "W2", "W9", "SW1P", "SW1E", "NW8", "WC2N"},
}


def test_demo_addresses_lie_in_their_boroughs() -> None:
    assert set(DEMO_ADDRESSES) == {slug for slug, *_ in LONDON_WORKSPACES}
    for slug, (_street, _town, postcode) in DEMO_ADDRESSES.items():
        district = postcode.split()[0]
        assert district in BOROUGH_DISTRICTS[slug], f"{slug}: {postcode}"


def test_seeded_rooms_use_their_boroughs_address(app) -> None:
    from sqlalchemy import select

    from londonhub.platform.core.extensions import db
    from londonhub.platform.core.seed import seed_demo
    from londonhub.platform.core.tenancy import get_workspace_by_slug, tenant_context
    from londonhub.tenants.rooms.models import Room

    seed_demo()
    db.session.commit()
    hackney = get_workspace_by_slug("hackney")
    with tenant_context(hackney.id):
        postcodes = set(db.session.scalars(select(Room.postcode)))
    assert postcodes == {"E8 3SG"}
