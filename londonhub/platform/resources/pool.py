"""The public pool: listing, full-text search, a resource's page, downloads.

Only published, unretired versions are ever selected here (`Resource.published_number`
joined to its version), and only files of the published version. Search uses PostgreSQL full
text (the generated, weighted `search_vector` with its GIN index, `websearch_to_tsquery`, which
never fails on what people type) and falls back to LIKE on SQLite. Each page is a fixed number
of queries, however many resources exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, desc, func, literal_column, or_, select, update

from londonhub.platform.core.errors import NotFound
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace

from .models import AUDIENCES, RESOURCE_TYPES, TOPICS, Resource, ResourceFile, ResourceVersion

PER_PAGE = 20


class ResourceNotFound(NotFound):
    """No published resource (or file) with this id."""


@dataclass
class Criteria:
    q: str = ""
    resource_type: str = ""
    topic: str = ""
    audience: str = ""
    checked: bool = False
    page: int = 1

    def __post_init__(self) -> None:
        self.q = (self.q or "").strip()[:200]
        if self.resource_type not in RESOURCE_TYPES:
            self.resource_type = ""
        if self.topic not in TOPICS:
            self.topic = ""
        if self.audience not in AUDIENCES:
            self.audience = ""
        self.page = max(int(self.page or 1), 1)


@dataclass
class Entry:
    resource: Resource
    version: ResourceVersion
    owner: Workspace


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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(criteria: Criteria) -> Page:
    query = published_query()
    if criteria.resource_type:
        query = query.where(ResourceVersion.resource_type == criteria.resource_type)
    if criteria.topic:
        query = query.where(ResourceVersion.topics.like(f"%|{criteria.topic}|%"))
    if criteria.audience:
        query = query.where(ResourceVersion.audience == criteria.audience)
    if criteria.checked:
        query = query.where(Resource.checked_number == Resource.published_number)
    order = [desc(Resource.featured), desc(ResourceVersion.published_at), desc(Resource.id)]
    if criteria.q:
        if db.engine.dialect.name == "postgresql":
            tsquery = func.websearch_to_tsquery("english", criteria.q)
            vector = literal_column("resource_version.search_vector")
            query = query.where(vector.op("@@")(tsquery))
            order = [desc(func.ts_rank(vector, tsquery)), *order]
        else:
            for word in criteria.q.split()[:10]:
                pattern = f"%{_escape_like(word.lower())}%"
                query = query.where(
                    or_(
                        *(
                            func.lower(column).like(pattern, escape="\\")
                            for column in (
                                ResourceVersion.title,
                                ResourceVersion.summary,
                                ResourceVersion.body,
                            )
                        )
                    )
                )
    offset = (criteria.page - 1) * PER_PAGE
    rows = db.session.execute(query.order_by(*order).offset(offset).limit(PER_PAGE + 1)).all()
    entries = [Entry(r, v, w) for r, v, w in rows[:PER_PAGE]]
    return Page(entries, criteria.page, len(rows) > PER_PAGE)


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


def count_download(row: ResourceFile) -> None:
    """One more download of the file and of its resource: atomic increments in the database,
    so concurrent downloads on several web instances all count."""
    db.session.execute(
        update(ResourceFile)
        .where(ResourceFile.id == row.id)
        .values(download_count=ResourceFile.download_count + 1)
    )
    db.session.execute(
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
