"""room search: published rooms in the page's order

Revision ID: 20261201_0025
Revises: 20261201_0026
Create Date: 2026-12-01 18:00:00

bench/rooms_search.py at 20,000 rooms and 2,000,000 bookings (PostgreSQL under RLS): the
date-window search scanned every room, probed each one's bookings (17,112 probes) and then
sorted, 365-430 ms. With published rooms indexed in the search's orders (by name, and by each
customer type's price), the planner walks the index and stops once the page is full (23 probes,
under 1 ms).
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0025'
down_revision = '20261201_0026'
branch_labels = None
depends_on = None

PUBLISHED = sa.text("published IS TRUE")
ORDERS = {
    "name": [],
    "community_price": ["community_hourly_pence"],
    "public_price": ["public_hourly_pence"],
    "business_price": ["business_hourly_pence"],
}


def upgrade():
    for name, columns in ORDERS.items():
        op.create_index(
            f"ix_room_published_{name}",
            "room",
            [*columns, "name", "id"],
            postgresql_where=PUBLISHED,
            sqlite_where=PUBLISHED,
        )


def downgrade():
    for name in ORDERS:
        op.drop_index(f"ix_room_published_{name}", table_name="room")
