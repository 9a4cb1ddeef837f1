"""Workspaces (tenants) and the first layer of scoping.

A query made in a workspace context can only see that workspace's tenant-owned rows: the
`do_orm_execute` hook adds `with_loader_criteria` for every `TenantScoped` model, and a query
for tenant-owned rows with no workspace context raises instead of silently reading everything.
Cross-workspace reads go through `hub_scope()`, which is explicit and greppable.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, g, has_app_context, has_request_context, request
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors

from .audit import record
from .extensions import db
from .timeutil import utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class WorkspaceStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class WorkspaceKind(enum.StrEnum):
    CVS = "cvs"
    VOLUNTEER_CENTRE = "volunteer_centre"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            "cvs": "Council for Voluntary Service",
            "volunteer_centre": "Volunteer Centre",
            "both": "CVS and Volunteer Centre",
        }[self.value]


def _enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store enums by value as plain strings with a CHECK, portable to SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Workspace(db.Model):
    """One borough's CVS or Volunteer Centre. A hub-level reference table, not tenant-owned."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[WorkspaceKind] = mapped_column(_enum(WorkspaceKind, "workspace_kind"))
    borough: Mapped[str] = mapped_column(String(100))
    status: Mapped[WorkspaceStatus] = mapped_column(
        _enum(WorkspaceStatus, "workspace_status"), default=WorkspaceStatus.ACTIVE
    )
    description: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    #: Hex colour, checked on save to keep white text on it at WCAG AA contrast.
    accent_colour: Mapped[str] = mapped_column(String(7), default="#1d70b8")
    #: Logo bytes live in the database so every web instance serves the same file.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_content_type: Mapped[str | None] = mapped_column(String(20))
    logo_version: Mapped[int] = mapped_column(Integer, default=0)
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Set from Stripe's account.updated: sales go to the account only once it can take them.
    stripe_charges_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Where people find the workspace: its page shows them with a map link (OpenStreetMap).
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(10))
    #: Free text as people write it ("Monday to Friday, 9:30 to 17:00"), shown on its page.
    opening_hours: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: How far ahead its rooms can be booked, in days from today.
    booking_horizon_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    #: Events its staff are not emailed about (comma-separated keys; see core.notifications).
    staff_email_off: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: The hub's own row: it sells hub items and holds the fees. Never a borough's page.
    is_hub: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self) -> bool:
        return self.status == WorkspaceStatus.ACTIVE

    @property
    def is_public(self) -> bool:
        """Archived workspaces disappear from public pages; suspended ones show a notice."""
        return self.status != WorkspaceStatus.ARCHIVED

    def __repr__(self) -> str:
        return f"<Workspace {self.slug}>"


class TenantScoped:
    """Mixin for tenant-owned models: a non-null `tenant_id`, unique `(tenant_id, id)`.

    Children reference parents through `(tenant_id, parent_id)` (see DESIGN.md, Scale).
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # SQLAlchemy declared_attr
        return mapped_column(
            BigInteger().with_variant(Integer, "sqlite"),
            ForeignKey("workspace.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        )

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return tenant_table_args()


class TenantContextMissing(RuntimeError):
    """A tenant-owned model was queried outside any workspace context and outside hub scope."""


class CrossTenantWrite(RuntimeError):
    """An object of one workspace was about to be written from another workspace's context."""


def current_tenant_id() -> int | None:
    if not has_app_context():
        return None
    return g.get("_tenant_id")


def in_hub_scope() -> bool:
    return has_app_context() and bool(g.get("_hub_scope", False))


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run the block as workspace `tenant_id`: queries see only that workspace's rows."""
    previous = g.get("_tenant_id")
    previous_hub = g.get("_hub_scope", False)
    g._tenant_id = tenant_id
    g._hub_scope = False
    try:
        yield
    finally:
        g._tenant_id = previous
        g._hub_scope = previous_hub


@contextmanager
def hub_scope(reason: str, *, audit: bool = True) -> Iterator[None]:
    """Read across workspaces, explicitly. `reason` says why; a person's request that uses it
    is audited, unless `audit=False` says it reads only that person's own rows (their orders)
    or published data."""
    if not reason:
        raise ValueError("hub_scope needs a reason")
    if audit:
        _audit_hub_scope(reason)
    previous_tenant = g.get("_tenant_id")
    previous = g.get("_hub_scope", False)
    g._hub_scope = True
    g._tenant_id = None
    try:
        yield
    finally:
        g._hub_scope = previous
        g._tenant_id = previous_tenant


def _audit_hub_scope(reason: str) -> None:
    """A person's request that reads across workspaces leaves a trace, once per reason."""
    if not has_request_context():
        return
    from flask_login import current_user

    if not current_user.is_authenticated:
        return  # public cross-London listings: published data only, nothing to audit
    seen = g.setdefault("_hub_scope_audited", set())
    if reason in seen:
        return
    seen.add(reason)
    record("hub.scope", f"Read across workspaces: {reason}", reason=reason, path=request.path)


def tenant_foreign_key(
    columns: list[str], parent_table: str, parent_columns: list[str], **kwargs: Any
) -> ForeignKeyConstraint:
    """A child's reference to a tenant-owned parent through `(tenant_id, parent_id)`, so the
    database refuses a child that points into another workspace."""
    return ForeignKeyConstraint(
        ["tenant_id", *columns],
        [f"{parent_table}.tenant_id", *(f"{parent_table}.{c}" for c in parent_columns)],
        **kwargs,
    )


def tenant_table_args(*extra: Any) -> tuple:
    """`__table_args__` for a TenantScoped model that needs more than the default."""
    return (UniqueConstraint("tenant_id", "id"), *extra)


def enter_tenant(workspace: Workspace) -> None:
    """Set the workspace for the rest of the request (used by the URL preprocessor)."""
    g.tenant = workspace
    g._tenant_id = workspace.id


def _is_tenant_class(cls: object) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantScoped)


def _tenant_tables() -> set[str]:
    return {
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if _is_tenant_class(mapper.class_) and mapper.local_table is not None
    }


def _tenant_scoped_mappers(state: ORMExecuteState) -> bool:
    """Whether the statement reads or writes tenant-owned rows anywhere: as its entity, and
    also in `select_from()`, joins, subqueries and EXISTS, which `all_mappers` leaves out."""
    if any(_is_tenant_class(mapper.class_) for mapper in state.all_mappers):
        return True
    tables = _tenant_tables()
    return any(
        getattr(element, "__visit_name__", None) == "table" and element.name in tables
        for element in visitors.iterate(state.statement)
    )


def _scope_query(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.execution_options.get("skip_tenant_scope"):
        return
    if in_hub_scope():
        return
    tid = current_tenant_id()
    if tid is None:
        if _tenant_scoped_mappers(state):
            raise TenantContextMissing(
                "Tenant-owned rows queried outside a workspace context; use tenant_context() "
                "or hub_scope()."
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tid,
            include_aliases=True,
            track_closure_variables=True,
        )
    )


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    """Stamp new rows with the workspace; refuse writes to another workspace's rows.

    Flush-time UPDATEs and DELETEs go by primary key, without the loader criteria, so an
    object loaded in one workspace and changed, re-homed or deleted in another is refused
    here: both its stored and its new `tenant_id` must be the current workspace.
    """
    if in_hub_scope():
        return
    tid = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tid is None:
                raise TenantContextMissing(
                    f"{type(obj).__name__} created with no workspace context and no tenant_id"
                )
            obj.tenant_id = tid
        elif tid is not None and obj.tenant_id != tid:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of workspace {obj.tenant_id} written in workspace {tid}"
            )
    if tid is None:
        return
    for verb, objects in (("written", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if not isinstance(obj, TenantScoped):
                continue
            stored = sa_inspect(obj).attrs.tenant_id.history.deleted
            owners = {obj.tenant_id, *stored}
            if owners != {tid}:
                owner = next(iter(sorted(owners - {tid}, key=str)), None)
                raise CrossTenantWrite(
                    f"{type(obj).__name__} of workspace {owner} {verb} in workspace {tid}"
                )


def install_scoping() -> None:
    """Attach the scoping hooks to every ORM session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_query):
        event.listen(Session, "do_orm_execute", _scope_query)
        event.listen(Session, "before_flush", _stamp_new_rows)


def get_workspace_by_slug(slug: str) -> Workspace | None:
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


def _redirect_to_lower_case(slug: str) -> None:
    from flask import redirect

    prefix = f"/b/{slug}"
    if request.path.startswith(prefix) and SLUG_PATTERN.match(slug.lower()):
        target = f"/b/{slug.lower()}{request.path[len(prefix) :]}"
        query = request.query_string.decode("latin-1")
        abort(redirect(f"{request.script_root}{target}" + (f"?{query}" if query else ""), 301))


def workspace_blueprint(name: str, import_name: str, suffix: str = "", **kwargs) -> Blueprint:
    """A blueprint mounted at `/b/<slug>{suffix}` that resolves the workspace into `g.tenant`.

    Unknown or archived slugs answer 404. Views never receive `slug`; `url_for` fills it in
    from the current workspace.
    """
    bp = Blueprint(name, import_name, url_prefix=f"/b/<slug>{suffix}", **kwargs)

    @bp.url_value_preprocessor
    def _resolve_workspace(endpoint: str | None, values: dict | None) -> None:
        slug = (values or {}).pop("slug", None)
        if slug and slug != slug.lower() and request.method in ("GET", "HEAD"):
            # /b/HACKNEY/ is a person typing: send them to /b/hackney/ (slugs are lower case).
            _redirect_to_lower_case(slug)
        workspace = get_workspace_by_slug(slug) if slug else None
        if workspace is None or workspace.is_hub or workspace.status == WorkspaceStatus.ARCHIVED:
            abort(404, description="There is no borough workspace at this address.")
        enter_tenant(workspace)

    @bp.url_defaults
    def _add_slug(endpoint: str, values: dict) -> None:
        if "slug" not in values and g.get("tenant") is not None:
            values["slug"] = g.tenant.slug

    return bp
