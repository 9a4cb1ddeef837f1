"""partner organisations and their OpenID Connect identities

Revision ID: 20261126_0004
Revises: 20261126_0003
Create Date: 2026-11-26 09:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '20261126_0004'
down_revision = '20261126_0003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
