"""The shared lists: every London borough has its neighbours, and bordering is mutual."""

from __future__ import annotations

from londonhub.platform.core.seed import LONDON_WORKSPACES
from londonhub.tenants.volunteering.vocab import NEIGHBOURS, boroughs_near, pack, unpack


def test_every_one_of_the_33_boroughs_has_neighbours_and_only_real_ones() -> None:
    slugs = {slug for slug, *_ in LONDON_WORKSPACES}
    assert len(slugs) == 33
    assert set(NEIGHBOURS) == slugs
    for slug, others in NEIGHBOURS.items():
        assert others and others <= slugs and slug not in others


def test_bordering_is_mutual_and_matches_the_map() -> None:
    for slug, others in NEIGHBOURS.items():
        for other in others:
            assert slug in NEIGHBOURS[other], f"{slug} borders {other} but not back"
    assert NEIGHBOURS["hackney"] == {
        "city-of-london",
        "haringey",
        "islington",
        "newham",
        "tower-hamlets",
        "waltham-forest",
    }
    assert "bromley" not in NEIGHBOURS["hackney"]
    assert boroughs_near("sutton", include_neighbours=False) == ["sutton"]
    assert boroughs_near("sutton", include_neighbours=True) == [
        "sutton",
        "croydon",
        "kingston-upon-thames",
        "merton",
    ]


def test_lists_pack_into_one_searchable_column() -> None:
    assert pack(["cooking", "admin", "cooking", ""]) == ",admin,cooking,"
    assert pack([]) == ""
    assert unpack(",admin,cooking,") == ["admin", "cooking"]
