"""resource pool: review expiry, queue ages, view counts, adopters' notes, SQLite FTS5

Revision ID: 20261201_0024
Revises: 20261201_0022
Create Date: 2026-12-01 17:30:00

Issue 15, the remainder. A quality check lapses after twelve months (`checked_at`, with
`review_reminded_at` so the owner is reminded once); the hub's review queue shows how long each
resource has waited (`submitted_at`); views are counted per resource and per workspace page
(`view_count`, `resource_page_view`: counts only, no personal data); an adopter keeps a local
note and the version it last saw (`resource_adoption.local_note`, `seen_number`).

On SQLite the pool's full-text search is an FTS5 index over `resource_version` (external
content, kept in step by triggers; versions are never edited, only added and deleted). PostgreSQL
keeps the generated `search_vector` of 0015.
"""
from alembic import op
import sqlalchemy as sa


revision = '20261201_0024'
down_revision = '20261201_0022'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

FTS_SQLITE = [
    "CREATE VIRTUAL TABLE resource_version_fts USING fts5("
    "title, summary, body, content='resource_version', content_rowid='id', "
    "tokenize='porter unicode61')",
    "CREATE TRIGGER resource_version_fts_insert AFTER INSERT ON resource_version BEGIN "
    "INSERT INTO resource_version_fts(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    "CREATE TRIGGER resource_version_fts_delete AFTER DELETE ON resource_version BEGIN "
    "INSERT INTO resource_version_fts(resource_version_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); END",
    "CREATE TRIGGER resource_version_fts_update AFTER UPDATE ON resource_version BEGIN "
    "INSERT INTO resource_version_fts(resource_version_fts, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); "
    "INSERT INTO resource_version_fts(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    "INSERT INTO resource_version_fts(resource_version_fts) VALUES ('rebuild')",
]


def upgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('view_count', sa.Integer(), server_default='0', nullable=False))
    # Checks made before this revision date from the resource's last change.
    op.execute("UPDATE resource SET checked_at = updated_at WHERE checked_number IS NOT NULL")
    op.execute("UPDATE resource SET submitted_at = updated_at WHERE review_state != 'none'")
    with op.batch_alter_table('resource_adoption', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('seen_number', sa.Integer(), nullable=True))

    op.create_table('resource_page_view',
    sa.Column('id', ID, nullable=False),
    sa.Column('resource_id', ID, nullable=False),
    sa.Column('workspace_id', ID, nullable=False),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('views >= 0', name=op.f('ck_resource_page_view_views_not_negative')),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_page_view_resource_id_resource'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_resource_page_view_workspace_id_workspace'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_page_view')),
    sa.UniqueConstraint('resource_id', 'workspace_id', name=op.f('uq_resource_page_view_resource_id_workspace_id'))
    )
    with op.batch_alter_table('resource_page_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_page_view_workspace_id'), ['workspace_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS resource_version_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS resource_version_fts")
    with op.batch_alter_table('resource_page_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_page_view_workspace_id'))
    op.drop_table('resource_page_view')
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would lose the tables' constraints.
    for column in ('seen_number', 'local_note'):
        op.execute(f"ALTER TABLE resource_adoption DROP COLUMN {column}")
    for column in ('view_count', 'submitted_at', 'review_reminded_at', 'checked_at'):
        op.execute(f"ALTER TABLE resource DROP COLUMN {column}")
