"""intelligence: monthly figures and annual reports

Revision ID: 20261201_0022
Revises: 20261201_0025
Create Date: 2026-12-01 17:30:00

Issue 16 (intelligence). `monthly_figure` holds each data-dictionary metric's figure per
workspace and month, derived from records and rebuilt at will (`flask figures rebuild`);
`annual_report` holds each version of a year's report (London's or a borough's) with its
progress and the storage keys of its HTML and PDF. Both are hub-level tables (aggregates,
no person), so no row-level security: every read names the workspace it is for.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0022'
down_revision = '20261201_0025'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('monthly_figure',
    sa.Column('id', ID, nullable=False),
    sa.Column('metric', sa.String(length=80), nullable=False),
    sa.Column('workspace_id', ID, nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('value', ID, nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_figure')),
    sa.UniqueConstraint('metric', 'month', 'workspace_id', name='uq_monthly_figure')
    )
    with op.batch_alter_table('monthly_figure', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_figure_workspace', ['workspace_id', 'month'], unique=False)

    op.create_table('annual_report',
    sa.Column('id', ID, nullable=False),
    sa.Column('scope', sa.String(length=63), nullable=False),
    sa.Column('workspace_id', ID, nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('html_key', sa.String(length=200), nullable=True),
    sa.Column('pdf_key', sa.String(length=200), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('requested_by_id', ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_annual_report_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_annual_report_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report')),
    sa.UniqueConstraint('scope', 'year', 'version', name='uq_annual_report')
    )
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_report_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('annual_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_report_workspace_id'))
    op.drop_table('annual_report')
    with op.batch_alter_table('monthly_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_figure_workspace')
    op.drop_table('monthly_figure')
