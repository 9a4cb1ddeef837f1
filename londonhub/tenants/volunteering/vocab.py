"""The shared London lists volunteering uses: causes, skills, kinds of group, and which of the
33 boroughs border which (for "include neighbouring boroughs" in search).

Lists are stored as slugs; labels are for people. A list of slugs is kept in one text column
as `,a,b,` so "has skill x" is a plain `LIKE '%,x,%'` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable

CAUSES: dict[str, str] = {
    "older-people": "Older people",
    "children-young-people": "Children and young people",
    "environment": "Environment",
    "food-poverty": "Food poverty",
    "health-wellbeing": "Health and wellbeing",
    "mental-health": "Mental health",
    "refugees-migrants": "Refugees and migrants",
    "disability": "Disability",
    "arts-culture": "Arts and culture",
    "sport": "Sport",
    "education-literacy": "Education and literacy",
    "homelessness": "Homelessness",
    "equality-inclusion": "Equality and inclusion",
    "animals": "Animals",
    "heritage": "Heritage",
}

SKILLS: dict[str, str] = {
    "admin": "Admin and office",
    "befriending": "Befriending and listening",
    "cooking": "Cooking and catering",
    "driving": "Driving",
    "digital": "Digital and IT",
    "events": "Events",
    "finance": "Finance and accounting",
    "fundraising": "Fundraising",
    "gardening": "Gardening",
    "languages": "Languages and interpreting",
    "legal": "Legal",
    "marketing": "Marketing and social media",
    "mentoring": "Mentoring and coaching",
    "practical": "Practical and DIY",
    "teaching": "Teaching and tutoring",
    "trustee": "Trustee and governance",
}

AVAILABILITY: dict[str, str] = {
    "weekday_daytime": "Weekday daytimes",
    "weekday_evening": "Weekday evenings",
    "weekend": "Weekends",
    "from_home": "From home, at any time",
}
AVAILABILITY_KEYS = tuple(AVAILABILITY)

GROUP_KINDS: dict[str, str] = {
    "charity": "Registered charity",
    "cio": "Charitable incorporated organisation (CIO)",
    "cic": "Community interest company",
    "unincorporated": "Unincorporated group",
    "social-enterprise": "Social enterprise",
}

#: Pairs of boroughs (by workspace slug) whose boundaries meet, on land or mid-Thames.
_BORDERS: list[tuple[str, str]] = [
    ("barking-and-dagenham", "havering"),
    ("barking-and-dagenham", "redbridge"),
    ("barking-and-dagenham", "newham"),
    ("barking-and-dagenham", "bexley"),
    ("barnet", "enfield"),
    ("barnet", "haringey"),
    ("barnet", "camden"),
    ("barnet", "brent"),
    ("barnet", "harrow"),
    ("bexley", "greenwich"),
    ("bexley", "bromley"),
    ("bexley", "havering"),
    ("brent", "harrow"),
    ("brent", "ealing"),
    ("brent", "hammersmith-and-fulham"),
    ("brent", "kensington-and-chelsea"),
    ("brent", "westminster"),
    ("brent", "camden"),
    ("bromley", "greenwich"),
    ("bromley", "lewisham"),
    ("bromley", "southwark"),
    ("bromley", "croydon"),
    ("camden", "haringey"),
    ("camden", "islington"),
    ("camden", "city-of-london"),
    ("camden", "westminster"),
    ("city-of-london", "westminster"),
    ("city-of-london", "islington"),
    ("city-of-london", "hackney"),
    ("city-of-london", "tower-hamlets"),
    ("city-of-london", "southwark"),
    ("croydon", "lambeth"),
    ("croydon", "merton"),
    ("croydon", "sutton"),
    ("ealing", "harrow"),
    ("ealing", "hillingdon"),
    ("ealing", "hounslow"),
    ("ealing", "hammersmith-and-fulham"),
    ("enfield", "haringey"),
    ("enfield", "waltham-forest"),
    ("greenwich", "lewisham"),
    ("greenwich", "tower-hamlets"),
    ("greenwich", "newham"),
    ("hackney", "islington"),
    ("hackney", "haringey"),
    ("hackney", "waltham-forest"),
    ("hackney", "newham"),
    ("hackney", "tower-hamlets"),
    ("hammersmith-and-fulham", "hounslow"),
    ("hammersmith-and-fulham", "kensington-and-chelsea"),
    ("hammersmith-and-fulham", "richmond-upon-thames"),
    ("hammersmith-and-fulham", "wandsworth"),
    ("haringey", "islington"),
    ("haringey", "waltham-forest"),
    ("harrow", "hillingdon"),
    ("havering", "redbridge"),
    ("hillingdon", "hounslow"),
    ("hounslow", "richmond-upon-thames"),
    ("kensington-and-chelsea", "westminster"),
    ("kensington-and-chelsea", "wandsworth"),
    ("kingston-upon-thames", "richmond-upon-thames"),
    ("kingston-upon-thames", "merton"),
    ("kingston-upon-thames", "sutton"),
    ("kingston-upon-thames", "wandsworth"),
    ("lambeth", "wandsworth"),
    ("lambeth", "merton"),
    ("lambeth", "southwark"),
    ("lambeth", "westminster"),
    ("lewisham", "southwark"),
    ("lewisham", "tower-hamlets"),
    ("merton", "wandsworth"),
    ("merton", "sutton"),
    ("newham", "tower-hamlets"),
    ("newham", "waltham-forest"),
    ("newham", "redbridge"),
    ("redbridge", "waltham-forest"),
    ("richmond-upon-thames", "wandsworth"),
    ("southwark", "tower-hamlets"),
    ("wandsworth", "westminster"),
]


def _neighbours(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for first, second in pairs:
        table.setdefault(first, set()).add(second)
        table.setdefault(second, set()).add(first)
    return {slug: frozenset(others) for slug, others in sorted(table.items())}


#: Borough slug -> the slugs of the boroughs bordering it (symmetric by construction).
NEIGHBOURS: dict[str, frozenset[str]] = _neighbours(_BORDERS)


def boroughs_near(slug: str, *, include_neighbours: bool) -> list[str]:
    """The borough itself, and its neighbours when asked."""
    if not include_neighbours:
        return [slug]
    return [slug, *sorted(NEIGHBOURS.get(slug, ()))]


def pack(slugs: Iterable[str]) -> str:
    """A list of slugs as one text column: ',a,b,' (or '' for none)."""
    values = sorted({s for s in slugs if s})
    return f",{','.join(values)}," if values else ""


def unpack(text: str | None) -> list[str]:
    return [s for s in (text or "").split(",") if s]


def labels(text: str | None, names: dict[str, str]) -> list[str]:
    return [names[s] for s in unpack(text) if s in names]
