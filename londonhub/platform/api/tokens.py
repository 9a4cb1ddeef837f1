"""Per-workspace API tokens: made and revoked by the workspace's admins, shown once, stored
only as a SHA-256 hash, scoped read-only or read-write, with the time each was last used.

A token is 32 random bytes, so a fast hash is enough (nothing to guess from it) and lets the
request find it by an indexed lookup. A token acts for its workspace as the admin who made it:
it stops working when revoked, or when that person is no longer an admin there.

Tokens are hub-level rows naming their workspace (like memberships): a request presents one
before any workspace is known, and every lookup or listing names the workspace explicitly.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, request
from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core import ratelimit
from londonhub.platform.core.access import require_role
from londonhub.platform.core.audit import record
from londonhub.platform.core.errors import NotFound
from londonhub.platform.core.extensions import ID_TYPE, db
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
    _enum,
    get_workspace_by_slug,
)
from londonhub.platform.core.timeutil import as_utc, utcnow

from .problems import ApiProblem

PREFIX = "lhapi_"
#: last_used_at is written at most this often per token (a GET should not write each time).
TOUCH_EVERY = timedelta(minutes=1)


class TokenScope(enum.StrEnum):
    READ = "read"
    READ_WRITE = "read_write"

    @property
    def label(self) -> str:
        return {"read": "Read only", "read_write": "Read and write"}[self.value]


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[TokenScope] = mapped_column(_enum(TokenScope, "api_token_scope"))
    #: SHA-256 of the whole token, hex: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, so admins can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TokenError(ValueError):
    """A name the form should show back."""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    actor: User, workspace: Workspace, name: str, scope: TokenScope
) -> tuple[ApiToken, str]:
    """A new token and its text, which is shown once and never again."""
    require_role(actor, workspace, Role.ADMIN, write=True)
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise TokenError("Give the token a name of up to 100 characters")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        workspace_id=workspace.id,
        name=name,
        scope=scope,
        token_hash=hash_token(raw),
        hint=raw[: len(PREFIX) + 4],
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api.token_created",
        f"Made API token {name!r} ({scope.label.lower()})",
        workspace=workspace,
        actor=actor,
        token_id=token.id,
    )
    return token, raw


def list_tokens(workspace: Workspace) -> list[ApiToken]:
    """The workspace's tokens, live first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.workspace_id == workspace.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def get_token(workspace: Workspace, token_id: int) -> ApiToken:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.workspace_id == workspace.id, ApiToken.id == token_id)
    )
    if token is None:
        raise NotFound("There is no such token")
    return token


def revoke_token(actor: User, workspace: Workspace, token_id: int) -> ApiToken:
    require_role(actor, workspace, Role.ADMIN, write=False)
    token = get_token(workspace, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(
            "api.token_revoked",
            f"Revoked API token {token.name!r}",
            workspace=workspace,
            actor=actor,
            token_id=token.id,
        )
    return token


def authenticate(raw: str) -> ApiToken | None:
    """The live token with this text whose maker is still an admin of its workspace, or None.
    Records when it was used (at most once a minute)."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    found = db.session.execute(
        select(ApiToken, Workspace)
        .join(Workspace, Workspace.id == ApiToken.workspace_id)
        .where(ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    token, workspace = found
    maker = db.session.get(User, token.created_by_id) if token.created_by_id else None
    if maker is None or not has_role(maker, workspace, Role.ADMIN):
        return None
    now = utcnow()
    if token.last_used_at is None or as_utc(token.last_used_at) < now - TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    g.api_token = token
    g.api_token_workspace = workspace
    g.api_actor = maker
    return token


# --- on each API request ----------------------------------------------------------------------


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        raise ApiProblem(
            401,
            "Send the token as `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_request"'},
        )
    return value.strip()


def before_api_request() -> None:
    """Who is asking (a token or an address), and whether they may ask again yet."""
    # Nothing carried over from an earlier request in the same app context (tests reuse one).
    g.api_token = g.api_token_workspace = g.api_actor = None
    raw = _bearer()
    config = current_app.config
    address = request.remote_addr or "unknown"
    per_minute = ratelimit.Rule("api-anonymous", config["API_ANONYMOUS_PER_MINUTE"], 60, 60)
    if raw is None:
        ratelimit.spend(_TOO_MANY, (per_minute, address))
        return
    # A wrong token is counted against the address, so guessing is as slow as anonymous use.
    if ratelimit.wait_for(per_minute, address):
        ratelimit.spend(_TOO_MANY, (per_minute, address))
    token = authenticate(raw)
    if token is None:
        ratelimit.hit(per_minute, address)
        raise ApiProblem(
            401,
            "This token is not valid: it may have been revoked, or mistyped.",
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    per_token = ratelimit.Rule("api-token", config["API_TOKEN_PER_MINUTE"], 60, 60)
    ratelimit.spend(_TOO_MANY, (per_token, str(token.id)))


_TOO_MANY = "Too many requests. Try again in {wait}."


def workspace_for_api(slug: str) -> Workspace:
    """A public borough workspace by slug (suspended ones too: their data still reads)."""
    workspace = get_workspace_by_slug(slug)
    if workspace is None or workspace.is_hub or workspace.status == WorkspaceStatus.ARCHIVED:
        raise ApiProblem(404, "There is no borough workspace with this slug.")
    return workspace


def require_scope(workspace: Workspace, scope: str) -> ApiToken:
    """The request's token, if it belongs to `workspace` and may do `scope` (read, write)."""
    token: ApiToken | None = g.get("api_token")
    if token is None:
        raise ApiProblem(
            401,
            "This needs a token of the workspace: `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if token.workspace_id != workspace.id:
        raise ApiProblem(403, "This token belongs to another workspace.")
    if scope == "write" and token.scope != TokenScope.READ_WRITE:
        raise ApiProblem(
            403, "This token is read-only: make a read-and-write token to change data."
        )
    if scope == "write" and workspace.status != WorkspaceStatus.ACTIVE:
        # A suspended workspace is read-only to its staff, and so to its tokens.
        raise ApiProblem(403, f"{workspace.name} is {workspace.status.value}: nothing can change.")
    return token


def acting_user() -> User:
    """The admin a token acts as (for services that check a person's role)."""
    return g.api_actor
