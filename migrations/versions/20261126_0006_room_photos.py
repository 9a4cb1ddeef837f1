"""room photos

Revision ID: 20261126_0006
Revises: 20261126_0005
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from londonhub.platform.core.rls import disable_tenant_rls, enable_tenant_rls


revision = '20261126_0006'
down_revision = '20261126_0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('room_photo',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('room_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('position >= 0', name=op.f('ck_room_photo_position_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'room_id'], ['room.tenant_id', 'room.id'], name=op.f('fk_room_photo_tenant_id_room_id_room'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['workspace.id'], name=op.f('fk_room_photo_tenant_id_workspace'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_photo')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_room_photo_tenant_id_id'))
    )
    with op.batch_alter_table('room_photo', schema=None) as batch_op:
        batch_op.create_index('ix_room_photo_room', ['tenant_id', 'room_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_room_photo_tenant_id'), ['tenant_id'], unique=False)

    # ### end Alembic commands ###
    enable_tenant_rls(op, "room_photo")


def downgrade():
    disable_tenant_rls(op, "room_photo")
    with op.batch_alter_table('room_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_room_photo_tenant_id'))
        batch_op.drop_index('ix_room_photo_room')

    op.drop_table('room_photo')
