"""The shared resource pool: resources, their published versions, files, reviews, adoptions.

(Just over 400 lines: the pool's six tables and the vocabularies their columns take; the
vocabularies, types to checklist, are what moves out next.)

Tenancy model. A resource is owned by one workspace (the hub owns its own through the hub's
workspace row) but, once published, is read by everyone in London, reviewed by staff of
*other* workspaces and adopted by any workspace: sharing across workspaces is its purpose. So
`resource`, `resource_version`, `resource_file` and `resource_review` are hub-level tables
with an explicit `owner_workspace_id`, not `TenantScoped` rows under row-level security (the
RLS policy would hide a draft from its reviewers and every public read would need the hub
scope). Isolation of drafts is therefore done by the services, explicitly and tested:

* every write goes through a service that loads the resource *by the owner workspace and id*
  (`owner_workspace_id` in the WHERE) and then checks the person's role in that workspace
  (`services.require_editor`): staff of the owning workspace, or hub admins for the hub's own
  resources; another workspace's id is simply "not found";
* public reads only ever select published, unretired versions (`published_number`), and a
  file only when it belongs to the published version;
* reviewers see a draft only while it is submitted for review, and never one of their own
  workspace's (slice 2).

Adoptions are the adopting workspace's own choice, shown on its page: `TenantScoped` with RLS.

Content of a published version is a snapshot row (`resource_version`), never edited; the
resource row carries the working copy (the draft) that the next version is published from.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import DATABASE_ONLY, db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.tenancy import TenantScoped, _enum, tenant_table_args
from londonhub.platform.core.timeutil import utcnow

#: slug -> label; the listing's filters take these slugs.
RESOURCE_TYPES = {
    "training-material": "Training material",
    "briefing": "Briefing",
    "advice-sheet": "Advice sheet",
    "good-practice-guide": "Good-practice guide",
    "policy-template": "Policy template",
    "toolkit": "Toolkit",
    "checklist": "Checklist",
}
TOPICS = {
    "governance": "Governance",
    "funding": "Funding",
    "finance": "Finance",
    "safeguarding": "Safeguarding",
    "volunteering": "Volunteering",
    "data-protection": "Data protection",
    "employment": "Employment",
    "equality": "Equality",
    "digital": "Digital",
    "impact": "Impact",
    "premises": "Premises",
}
AUDIENCES = {
    "everyone": "Anyone running a voluntary or community group",
    "trustees": "Trustees and management committees",
    "managers": "Managers and paid staff",
    "volunteers": "Volunteers and volunteer coordinators",
    "small-groups": "Small and new community groups",
    "infrastructure": "CVS and Volunteer Centre staff",
}
#: slug -> (label, link to the licence text)
LICENCES = {
    "cc-by-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "cc-by-sa-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "cc-by-nc-4.0": (
        "Creative Commons Attribution-NonCommercial 4.0",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    "ogl-3.0": (
        "Open Government Licence 3.0",
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
    "all-rights-reserved": ("All rights reserved: ask the owner before reusing", ""),
}
DEFAULT_LICENCE = "cc-by-4.0"
#: The peer-review checklist: field -> question.
CHECKLIST = {
    "accurate": "Accurate: the facts and the law are right",
    "up_to_date": "Up to date: nothing has been overtaken by changes",
    "plain_english": "Plain English: short sentences, jargon explained",
    "accessible": "Accessible: headings, link text and files usable by everyone",
    "legally_sound": "Legally sound: nothing here would put a group at legal risk",
}


#: FTS5 makes `resource_version_fts` and these shadow tables beside it.
FTS_SHADOW_TABLES = ("", "_data", "_idx", "_docsize", "_config")


#: A quality check lapses after twelve months; the owner is reminded REMIND_DAYS_BEFORE.
REVIEW_VALID_DAYS = 365
REMIND_DAYS_BEFORE = 30


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def pack_topics(topics: list[str] | tuple[str, ...] | set[str]) -> str:
    """Topics as one string `|a|b|`: a topic filter is then one portable LIKE '%|a|%'."""
    chosen = [t for t in TOPICS if t in set(topics)]
    return "|" + "|".join(chosen) + "|" if chosen else ""


def unpack_topics(packed: str | None) -> list[str]:
    return [t for t in (packed or "").split("|") if t]


class ReviewState(enum.StrEnum):
    NONE = "none"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"

    @property
    def label(self) -> str:
        return {
            "none": "Not submitted for review",
            "in_review": "Waiting for peer review",
            "changes_requested": "Changes requested by a reviewer",
        }[self.value]


class ReviewDecision(enum.StrEnum):
    APPROVE = "approve"
    CHANGES = "changes"

    @property
    def label(self) -> str:
        return {"approve": "Approved", "changes": "Changes requested"}[self.value]


class _Content:
    """The fields a version snapshots from the working copy."""

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    #: Markdown; rendered and sanitised on display (services.render_markdown).
    body: Mapped[str] = mapped_column(Text, default="")
    resource_type: Mapped[str] = mapped_column(String(40))
    #: `|topic|topic|` (pack_topics)
    topics: Mapped[str] = mapped_column(String(300), default="")
    audience: Mapped[str] = mapped_column(String(40))
    licence: Mapped[str] = mapped_column(String(40), default=DEFAULT_LICENCE)

    @property
    def topic_list(self) -> list[str]:
        return unpack_topics(self.topics)

    @property
    def type_label(self) -> str:
        return RESOURCE_TYPES.get(self.resource_type, self.resource_type)

    @property
    def audience_label(self) -> str:
        return AUDIENCES.get(self.audience, self.audience)

    @property
    def licence_label(self) -> str:
        return LICENCES.get(self.licence, (self.licence, ""))[0]

    @property
    def licence_url(self) -> str:
        return LICENCES.get(self.licence, ("", ""))[1]


class Resource(_Content, db.Model):
    """A resource and its working copy (hub-level; see the module docstring)."""

    __tablename__ = "resource"
    __table_args__ = (
        CheckConstraint("download_count >= 0", name="download_count_not_negative"),
        Index("ix_resource_owner", "owner_workspace_id", "updated_at"),
        Index("ix_resource_pool", "published_number", "retired_at"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: The workspace whose staff may edit it; the hub's own workspace row for hub resources.
    owner_workspace_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="RESTRICT")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The number of the version the public sees; None until first published.
    published_number: Mapped[int | None] = mapped_column(Integer)
    #: The highest version number published so far (0: never).
    latest_number: Mapped[int] = mapped_column(Integer, default=0)
    #: The version that passed peer review; the badge shows while it is the published one
    #: and the check is under REVIEW_VALID_DAYS old.
    checked_number: Mapped[int | None] = mapped_column(Integer)
    #: When the second approval came (the review date shown with the badge).
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the owner was last reminded that the check runs out (once per check).
    review_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the version under review was submitted (the hub's queue shows how long it waits).
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_state: Mapped[ReviewState] = mapped_column(
        _enum(ReviewState, "resource_review_state"), default=ReviewState.NONE
    )
    #: The version under review (a snapshot, so the draft can move on meanwhile).
    review_number: Mapped[int | None] = mapped_column(Integer)
    featured: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    download_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Views of its public page (GET only; never who viewed it).
    view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_published(self) -> bool:
        return self.published_number is not None and self.retired_at is None

    @property
    def check_expires_at(self) -> datetime | None:
        if self.checked_at is None:
            return None
        return _aware(self.checked_at) + timedelta(days=REVIEW_VALID_DAYS)

    @property
    def _checked_version_is_published(self) -> bool:
        return self.checked_number is not None and self.checked_number == self.published_number

    @property
    def is_quality_checked(self) -> bool:
        """Two approvals of the published version, less than REVIEW_VALID_DAYS ago."""
        expires = self.check_expires_at
        return self._checked_version_is_published and expires is not None and expires > utcnow()

    @property
    def check_expired(self) -> bool:
        """The published version was checked, but the check is out of date."""
        return self._checked_version_is_published and not self.is_quality_checked


class ResourceVersion(_Content, db.Model):
    """One published version: a snapshot that never changes.

    On PostgreSQL the migration adds `search_vector`, a generated tsvector (title weighted A,
    summary B, body C) with a GIN index; the model leaves it out so SQLite works unchanged.
    """

    __tablename__ = "resource_version"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("resource.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    #: What changed, in the publisher's words.
    change_note: Mapped[str] = mapped_column(String(500), default="")
    #: The files of this version, one name per line (for the history).
    file_names: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


DATABASE_ONLY.update(
    {
        ("column", "resource_version.search_vector"),
        ("index", "ix_resource_version_search"),
        # SQLite's full-text index (FTS5) and its shadow tables: the migration makes them.
        *(("table", f"resource_version_fts{part}") for part in FTS_SHADOW_TABLES),
    }
)


class ResourceFile(db.Model):
    """A file of a resource. Its bytes are in storage (platform.core.storage) under `storage_key`.

    A file uploaded to the draft is public only from the version that publishes it
    (`added_in_version`) until the version that drops it (`removed_in_version`).
    """

    __tablename__ = "resource_file"
    __table_args__ = (
        Index("ix_resource_file_resource", "resource_id", "id"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("resource.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    #: Decided from the file's content, never from its name or the browser's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    added_in_version: Mapped[int | None] = mapped_column(Integer)
    removed_in_version: Mapped[int | None] = mapped_column(Integer)
    #: Taken out of the draft; leaves the public version when the next one is published.
    draft_removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    download_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_public(self) -> bool:
        return self.added_in_version is not None and self.removed_in_version is None


class ResourceReview(db.Model):
    """One reviewer's verdict on one version, from a workspace other than the owner's.

    At most one review per workspace per version, so two approvals are two workspaces.
    """

    __tablename__ = "resource_review"
    __table_args__ = (
        UniqueConstraint("resource_id", "version_number", "reviewer_workspace_id"),
        Index("ix_resource_review_reviewer", "reviewer_workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("resource.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewer_workspace_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE")
    )
    accurate: Mapped[bool] = mapped_column(Boolean, default=False)
    up_to_date: Mapped[bool] = mapped_column(Boolean, default=False)
    plain_english: Mapped[bool] = mapped_column(Boolean, default=False)
    accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    legally_sound: Mapped[bool] = mapped_column(Boolean, default=False)
    decision: Mapped[ReviewDecision] = mapped_column(_enum(ReviewDecision, "resource_decision"))
    comments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ResourceAdoption(TenantScoped, db.Model):
    """A workspace lists a pool resource on its own page: the workspace's own row (RLS)."""

    __tablename__ = "resource_adoption"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "resource_id"))

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("resource.id", ondelete="CASCADE"), index=True
    )
    adopted_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The workspace's own words shown with the resource on its page (local contacts, ...).
    local_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The version the workspace's staff last saw; a newer published one is a notice to them.
    seen_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ResourcePageView(db.Model):
    """How often a resource was opened from a workspace's page: counts, no personal data.

    Hub-level like the resource it counts (its owner reads it); one row per resource and
    workspace, incremented atomically in the database.
    """

    __tablename__ = "resource_page_view"
    __table_args__ = (
        UniqueConstraint("resource_id", "workspace_id"),
        CheckConstraint("views >= 0", name="views_not_negative"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("resource.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
