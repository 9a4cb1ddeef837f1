"""rooms and bookings

Revision ID: 20261126_0005
Revises: 20261126_0004
Create Date: 2026-11-26 09:15:00

"""
from alembic import op
import sqlalchemy as sa

from londonhub.platform.core.rls import disable_tenant_rls, enable_tenant_rls


revision = '20261126_0005'
down_revision = '20261126_0004'
branch_labels = None
depends_on = None

#: Tenant-owned room tables: each gets the tenant_isolation policy on PostgreSQL.
TENANT_TABLES = ["room", "room_booking"]

#: No double booking, ever: held and confirmed bookings (and block-outs) of one room may not
#: overlap, counting the room's buffer after each ([starts_at, blocked_until)).
EXCLUSION = (
    "ALTER TABLE room_booking ADD CONSTRAINT ex_room_booking_no_overlap "
    "EXCLUDE USING gist (tenant_id WITH =, room_id WITH =, "
    "tstzrange(starts_at, blocked_until, '[)') WITH &&) "
    "WHERE (status IN ('held', 'confirmed'))"
)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # btree_gist lets a GiST index compare plain ids with =; it is a trusted extension
        # (PostgreSQL 13+), so the database owner may create it without being a superuser.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('room',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('venue_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('capacity_theatre', sa.Integer(), nullable=False),
    sa.Column('capacity_boardroom', sa.Integer(), nullable=False),
    sa.Column('capacity_cabaret', sa.Integer(), nullable=False),
    sa.Column('capacity_max', sa.Integer(), nullable=False),
    sa.Column('step_free', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('accessible_toilet', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('hearing_loop', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('lift', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('quiet_room', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('projector', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('kitchen', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('wifi', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('opens_0', sa.Integer(), nullable=True),
    sa.Column('closes_0', sa.Integer(), nullable=True),
    sa.Column('opens_1', sa.Integer(), nullable=True),
    sa.Column('closes_1', sa.Integer(), nullable=True),
    sa.Column('opens_2', sa.Integer(), nullable=True),
    sa.Column('closes_2', sa.Integer(), nullable=True),
    sa.Column('opens_3', sa.Integer(), nullable=True),
    sa.Column('closes_3', sa.Integer(), nullable=True),
    sa.Column('opens_4', sa.Integer(), nullable=True),
    sa.Column('closes_4', sa.Integer(), nullable=True),
    sa.Column('opens_5', sa.Integer(), nullable=True),
    sa.Column('closes_5', sa.Integer(), nullable=True),
    sa.Column('opens_6', sa.Integer(), nullable=True),
    sa.Column('closes_6', sa.Integer(), nullable=True),
    sa.Column('min_minutes', sa.Integer(), nullable=False),
    sa.Column('max_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('cancellation_days', sa.Integer(), nullable=False),
    sa.Column('community_hourly_pence', sa.Integer(), nullable=False),
    sa.Column('community_day_pence', sa.Integer(), nullable=True),
    sa.Column('public_hourly_pence', sa.Integer(), nullable=False),
    sa.Column('public_day_pence', sa.Integer(), nullable=True),
    sa.Column('business_hourly_pence', sa.Integer(), nullable=False),
    sa.Column('business_day_pence', sa.Integer(), nullable=True),
    sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('feed_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('buffer_minutes >= 0', name=op.f('ck_room_buffer_not_negative')),
    sa.CheckConstraint('capacity_max > 0', name=op.f('ck_room_capacity_positive')),
    sa.CheckConstraint('min_minutes > 0 AND max_minutes >= min_minutes', name=op.f('ck_room_lengths')),
    sa.ForeignKeyConstraint(['tenant_id'], ['workspace.id'], name=op.f('fk_room_tenant_id_workspace'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room')),
    sa.UniqueConstraint('feed_token', name=op.f('uq_room_feed_token')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_room_tenant_id_id'))
    )
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_capacity_max'), ['capacity_max'], unique=False)
        batch_op.create_index(batch_op.f('ix_room_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_room_tenant_published', ['tenant_id', 'published'], unique=False)

    op.create_table('room_booking',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('room_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('booking', 'blockout', name='room_booking_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('held', 'confirmed', 'cancelled', 'lapsed', name='room_booking_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('layout', sa.String(length=20), nullable=True),
    sa.Column('buyer_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('organisation_type', sa.String(length=20), nullable=True),
    sa.Column('price_pence', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('hold_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('blocked_from <= starts_at AND blocked_until >= ends_at', name=op.f('ck_room_booking_blocked_covers')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_room_booking_ends_after_start')),
    sa.CheckConstraint('price_pence >= 0', name=op.f('ck_room_booking_price_not_negative')),
    sa.ForeignKeyConstraint(['buyer_user_id'], ['user_account.id'], name=op.f('fk_room_booking_buyer_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'room_id'], ['room.tenant_id', 'room.id'], name=op.f('fk_room_booking_tenant_id_room_id_room'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['workspace.id'], name=op.f('fk_room_booking_tenant_id_workspace'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_booking')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_room_booking_tenant_id_id'))
    )
    with op.batch_alter_table('room_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_room_booking_buyer_user_id'), ['buyer_user_id'], unique=False)
        batch_op.create_index('ix_room_booking_reference', ['tenant_id', 'reference'], unique=False)
        batch_op.create_index('ix_room_booking_room_time', ['tenant_id', 'room_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_room_booking_tenant_id'), ['tenant_id'], unique=False)

    # ### end Alembic commands ###
    if postgres:
        op.execute(EXCLUSION)
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE room_booking DROP CONSTRAINT IF EXISTS ex_room_booking_no_overlap")
    with op.batch_alter_table('room_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_booking_tenant_id'))
        batch_op.drop_index('ix_room_booking_room_time')
        batch_op.drop_index('ix_room_booking_reference')
        batch_op.drop_index(batch_op.f('ix_room_booking_buyer_user_id'))

    op.drop_table('room_booking')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_index('ix_room_tenant_published')
        batch_op.drop_index(batch_op.f('ix_room_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_room_capacity_max'))

    op.drop_table('room')
