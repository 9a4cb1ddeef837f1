"""partner memberships remember the sign-in link they came through

Revision ID: 20261201_0009
Revises: 20261201_0008
Create Date: 2026-12-01 11:25:00

A membership made by a partner's sign-in ends with that sign-in link (revoked, its domain
dropped, sign-in turned off) and is opened only by a session signed in through the partner.
Existing memberships of people with a link to the same partner are attributed to it.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0009'
down_revision = '20261201_0008'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('partner_membership') as batch:
        batch.add_column(sa.Column('identity_id', ID, nullable=True))
        batch.create_foreign_key(
            op.f('fk_partner_membership_identity_id_partner_identity'),
            'partner_identity',
            ['identity_id'],
            ['id'],
            ondelete='CASCADE',
        )
        batch.create_index(
            op.f('ix_partner_membership_identity_id'), ['identity_id'], unique=False
        )
    op.execute(
        """
        UPDATE partner_membership SET identity_id = (
            SELECT min(partner_identity.id) FROM partner_identity
            WHERE partner_identity.partner_id = partner_membership.partner_id
              AND partner_identity.user_id = partner_membership.user_id
        )
        """
    )


def downgrade():
    with op.batch_alter_table('partner_membership') as batch:
        batch.drop_index(op.f('ix_partner_membership_identity_id'))
        batch.drop_constraint(
            op.f('fk_partner_membership_identity_id_partner_identity'), type_='foreignkey'
        )
        batch.drop_column('identity_id')
