"""room rate claims; why each booking got its rate

Revision ID: 20261201_0012
Revises: 20261201_0011
Create Date: 2026-12-01 11:00:00

A buyer could choose the community rate on the booking form and be charged it. The rate now
follows from who the buyer is: a verified partner membership, a workspace's approval of a
self-declared community group (room_rate_claim), or the default. Each booking records the
rate the buyer claimed and why the rate charged applies.
"""
from alembic import op
import sqlalchemy as sa

from londonhub.platform.core.rls import disable_tenant_rls, enable_tenant_rls


revision = '20261201_0012'
down_revision = '20261201_0011'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('room_rate_claim',
    sa.Column('id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('evidence_kind', sa.String(length=20), nullable=False),
    sa.Column('evidence_number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='room_rate_claim_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_by_user_id', ID, nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', ID, nullable=False),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'], name=op.f('fk_room_rate_claim_decided_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['workspace.id'], name=op.f('fk_room_rate_claim_tenant_id_workspace'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_room_rate_claim_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_rate_claim')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_room_rate_claim_tenant_id_id'))
    )
    with op.batch_alter_table('room_rate_claim', schema=None) as batch_op:
        batch_op.create_index('ix_room_rate_claim_status', ['tenant_id', 'status'], unique=False)
        batch_op.create_index('ix_room_rate_claim_user', ['tenant_id', 'user_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_room_rate_claim_tenant_id'), ['tenant_id'], unique=False)
    enable_tenant_rls(op, "room_rate_claim")

    with op.batch_alter_table('room_booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('rate_basis', sa.String(length=300), server_default='', nullable=False))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of room_booking would lose its indexes.
    op.execute("ALTER TABLE room_booking DROP COLUMN rate_basis")
    op.execute("ALTER TABLE room_booking DROP COLUMN claimed_type")
    disable_tenant_rls(op, "room_rate_claim")
    with op.batch_alter_table('room_rate_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_rate_claim_tenant_id'))
        batch_op.drop_index('ix_room_rate_claim_user')
        batch_op.drop_index('ix_room_rate_claim_status')
    op.drop_table('room_rate_claim')
