"""Authoring resources: drafts, files, publishing versions, history and diffs.

Plain functions, no `request`. Every function that reads or writes a draft takes the owner
workspace and names it in its query, then checks the person's role there (`require_editor`):
see the tenancy model in models.py. Services flush, never commit: one transaction per action.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from londonhub.platform.core import audit
from londonhub.platform.core.errors import NotAllowed, NotFound
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.storage import get_storage, new_key
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus
from londonhub.platform.core.timeutil import utcnow

from . import events
from .files import FileRefused, check_file
from .markup import DiffLine, diff_lines
from .models import (
    AUDIENCES,
    LICENCES,
    RESOURCE_TYPES,
    TOPICS,
    Resource,
    ResourceFile,
    ResourceVersion,
    ReviewState,
    pack_topics,
    unpack_topics,
)
from .pool import published_after as published_after  # the API's keyset page

CONTENT_FIELDS = ("title", "summary", "body", "resource_type", "topics", "audience", "licence")
MAX_BODY = 100_000


class ResourceError(ValueError):
    """Bad input; `field` is the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class ResourceInput:
    title: str
    summary: str = ""
    body: str = ""
    resource_type: str = "advice-sheet"
    topics: list[str] = field(default_factory=list)
    audience: str = "everyone"
    licence: str = "cc-by-4.0"

    def cleaned(self) -> dict[str, str]:
        """Column values, or ResourceError naming the field."""
        title = (self.title or "").strip()
        if not title:
            raise ResourceError("Enter a title", "title")
        if len(title) > 200:
            raise ResourceError("The title must be 200 characters or fewer", "title")
        summary = (self.summary or "").strip()
        if len(summary) > 600:
            raise ResourceError("The summary must be 600 characters or fewer", "summary")
        body = (self.body or "").replace("\r\n", "\n").strip()
        if len(body) > MAX_BODY:
            raise ResourceError(f"The text must be {MAX_BODY:,} characters or fewer", "body")
        checks = (
            ("resource_type", RESOURCE_TYPES, "Choose a type of resource"),
            ("audience", AUDIENCES, "Choose who the resource is for"),
            ("licence", LICENCES, "Choose a licence"),
        )
        for name, allowed, message in checks:
            if getattr(self, name) not in allowed:
                raise ResourceError(message, name)
        unknown = [t for t in self.topics or [] if t not in TOPICS]
        if unknown or not self.topics:
            raise ResourceError("Choose at least one topic from the list", "topics")
        return {
            "title": title,
            "summary": summary,
            "body": body,
            "resource_type": self.resource_type,
            "topics": pack_topics(self.topics),
            "audience": self.audience,
            "licence": self.licence,
        }


# --- who may edit ------------------------------------------------------------------------------


def is_editor(user: object, owner: Workspace) -> bool:
    """Staff of the owning workspace; hub admins for the hub's own resources."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if owner.is_hub:
        return bool(getattr(user, "is_hub_admin", False))
    return has_role(user, owner, Role.STAFF)


def require_editor(user: object, owner: Workspace, *, write: bool = False) -> None:
    if not is_editor(user, owner):
        raise NotAllowed(f"Only {owner.name}'s staff can change its resources")
    if write and owner.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{owner.name} is {owner.status.value}: its resources cannot be changed")


def get_owned(owner: Workspace, resource_id: int, user: object, *, write: bool = False) -> Resource:
    """The owner's resource with this id, for someone who may edit it. Another workspace's id
    is "not found", whoever asks."""
    resource = db.session.scalar(
        select(Resource).where(Resource.id == resource_id, Resource.owner_workspace_id == owner.id)
    )
    if resource is None:
        raise NotFound("There is no such resource here")
    require_editor(user, owner, write=write)
    return resource


def list_owned(owner: Workspace, user: object) -> list[Resource]:
    require_editor(user, owner)
    return list(
        db.session.scalars(
            select(Resource)
            .where(Resource.owner_workspace_id == owner.id)
            .order_by(Resource.updated_at.desc(), Resource.id.desc())
        )
    )


# --- drafts ------------------------------------------------------------------------------------


def create_resource(user: object, owner: Workspace, data: ResourceInput) -> Resource:
    require_editor(user, owner, write=True)
    values = data.cleaned()
    resource = Resource(owner_workspace_id=owner.id, created_by_id=getattr(user, "id", None))
    for name, value in values.items():
        setattr(resource, name, value)
    db.session.add(resource)
    db.session.flush()
    audit.record(
        "resource.create",
        f"Resource drafted: {resource.title}",
        workspace=None if owner.is_hub else owner,
        resource_id=resource.id,
    )
    return resource


def update_draft(user: object, owner: Workspace, resource_id: int, data: ResourceInput) -> Resource:
    resource = get_owned(owner, resource_id, user, write=True)
    for name, value in data.cleaned().items():
        setattr(resource, name, value)
    resource.updated_at = utcnow()
    db.session.flush()
    return resource


def draft_input(resource: Resource) -> ResourceInput:
    """The working copy as form input."""
    return ResourceInput(
        title=resource.title,
        summary=resource.summary,
        body=resource.body,
        resource_type=resource.resource_type,
        topics=unpack_topics(resource.topics),
        audience=resource.audience,
        licence=resource.licence,
    )


# --- files -------------------------------------------------------------------------------------


def file_max_bytes() -> int:
    return int(current_app.config["RESOURCE_FILE_MAX_BYTES"])


def add_file(
    user: object, owner: Workspace, resource_id: int, data: bytes, filename: str
) -> ResourceFile:
    """Store a checked file in the draft (public once the next version is published)."""
    resource = get_owned(owner, resource_id, user, write=True)
    try:
        checked = check_file(data, filename, max_bytes=file_max_bytes())
    except FileRefused as exc:
        raise ResourceError(str(exc), "file") from exc
    key = new_key("resources")
    get_storage().put(key, data, checked.content_type)
    row = ResourceFile(
        resource_id=resource.id,
        filename=checked.filename,
        content_type=checked.content_type,
        kind=checked.kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=getattr(user, "id", None),
    )
    db.session.add(row)
    resource.updated_at = utcnow()
    db.session.flush()
    return row


def remove_file(user: object, owner: Workspace, resource_id: int, file_id: int) -> None:
    """Take a file out of the draft; a published file stays public until the next version."""
    resource = get_owned(owner, resource_id, user, write=True)
    row = _file_of(resource.id, file_id)
    if row.added_in_version is None:
        get_storage().delete(row.storage_key)
        db.session.delete(row)
    else:
        row.draft_removed = True
    resource.updated_at = utcnow()
    db.session.flush()


def _file_of(resource_id: int, file_id: int) -> ResourceFile:
    row = db.session.scalar(
        select(ResourceFile).where(
            ResourceFile.id == file_id, ResourceFile.resource_id == resource_id
        )
    )
    if row is None:
        raise NotFound("There is no such file")
    return row


def draft_files(resource_id: int) -> list[ResourceFile]:
    return list(
        db.session.scalars(
            select(ResourceFile)
            .where(
                ResourceFile.resource_id == resource_id,
                ResourceFile.draft_removed.is_(False),
                ResourceFile.removed_in_version.is_(None),
            )
            .order_by(ResourceFile.id)
        )
    )


def owned_file(user: object, owner: Workspace, resource_id: int, file_id: int) -> ResourceFile:
    """A draft's file, for its editors (to check what they uploaded)."""
    resource = get_owned(owner, resource_id, user)
    return _file_of(resource.id, file_id)


def file_bytes(row: ResourceFile) -> bytes:
    return get_storage().get(row.storage_key)


# --- versions ----------------------------------------------------------------------------------


def latest_version(resource: Resource) -> ResourceVersion | None:
    if not resource.latest_number:
        return None
    return version_of(resource.id, resource.latest_number)


def version_of(resource_id: int, number: int) -> ResourceVersion | None:
    return db.session.scalar(
        select(ResourceVersion).where(
            ResourceVersion.resource_id == resource_id, ResourceVersion.number == number
        )
    )


def versions(resource_id: int) -> list[ResourceVersion]:
    return list(
        db.session.scalars(
            select(ResourceVersion)
            .where(ResourceVersion.resource_id == resource_id)
            .order_by(ResourceVersion.number.desc())
        )
    )


def has_unpublished_changes(resource: Resource, files: list[ResourceFile]) -> bool:
    latest = latest_version(resource)
    if latest is None:
        return True
    if any(getattr(resource, name) != getattr(latest, name) for name in CONTENT_FIELDS):
        return True
    return any(f.added_in_version is None for f in files) or _pending_removals(resource.id)


def _pending_removals(resource_id: int) -> bool:
    return (
        db.session.scalar(
            select(ResourceFile.id).where(
                ResourceFile.resource_id == resource_id,
                ResourceFile.draft_removed.is_(True),
                ResourceFile.removed_in_version.is_(None),
            )
        )
        is not None
    )


def publish(user: object, owner: Workspace, resource_id: int, change_note: str) -> ResourceVersion:
    """Publish the draft as the next version; the pool shows it from now on."""
    resource = get_owned(owner, resource_id, user, write=True)
    if resource.retired_at is not None:
        raise ResourceError("This resource has been retired by the hub", "change_note")
    note = (change_note or "").strip()
    number = resource.latest_number + 1
    if number > 1 and not note:
        raise ResourceError("Say what changed in this version", "change_note")
    if len(note) > 500:
        raise ResourceError("Keep the note to 500 characters or fewer", "change_note")
    files = draft_files(resource.id)
    if not has_unpublished_changes(resource, files):
        raise ResourceError("Nothing has changed since the last version", "change_note")
    for row in db.session.scalars(
        select(ResourceFile).where(ResourceFile.resource_id == resource.id)
    ):
        if row.removed_in_version is not None:
            continue
        if row.draft_removed:
            row.removed_in_version = number
        elif row.added_in_version is None:
            row.added_in_version = number
    version = ResourceVersion(
        resource_id=resource.id,
        number=number,
        change_note=note or "First version",
        file_names="\n".join(f.filename for f in files),
        published_by_id=getattr(user, "id", None),
        **{name: getattr(resource, name) for name in CONTENT_FIELDS},
    )
    db.session.add(version)
    resource.latest_number = number
    resource.published_number = number
    # A pending review was of the previous version: the owner asks again for this one.
    resource.review_state = ReviewState.NONE
    resource.updated_at = utcnow()
    db.session.flush()
    if number > 1:
        from .adoption import notify_adopters  # adoption builds on services

        notify_adopters(resource, version)
    if not owner.is_hub:  # the hub's own resources have no workspace systems to tell
        events.published(owner, resource, version)
    audit.record(
        "resource.publish",
        f"Resource published: {resource.title} (version {number})",
        workspace=None if owner.is_hub else owner,
        resource_id=resource.id,
        version=number,
    )
    return version


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: list[DiffLine]


def compare(old: object | None, new: object) -> list[FieldDiff]:
    """What changed between two versions (or a version and the draft), field by field."""
    labels = {
        "title": "Title",
        "summary": "Summary",
        "body": "Text",
        "resource_type": "Type",
        "topics": "Topics",
        "audience": "Audience",
        "licence": "Licence",
        "file_names": "Files",
    }
    shown = {
        "resource_type": lambda v: RESOURCE_TYPES.get(v, v),
        "audience": lambda v: AUDIENCES.get(v, v),
        "licence": lambda v: LICENCES.get(v, (v, ""))[0],
        "topics": lambda v: "\n".join(TOPICS.get(t, t) for t in unpack_topics(v)),
    }
    diffs = []
    for name, label in labels.items():
        before = getattr(old, name, "") if old is not None else ""
        after = getattr(new, name, "")
        if name in shown:
            before, after = shown[name](before or ""), shown[name](after or "")
        lines = diff_lines(before or "", after or "")
        if lines:
            diffs.append(FieldDiff(label, lines))
    return diffs
