"""index for "is the room free then?"

Revision ID: 20261126_0007
Revises: 20261126_0006
Create Date: 2026-11-26 10:05:00

bench/rooms_search.py showed the date-window search filtering bookings row by row (48 ms at
2,000 rooms / 200,000 bookings): under row-level security PostgreSQL does not use the
exclusion constraint's GiST index for `&&`. A btree on the blocked span of live bookings
serves the overlap test.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261126_0007'
down_revision = '20261126_0006'
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('held', 'confirmed')")


def upgrade():
    op.create_index(
        "ix_room_booking_occupancy",
        "room_booking",
        ["tenant_id", "room_id", "blocked_until", "blocked_from"],
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade():
    op.drop_index("ix_room_booking_occupancy", table_name="room_booking")
