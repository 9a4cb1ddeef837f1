"""London's 33 local authority areas as a tile map: each borough a square in roughly its place,
west to east and north to south, after the well-known "London squared" layout (7 columns,
7 rows). Positions are 1-based grid lines; listing them row by row gives a screen reader the
boroughs from north to south, each row from west to east."""

from __future__ import annotations

#: slug -> (row, column)
TILES: dict[str, tuple[int, int]] = {
    "enfield": (1, 4),
    "harrow": (2, 2),
    "barnet": (2, 3),
    "haringey": (2, 4),
    "waltham-forest": (2, 5),
    "hillingdon": (3, 1),
    "brent": (3, 2),
    "camden": (3, 3),
    "islington": (3, 4),
    "hackney": (3, 5),
    "redbridge": (3, 6),
    "havering": (3, 7),
    "ealing": (4, 1),
    "hammersmith-and-fulham": (4, 2),
    "westminster": (4, 3),
    "city-of-london": (4, 4),
    "tower-hamlets": (4, 5),
    "newham": (4, 6),
    "barking-and-dagenham": (4, 7),
    "hounslow": (5, 1),
    "kensington-and-chelsea": (5, 2),
    "lambeth": (5, 3),
    "southwark": (5, 4),
    "lewisham": (5, 5),
    "greenwich": (5, 6),
    "bexley": (5, 7),
    "richmond-upon-thames": (6, 1),
    "wandsworth": (6, 2),
    "merton": (6, 3),
    "croydon": (6, 4),
    "bromley": (6, 5),
    "kingston-upon-thames": (7, 2),
    "sutton": (7, 3),
}
ROWS = 7
COLUMNS = 7


def tiles_in_reading_order() -> list[tuple[str, int, int]]:
    """(slug, row, column), north to south and west to east."""
    return sorted(((slug, r, c) for slug, (r, c) in TILES.items()), key=lambda t: (t[1], t[2]))
