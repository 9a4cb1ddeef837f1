"""row-level security on tenant-owned tables

Revision ID: 20261126_0002
Revises: 20261126_0001
Create Date: 2026-11-26 08:30:00

Every tenant-owned table gets the `tenant_isolation` policy (see londonhub/platform/core/rls.py).
A migration that creates a tenant-owned table later must call `enable_tenant_rls(op, table)`;
tests/isolation checks that every TenantScoped table has the policy.
"""

from alembic import op

from londonhub.platform.core.rls import disable_tenant_rls, enable_tenant_rls

revision = "20261126_0002"
down_revision = "20261126_0001"
branch_labels = None
depends_on = None

TENANT_TABLES = ["invitation"]


def upgrade():
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_rls(op, table)
