"""owner invitations by the hub, and hub support access

Revision ID: 20261201_0011
Revises: 20261201_0010
Create Date: 2026-12-01 11:00:00

An invitation records whose authority it rests on (a member's, a hub admin's, the operator's),
checked again when it is accepted. `support_access` is hub-level (like memberships): a hub
admin's time-limited, audited access to one workspace's admin.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0011'
down_revision = '20261201_0010'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('invitation') as batch_op:
        batch_op.add_column(
            sa.Column('authority', sa.String(length=16), server_default='member', nullable=False)
        )
    op.create_table('support_access',
    sa.Column('id', ID, nullable=False),
    sa.Column('workspace_id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=True),
    sa.Column('user_email', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_support_access_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_support_access_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_access'))
    )
    op.create_index(op.f('ix_support_access_user_id'), 'support_access', ['user_id'], unique=False)
    op.create_index(op.f('ix_support_access_workspace_id'), 'support_access', ['workspace_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_support_access_workspace_id'), table_name='support_access')
    op.drop_index(op.f('ix_support_access_user_id'), table_name='support_access')
    op.drop_table('support_access')
    with op.batch_alter_table('invitation') as batch_op:
        batch_op.drop_column('authority')
