"""Who may read a consultancy row: the person named in the WHERE (client or associate), hub
admins everything; and row locks that hold on PostgreSQL and SQLite alike."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, update

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

from .associates import associate_of


def mine(user: User, client_col, associate_col) -> ColumnElement[bool]:
    """Rows where `user` is the client or the associate; everything for hub admins."""
    if user.is_hub_admin:
        return ~false()
    associate = associate_of(user)
    mine = client_col == user.id
    if associate is not None:
        mine = or_(mine, associate_col == associate.id)
    return mine


def lock_row(model, row_id: int):
    """The row, locked until the transaction ends and re-read under the lock. SQLite ignores
    FOR UPDATE, so its write lock is taken first with an update that changes nothing."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(id=model.id)
            .execution_options(synchronize_session=False)
        )
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
