"""invoice payments: how an invoice was paid, and the hub's confirmation that it arrived

Revision ID: 20261201_0010
Revises: 20261201_0009
Create Date: 2026-12-01 11:10:00

A workspace admin marking an invoice order paid records the method, reference and date; the
money held for the workspace from such an order is paid out only once a hub admin confirms
it arrived. Orders marked paid before this change start unconfirmed, on purpose.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0010'
down_revision = '20261201_0009'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table('billing_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_method', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('payment_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('payment_received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('payment_recorded_by_id', ID, nullable=True))
        batch_op.add_column(
            sa.Column('receipt_confirmed_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('receipt_confirmed_by_id', ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_billing_order_payment_recorded_by_id_user_account'),
            'user_account',
            ['payment_recorded_by_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_billing_order_receipt_confirmed_by_id_user_account'),
            'user_account',
            ['receipt_confirmed_by_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('billing_order', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_billing_order_receipt_confirmed_by_id_user_account'), type_='foreignkey'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_billing_order_payment_recorded_by_id_user_account'), type_='foreignkey'
        )
        batch_op.drop_column('receipt_confirmed_by_id')
        batch_op.drop_column('receipt_confirmed_at')
        batch_op.drop_column('payment_recorded_by_id')
        batch_op.drop_column('payment_received_on')
        batch_op.drop_column('payment_reference')
        batch_op.drop_column('payment_method')
