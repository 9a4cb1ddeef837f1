"""Demo rooms: two or three in each of the 33 London workspaces. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.seed import DEMO_ADDRESSES, LONDON_WORKSPACES, register_seeder
from londonhub.platform.core.tenancy import Workspace, tenant_context

from .models import Room

#: (room name, theatre, boardroom, cabaret, community £/h, public £/h, business £/h, features)
DEMO_ROOMS = [
    (
        "Main hall",
        120,
        0,
        80,
        2500,
        4500,
        7500,
        {"step_free", "accessible_toilet", "hearing_loop", "kitchen", "projector", "wifi"},
    ),
    ("Board room", 0, 14, 0, 1200, 2500, 4000, {"step_free", "lift", "wifi", "projector"}),
    ("Quiet room", 0, 6, 0, 0, 1000, 2000, {"quiet_room", "step_free", "wifi"}),
]


@register_seeder
def seed_rooms() -> None:
    slugs = [slug for slug, *_ in LONDON_WORKSPACES]
    workspaces = db.session.scalars(select(Workspace).where(Workspace.slug.in_(slugs))).all()
    for index, workspace in enumerate(sorted(workspaces, key=lambda w: w.slug)):
        with tenant_context(workspace.id):
            existing = set(db.session.scalars(select(Room.name)))
            count = 2 + index % 2
            for name, theatre, board, cabaret, community, public, business, features in DEMO_ROOMS[
                :count
            ]:
                if name in existing:
                    continue
                street, town, postcode = DEMO_ADDRESSES[workspace.slug]
                room = Room(
                    venue_name=f"{town} Community Centre",
                    address=f"{street}, {town}",
                    postcode=postcode,
                    name=name,
                    description=(
                        f"A {name.lower()} run by {workspace.name}, available to community "
                        "groups, the public sector and businesses."
                    ),
                    capacity_theatre=theatre,
                    capacity_boardroom=board,
                    capacity_cabaret=cabaret,
                    capacity_max=max(theatre, board, cabaret),
                    min_minutes=60,
                    max_minutes=600,
                    buffer_minutes=30 if theatre else 15,
                    cancellation_days=7,
                    community_hourly_pence=community,
                    community_day_pence=community * 6 if community else None,
                    public_hourly_pence=public,
                    public_day_pence=public * 6,
                    business_hourly_pence=business,
                    business_day_pence=business * 6,
                    published=True,
                )
                for feature in features:
                    setattr(room, feature, True)
                for day in range(6):  # Monday to Saturday
                    setattr(room, f"opens_{day}", 9 * 60 if day < 5 else 10 * 60)
                    setattr(room, f"closes_{day}", 21 * 60 if day < 5 else 16 * 60)
                db.session.add(room)
            db.session.flush()
