"""Peer review and hub curation.

A workspace submits its published version for review. Staff of OTHER workspaces review that
version (a snapshot: the draft may move on meanwhile) against the checklist and approve or ask
for changes; each workspace reviews a version at most once, so two approvals are two
workspaces. With two approvals the version is "quality-checked"; the badge shows while it is
the published version. Hub admins curate the pool: feature, retire and restore.

Who may see a draft under review: its owner's staff, and staff of any other workspace while
it is submitted (that is what review means); never once the review is over.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select

from londonhub.platform.core import audit
from londonhub.platform.core.errors import NotAllowed, NotFound
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus
from londonhub.platform.core.timeutil import utcnow

from . import expiry, services
from .models import (
    CHECKLIST,
    Resource,
    ResourceFile,
    ResourceReview,
    ResourceVersion,
    ReviewDecision,
    ReviewState,
)
from .services import ResourceError

APPROVALS_NEEDED = 2


def submit(user: object, owner: Workspace, resource_id: int) -> Resource:
    """Ask for peer review of the published version."""
    resource = services.get_owned(owner, resource_id, user, write=True)
    if resource.published_number is None or resource.retired_at is not None:
        raise ResourceError("Publish the resource before asking for a review")
    if resource.is_quality_checked:
        raise ResourceError("This version is already quality-checked")
    if resource.review_state == ReviewState.IN_REVIEW:
        raise ResourceError("This resource is already waiting for review")
    resource.review_state = ReviewState.IN_REVIEW
    resource.review_number = resource.published_number
    resource.submitted_at = utcnow()
    db.session.flush()
    audit.record(
        "resource.submit",
        f"Resource submitted for peer review: {resource.title} (version {resource.review_number})",
        workspace=None if owner.is_hub else owner,
        resource_id=resource.id,
    )
    return resource


def _require_reviewer(user: object, reviewer: Workspace) -> None:
    if reviewer.is_hub or not has_role(user, reviewer, Role.STAFF):
        raise NotAllowed(f"Only {reviewer.name}'s staff can review on its behalf")
    if reviewer.status != WorkspaceStatus.ACTIVE:
        raise NotAllowed(f"{reviewer.name} is {reviewer.status.value}: it cannot review")


def _already_reviewed(reviewer: Workspace):
    return exists().where(
        ResourceReview.resource_id == Resource.id,
        ResourceReview.version_number == Resource.review_number,
        ResourceReview.reviewer_workspace_id == reviewer.id,
    )


@dataclass
class QueueEntry:
    resource: Resource
    version: ResourceVersion
    owner: Workspace


def _queue_query(reviewer: Workspace):
    return (
        select(Resource, ResourceVersion, Workspace)
        .join(
            ResourceVersion,
            and_(
                ResourceVersion.resource_id == Resource.id,
                ResourceVersion.number == Resource.review_number,
            ),
        )
        .join(Workspace, Workspace.id == Resource.owner_workspace_id)
        .where(
            Resource.review_state == ReviewState.IN_REVIEW,
            Resource.owner_workspace_id != reviewer.id,
            Resource.retired_at.is_(None),
            ~_already_reviewed(reviewer),
        )
    )


def queue(user: object, reviewer: Workspace) -> list[QueueEntry]:
    """Resources of other workspaces waiting for a review this workspace has not given."""
    _require_reviewer(user, reviewer)
    rows = db.session.execute(
        _queue_query(reviewer).order_by(
            func.coalesce(Resource.submitted_at, Resource.updated_at), Resource.id
        )
    ).all()
    return [QueueEntry(*row) for row in rows]


def for_review(user: object, reviewer: Workspace, resource_id: int) -> QueueEntry:
    """A resource this workspace may review now, or NotFound (another workspace's draft that
    is not submitted, its own, or one it has reviewed already)."""
    _require_reviewer(user, reviewer)
    row = db.session.execute(_queue_query(reviewer).where(Resource.id == resource_id)).first()
    if row is None:
        raise NotFound("There is no resource waiting for your review at this address")
    return QueueEntry(*row)


def files_of_version(resource_id: int, number: int) -> list[ResourceFile]:
    """The files a version published (for reviewers, who review that version)."""
    return list(
        db.session.scalars(
            select(ResourceFile)
            .where(
                ResourceFile.resource_id == resource_id,
                ResourceFile.added_in_version <= number,
                (ResourceFile.removed_in_version.is_(None))
                | (ResourceFile.removed_in_version > number),
            )
            .order_by(ResourceFile.id)
        )
    )


def review_file(user: object, reviewer: Workspace, resource_id: int, file_id: int) -> ResourceFile:
    entry = for_review(user, reviewer, resource_id)
    for row in files_of_version(resource_id, entry.version.number):
        if row.id == file_id:
            return row
    raise NotFound("There is no such file")


def record(
    user: object,
    reviewer: Workspace,
    resource_id: int,
    *,
    checks: dict[str, bool],
    decision: str,
    comments: str,
) -> ResourceReview:
    """One workspace's verdict; the second approval makes the version quality-checked.

    Two verdicts at once (two workspaces approving, or two of one workspace's staff) are
    taken one after the other: the resource row is locked first, so the second sees the
    first's review and decides on it (PostgreSQL; SQLite writes one at a time anyway).
    """
    _require_reviewer(user, reviewer)
    locked = db.session.scalar(
        select(Resource)
        .where(Resource.id == resource_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    try:
        entry = for_review(user, reviewer, resource_id)
    except NotFound:
        if locked is None or locked.owner_workspace_id == reviewer.id or not locked.is_published:
            raise  # an unpublished draft of another workspace stays "not found"
        if db.session.scalar(select(_already_reviewed(reviewer)).where(Resource.id == locked.id)):
            raise ResourceError(
                f"{reviewer.name} has already reviewed this version", "decision"
            ) from None
        raise ResourceError(
            "This resource is no longer waiting for review: another reviewer has just "
            "decided on it",
            "decision",
        ) from None
    resource = entry.resource
    if decision not in set(ReviewDecision):
        raise ResourceError("Choose approve or ask for changes", "decision")
    comments = (comments or "").strip()
    ticked = {name: bool(checks.get(name)) for name in CHECKLIST}
    if decision == ReviewDecision.APPROVE and not all(ticked.values()):
        raise ResourceError(
            "Approve only when every item on the checklist is met; otherwise ask for changes",
            "decision",
        )
    if decision == ReviewDecision.CHANGES and not comments:
        raise ResourceError("Say what needs to change", "comments")
    if len(comments) > 5000:
        raise ResourceError("Keep comments to 5,000 characters or fewer", "comments")
    review = ResourceReview(
        resource_id=resource.id,
        version_number=resource.review_number,
        reviewer_id=getattr(user, "id", None),
        reviewer_workspace_id=reviewer.id,
        decision=ReviewDecision(decision),
        comments=comments,
        **ticked,
    )
    db.session.add(review)
    db.session.flush()
    owner_ws = entry.owner
    if review.decision == ReviewDecision.CHANGES:
        resource.review_state = ReviewState.CHANGES_REQUESTED
    elif _approvals(resource.id, resource.review_number) >= APPROVALS_NEEDED:
        resource.checked_number = resource.review_number
        resource.checked_at = utcnow()
        resource.review_state = ReviewState.NONE
        expiry.schedule_reminder(resource)
    resource.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "resource.review",
        f"{reviewer.name} reviewed {resource.title}: {review.decision.label}",
        workspace=None if owner_ws.is_hub else owner_ws,
        resource_id=resource.id,
        reviewer_workspace=reviewer.slug,
    )
    return review


def _approvals(resource_id: int, number: int) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(ResourceReview.reviewer_workspace_id))).where(
            ResourceReview.resource_id == resource_id,
            ResourceReview.version_number == number,
            ResourceReview.decision == ReviewDecision.APPROVE,
        )
    )


@dataclass
class ReviewView:
    review: ResourceReview
    reviewer_name: str


def reviews_of(user: object, owner: Workspace, resource_id: int) -> list[ReviewView]:
    """Every review of the owner's resource, newest first (for its editors)."""
    resource = services.get_owned(owner, resource_id, user)
    rows = db.session.execute(
        select(ResourceReview, Workspace.name)
        .join(Workspace, Workspace.id == ResourceReview.reviewer_workspace_id)
        .where(ResourceReview.resource_id == resource.id)
        .order_by(ResourceReview.created_at.desc(), ResourceReview.id.desc())
    ).all()
    return [ReviewView(review, name) for review, name in rows]


# --- hub curation ------------------------------------------------------------------------------


def _require_hub_admin(user: object) -> None:
    if not getattr(user, "is_hub_admin", False):
        raise NotAllowed("Only hub admins curate the resource pool")


def curate(user: object, resource_id: int, action: str) -> Resource:
    """feature / unfeature / retire / restore a pool resource."""
    _require_hub_admin(user)
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.published_number is None:
        raise NotFound("There is no published resource with this id")
    if action == "feature":
        resource.featured = True
    elif action == "unfeature":
        resource.featured = False
    elif action == "retire":
        resource.retired_at = resource.retired_at or utcnow()
        resource.featured = False
    elif action == "restore":
        resource.retired_at = None
    else:
        raise ResourceError("Choose feature, unfeature, retire or restore", "action")
    db.session.flush()
    audit.record(
        f"resource.{action}", f"Resource {action}d: {resource.title}", resource_id=resource.id
    )
    return resource


def pool_for_curation(user: object) -> list[tuple[Resource, Workspace]]:
    """Every published resource, retired ones too, with its owner."""
    _require_hub_admin(user)
    rows = db.session.execute(
        select(Resource, Workspace)
        .join(Workspace, Workspace.id == Resource.owner_workspace_id)
        .where(Resource.published_number.is_not(None))
        .order_by(Resource.retired_at.is_not(None), Resource.featured.desc(), Resource.title)
    ).all()
    return [(resource, owner) for resource, owner in rows]
