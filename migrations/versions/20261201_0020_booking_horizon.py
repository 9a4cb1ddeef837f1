"""workspace: address, opening hours, booking horizon, staff emails; notifications

Revision ID: 20261201_0020
Revises: 20261201_0019
Create Date: 2026-12-01 14:20:00

Issue 10, items 11, 12 and 3: a borough's page shows where it is (with a map link) and when it
is open; each workspace says how far ahead its rooms can be booked and which events its staff
are emailed about. Workspace is a hub-level reference table, so these are plain columns.

`notification` is not tenant data, and has no row-level security: each row is one person's
own, read by that person across workspaces at /account/notifications (as their orders are);
its workspace_id says what it is about.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0020'
down_revision = '20261201_0019'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('opening_hours', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('booking_horizon_days', sa.Integer(), server_default='365', nullable=False))
        batch_op.add_column(sa.Column('staff_email_off', sa.String(length=300), server_default='', nullable=False))

    op.create_table('notification',
    sa.Column('id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('workspace_id', ID, nullable=True),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_notification_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user', ['user_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user')
    op.drop_table('notification')
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of workspace would lose its constraints.
    for column in ('staff_email_off', 'booking_horizon_days', 'opening_hours', 'postcode', 'address'):
        op.execute(f"ALTER TABLE workspace DROP COLUMN {column}")
