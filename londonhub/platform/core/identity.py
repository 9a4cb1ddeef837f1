"""Users, memberships and roles; password hashing and signed tokens.

Users are global (one email, one account). A membership gives a user a role in one workspace.
`User.get_id()` embeds a per-user session key that rotates on sign-out and on password change,
so an old session cookie replayed later is refused (the Redash pattern).
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from flask import current_app, g, has_app_context
from flask_login import UserMixin
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import ID_TYPE, db, login_manager
from .tenancy import Workspace, _enum
from .timeutil import as_utc, utcnow

#: scrypt at OWASP's recommended cost; tests lower it (tests/conftest.py) and check this one.
PRODUCTION_PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
PASSWORD_HASH_METHOD = PRODUCTION_PASSWORD_HASH_METHOD
MIN_PASSWORD_LENGTH = 12


class Role(enum.StrEnum):
    """Roles within one workspace, strongest first."""

    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"

    @property
    def rank(self) -> int:
        return {"owner": 3, "admin": 2, "staff": 1}[self.value]

    @property
    def label(self) -> str:
        return self.value.capitalize()


def new_session_key() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: Stored lower-cased; unique across the hub.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_hub_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Rotated on sign-out and password change; part of the session cookie's user id.
    session_key: Mapped[str] = mapped_column(String(64), default=new_session_key)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise_on_sql"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled users
        return not self.is_disabled

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def end_all_sessions(self) -> None:
        self.session_key = new_session_key()

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(db.Model):
    """A user's role in one workspace.

    Hub-level identity data (like `user_account`), read before any workspace context exists
    (to decide what a person may do); every lookup names the workspace explicitly.
    """

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "membership_role"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise_on_sql")
    workspace: Mapped[Workspace] = relationship(lazy="raise_on_sql")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def membership_for(user: Any, workspace: Workspace) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace.id, Membership.user_id == user.id
        )
    )


def role_in(user: Any, workspace: Workspace) -> Role | None:
    """The person's role here: their membership's, or admin while a hub admin's support access
    to this workspace lasts (core.support)."""
    membership = membership_for(user, workspace)
    role = membership.role if membership else None
    if role is not None and role.rank >= Role.ADMIN.rank:
        return role
    return Role.ADMIN if active_support(user, workspace) is not None else role


def has_role(user: Any, workspace: Workspace, minimum: Role) -> bool:
    role = role_in(user, workspace)
    return role is not None and role.rank >= minimum.rank


def count_members(workspace_ids: list[int]) -> dict[int, int]:
    """Member counts for many workspaces in one query."""
    if not workspace_ids:
        return {}
    rows = db.session.execute(
        select(Membership.workspace_id, func.count())
        .where(Membership.workspace_id.in_(workspace_ids))
        .group_by(Membership.workspace_id)
    )
    return {workspace_id: count for workspace_id, count in rows}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Resolve the session's user only while its session key still matches."""
    raw_id, _, key = user_id.partition(":")
    if not raw_id.isdigit() or not key:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not secrets.compare_digest(user.session_key, key):
        return None
    return user


# --- signed tokens -------------------------------------------------------------------------


class TokenInvalid(Exception):
    """A token that is malformed, tampered with, for another purpose, or already used."""


class TokenExpired(TokenInvalid):
    """A token whose signature is good but whose time has passed."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"londonhub:{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenExpired(purpose) from exc
    except BadSignature as exc:
        raise TokenInvalid(purpose) from exc
    if not isinstance(data, dict):
        raise TokenInvalid(purpose)
    return data


# Support access (core.support starts and ends it): while it lasts the hub admin's role in the
# workspace is admin, so the grant and its lookup live here, with the other sources of a role.
class SupportAccess(db.Model):
    __tablename__ = "support_access"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: Kept as text so the workspace's owners still see who it was if the account goes.
    user_email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def is_active(self) -> bool:
        return self.ended_at is None and as_utc(self.expires_at) > utcnow()

    @property
    def until(self) -> datetime:
        return as_utc(self.ended_at or self.expires_at)


def active_support(user: User | None, workspace: Workspace) -> SupportAccess | None:
    """The hub admin's running support access to `workspace`, if any (once per request)."""
    if user is None or not getattr(user, "is_hub_admin", False) or user.is_disabled:
        return None
    cache = g.setdefault("_support_access", {}) if has_app_context() else {}
    key = (user.id, workspace.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(SupportAccess)
            .where(
                SupportAccess.workspace_id == workspace.id,
                SupportAccess.user_id == user.id,
                SupportAccess.ended_at.is_(None),
                SupportAccess.expires_at > utcnow(),
            )
            .order_by(SupportAccess.id.desc())
            .limit(1)
        )
    return cache[key]
