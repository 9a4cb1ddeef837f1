"""partner organisations and their OpenID Connect identities

Revision ID: 20261126_0004
Revises: 20261126_0003
Create Date: 2026-11-26 09:15:00

Hub-level tables (not tenant-owned): partner organisations work with the whole hub.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261126_0004'
down_revision = '20261126_0003'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('partner_organisation',
    sa.Column('id', ID, nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('council', 'nhs', 'funder', 'charity', 'business', 'other', name='partner_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('discovery_url', sa.String(length=300), nullable=True),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('scopes', sa.String(length=300), nullable=False),
    sa.Column('role_rules', sa.JSON(), nullable=False),
    sa.Column('authorization_origin', sa.String(length=300), nullable=True),
    sa.Column('config_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_organisation')),
    sa.UniqueConstraint('slug', name=op.f('uq_partner_organisation_slug'))
    )
    op.create_table('partner_sso_replay_guard',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_partner_sso_replay_guard'))
    )
    op.create_index(op.f('ix_partner_sso_replay_guard_created_at'), 'partner_sso_replay_guard', ['created_at'], unique=False)
    op.create_table('partner_domain',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner_id', ID, nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner_organisation.id'], name=op.f('fk_partner_domain_partner_id_partner_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_domain')),
    sa.UniqueConstraint('domain', name=op.f('uq_partner_domain_domain'))
    )
    op.create_index(op.f('ix_partner_domain_partner_id'), 'partner_domain', ['partner_id'], unique=False)
    op.create_table('partner_identity',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner_id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner_organisation.id'], name=op.f('fk_partner_identity_partner_id_partner_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_partner_identity_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_partner_identity_issuer_subject'))
    )
    op.create_index(op.f('ix_partner_identity_partner_id'), 'partner_identity', ['partner_id'], unique=False)
    op.create_index(op.f('ix_partner_identity_user_id'), 'partner_identity', ['user_id'], unique=False)
    op.create_table('partner_membership',
    sa.Column('id', ID, nullable=False),
    sa.Column('partner_id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('role', sa.Enum('admin', 'member', name='partner_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner_organisation.id'], name=op.f('fk_partner_membership_partner_id_partner_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_partner_membership_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_membership')),
    sa.UniqueConstraint('partner_id', 'user_id', name=op.f('uq_partner_membership_partner_id_user_id'))
    )
    op.create_index(op.f('ix_partner_membership_partner_id'), 'partner_membership', ['partner_id'], unique=False)
    op.create_index(op.f('ix_partner_membership_user_id'), 'partner_membership', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_partner_membership_user_id'), table_name='partner_membership')
    op.drop_index(op.f('ix_partner_membership_partner_id'), table_name='partner_membership')
    op.drop_table('partner_membership')
    op.drop_index(op.f('ix_partner_identity_user_id'), table_name='partner_identity')
    op.drop_index(op.f('ix_partner_identity_partner_id'), table_name='partner_identity')
    op.drop_table('partner_identity')
    op.drop_index(op.f('ix_partner_domain_partner_id'), table_name='partner_domain')
    op.drop_table('partner_domain')
    op.drop_index(op.f('ix_partner_sso_replay_guard_created_at'), table_name='partner_sso_replay_guard')
    op.drop_table('partner_sso_replay_guard')
    op.drop_table('partner_organisation')
