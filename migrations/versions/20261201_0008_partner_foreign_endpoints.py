"""partner organisations: allow endpoints outside the issuer's origin (hub admin's choice)

Revision ID: 20261201_0008
Revises: 20261126_0007
Create Date: 2026-12-01 11:00:00

The discovery document's endpoints (token, keys, user info) are fetched by the hub: they must
share the issuer's origin unless a hub admin allows otherwise for this partner.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0008'
down_revision = '20261126_0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partner_organisation') as batch:
        batch.add_column(
            sa.Column('allow_foreign_endpoints', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('partner_organisation') as batch:
        batch.drop_column('allow_foreign_endpoints')
