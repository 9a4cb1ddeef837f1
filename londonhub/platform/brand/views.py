"""The hub's public home page: a start for the public (search rooms, what the hub offers) and
the boroughs as a tile map laid out like London, and as a list."""

from __future__ import annotations

from flask import render_template

from ..core.pagecache import shared_page
from ..core.seed import LONDON_WORKSPACES
from ..core.workspaces import list_public_workspaces
from . import bp
from .london import tiles_in_reading_order

#: slug -> borough name, for tiles of boroughs whose workspace is not (yet) public.
BOROUGH_NAMES = {slug: borough for slug, borough, *_ in LONDON_WORKSPACES}


@bp.get("/")
@shared_page
def home():
    workspaces = list_public_workspaces()
    by_slug = {w.slug: w for w in workspaces}
    tiles = [
        {
            "slug": slug,
            "row": row,
            "column": column,
            "borough": by_slug[slug].borough if slug in by_slug else BOROUGH_NAMES[slug],
            "workspace": by_slug.get(slug),
        }
        for slug, row, column in tiles_in_reading_order()
    ]
    return render_template(
        "brand/home.html",
        workspaces=workspaces,
        tiles=tiles,
        search_boroughs=[(w.slug, w.borough) for w in workspaces if w.is_active],
    )
