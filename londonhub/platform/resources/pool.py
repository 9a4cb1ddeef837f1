"""The public pool: listing, full-text search, a resource's page, downloads.

Only published, unretired versions are ever selected here (`Resource.published_number`
joined to its version), and only files of the published version. Full-text search is
search_text's: PostgreSQL's weighted `search_vector` or SQLite's FTS5, one ranking on both.
Each page is a fixed number of queries, however many resources exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, desc, select, update
from sqlalchemy.dialects import postgresql, sqlite

from londonhub.platform.core.errors import NotFound
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import utcnow

from . import search_text
from .models import (
    AUDIENCES,
    RESOURCE_TYPES,
    REVIEW_VALID_DAYS,
    TOPICS,
    Resource,
    ResourceFile,
    ResourcePageView,
    ResourceReview,
    ResourceVersion,
    ReviewDecision,
)

PER_PAGE = 20
_SLUG = re.compile(r"[a-z0-9-]+")


class ResourceNotFound(NotFound):
    """No published resource (or file) with this id."""


@dataclass
class Criteria:
    q: str = ""
    resource_type: str = ""
    topic: str = ""
    audience: str = ""
    checked: bool = False
    #: The owner's workspace slug ("hub" for the hub's own).
    owner: str = ""
    page: int = 1

    def __post_init__(self) -> None:
        self.q = (self.q or "").strip()[:200]
        if self.resource_type not in RESOURCE_TYPES:
            self.resource_type = ""
        if self.topic not in TOPICS:
            self.topic = ""
        if self.audience not in AUDIENCES:
            self.audience = ""
        self.owner = (self.owner or "").strip().lower()[:100]
        if not _SLUG.fullmatch(self.owner):
            self.owner = ""
        self.page = max(int(self.page or 1), 1)


@dataclass
class Entry:
    resource: Resource
    version: ResourceVersion
    owner: Workspace
    #: An adopting workspace's local note (its page only).
    note: str = ""
    #: The search terms highlighted in the text (search results only; escaped markup).
    snippet: str = ""


@dataclass
class Page:
    entries: list[Entry] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


def published_query():
    """(Resource, its published version, its owner) for every published, unretired resource."""
    return (
        select(Resource, ResourceVersion, Workspace)
        .join(
            ResourceVersion,
            and_(
                ResourceVersion.resource_id == Resource.id,
                ResourceVersion.number == Resource.published_number,
            ),
        )
        .join(Workspace, Workspace.id == Resource.owner_workspace_id)
        .where(Resource.published_number.is_not(None), Resource.retired_at.is_(None))
    )


def search(criteria: Criteria) -> Page:
    query = published_query()
    if criteria.resource_type:
        query = query.where(ResourceVersion.resource_type == criteria.resource_type)
    if criteria.topic:
        query = query.where(ResourceVersion.topics.like(f"%|{criteria.topic}|%"))
    if criteria.audience:
        query = query.where(ResourceVersion.audience == criteria.audience)
    if criteria.checked:
        query = query.where(
            Resource.checked_number == Resource.published_number,
            Resource.checked_at > utcnow() - timedelta(days=REVIEW_VALID_DAYS),
        )
    if criteria.owner == "hub":
        query = query.where(Workspace.is_hub.is_(True))
    elif criteria.owner:
        query = query.where(Workspace.slug == criteria.owner, Workspace.is_hub.is_(False))
    order = [desc(Resource.featured), desc(ResourceVersion.published_at), desc(Resource.id)]
    if criteria.q:
        query, rank = search_text.apply(query, criteria.q)
        if rank is not None:
            order = [desc(rank), *order]
    offset = (criteria.page - 1) * PER_PAGE
    rows = db.session.execute(query.order_by(*order).offset(offset).limit(PER_PAGE + 1)).all()
    entries = [Entry(r, v, w) for r, v, w in rows[:PER_PAGE]]
    if criteria.q:
        for entry in entries:
            entry.snippet = search_text.snippet(entry.version, criteria.q)
    return Page(entries, criteria.page, len(rows) > PER_PAGE)


def owners() -> list[Workspace]:
    """The workspaces with something published in the pool (the listing's "From" filter)."""
    return list(
        db.session.scalars(
            select(Workspace)
            .where(
                Workspace.id.in_(
                    select(Resource.owner_workspace_id).where(
                        Resource.published_number.is_not(None), Resource.retired_at.is_(None)
                    )
                )
            )
            .order_by(Workspace.is_hub.desc(), Workspace.name)
        )
    )


def featured(limit: int = 3) -> list[Entry]:
    """For the hub's home page: featured resources first, then the newest (one query)."""
    rows = db.session.execute(
        published_query()
        .order_by(desc(Resource.featured), desc(ResourceVersion.published_at), desc(Resource.id))
        .limit(limit)
    ).all()
    return [Entry(*row) for row in rows]


def get_published(resource_id: int) -> Entry:
    row = db.session.execute(published_query().where(Resource.id == resource_id)).first()
    if row is None:
        raise ResourceNotFound("There is no published resource with this address")
    return Entry(*row)


def checkers(resource: Resource) -> list[str]:
    """The names of the workspaces whose approvals made the published version checked."""
    if resource.checked_number is None:
        return []
    return list(
        db.session.scalars(
            select(Workspace.name)
            .join(ResourceReview, ResourceReview.reviewer_workspace_id == Workspace.id)
            .where(
                ResourceReview.resource_id == resource.id,
                ResourceReview.version_number == resource.checked_number,
                ResourceReview.decision == ReviewDecision.APPROVE,
            )
            .order_by(ResourceReview.created_at, ResourceReview.id)
        )
    )


def published_files(resource_id: int) -> list[ResourceFile]:
    return list(
        db.session.scalars(
            select(ResourceFile)
            .where(
                ResourceFile.resource_id == resource_id,
                ResourceFile.added_in_version.is_not(None),
                ResourceFile.removed_in_version.is_(None),
            )
            .order_by(ResourceFile.id)
        )
    )


def published_file(resource_id: int, file_id: int) -> ResourceFile:
    """A file of a published resource's current version, or ResourceNotFound."""
    get_published(resource_id)
    row = db.session.scalar(
        select(ResourceFile).where(
            ResourceFile.id == file_id,
            ResourceFile.resource_id == resource_id,
            ResourceFile.added_in_version.is_not(None),
            ResourceFile.removed_in_version.is_(None),
        )
    )
    if row is None:
        raise ResourceNotFound("There is no such file")
    return row


def _count(statement) -> None:
    """Run a counter's increment on the session's connection, in its transaction, as a Core
    statement: counts appear on no public page, so a view must not mark every cached page
    stale (core.pagecache bumps its data version after ORM writes only)."""
    db.session.connection().execute(statement)


def count_view(resource_id: int, via: str = "") -> None:
    """One more view of the resource's public page, and of it through workspace `via`'s page
    when the visitor came from there: counts only, atomic in the database."""
    _count(
        update(Resource)
        .where(Resource.id == resource_id)
        .values(view_count=Resource.view_count + 1)
    )
    if not via:
        return
    workspace_id = db.session.scalar(
        select(Workspace.id).where(Workspace.slug == via[:100], Workspace.is_hub.is_(False))
    )
    if workspace_id is None:
        return
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ResourcePageView).values(
        resource_id=resource_id, workspace_id=workspace_id, views=1
    )
    _count(
        statement.on_conflict_do_update(
            index_elements=["resource_id", "workspace_id"],
            set_={"views": ResourcePageView.views + 1},
        )
    )


def page_views(resource_id: int) -> list[tuple[Workspace, int]]:
    """Views through each workspace's page, most first (for the owner)."""
    rows = db.session.execute(
        select(Workspace, ResourcePageView.views)
        .join(ResourcePageView, ResourcePageView.workspace_id == Workspace.id)
        .where(ResourcePageView.resource_id == resource_id)
        .order_by(ResourcePageView.views.desc(), Workspace.name)
    ).all()
    return [(workspace, views) for workspace, views in rows]


def count_download(row: ResourceFile) -> None:
    """One more download of the file and of its resource: atomic increments in the database,
    so concurrent downloads on several web instances all count."""
    _count(
        update(ResourceFile)
        .where(ResourceFile.id == row.id)
        .values(download_count=ResourceFile.download_count + 1)
    )
    _count(
        update(Resource)
        .where(Resource.id == row.resource_id)
        .values(download_count=Resource.download_count + 1)
    )


def published_versions(resource_id: int) -> list[ResourceVersion]:
    """The public history: every version up to the published one."""
    entry = get_published(resource_id)
    return list(
        db.session.scalars(
            select(ResourceVersion)
            .where(
                ResourceVersion.resource_id == resource_id,
                ResourceVersion.number <= entry.resource.published_number,
            )
            .order_by(ResourceVersion.number.desc())
        )
    )


def published_after(after_id: int, limit: int) -> list[Entry]:
    """Published, unretired resources in id order after `after_id` (the API's keyset page)."""
    query = published_query().where(Resource.id > after_id).order_by(Resource.id).limit(limit)
    return [Entry(*row) for row in db.session.execute(query)]
