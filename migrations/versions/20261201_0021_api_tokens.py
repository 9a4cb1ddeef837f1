"""api: per-workspace API tokens

Revision ID: 20261201_0021
Revises: 20261201_0024
Create Date: 2026-12-01 17:40:00

Issue 16 (the API): a workspace's admins make tokens that read (or also write) its data
through /api/v1/. Only a SHA-256 hash of each token is stored. Like memberships, tokens are
hub-level rows naming their workspace: a request presents one before any workspace is known,
so the table has no row-level security; every lookup names the workspace or the hash.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0021'
down_revision = '20261201_0024'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('api_token',
    sa.Column('id', ID, nullable=False),
    sa.Column('workspace_id', ID, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('scope', sa.Enum('read', 'read_write', name='api_token_scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_token_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_api_token_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_workspace_id'))
    op.drop_table('api_token')
