"""Quality checks lapse after twelve months; the hub watches the review queue.

A check is good for REVIEW_VALID_DAYS from its second approval (`Resource.checked_at`); after
that the resource shows that its check is out of date until it is reviewed again. The owner is
reminded REMIND_DAYS_BEFORE the end, once per check: a job scheduled at the approval (where RQ
has a scheduler) and a sweep, `flask resources remind-reviews`, which a daily cron runs and
which is safe to repeat (`review_reminded_at` records the reminder in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from londonhub.platform.core.errors import NotAllowed
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.jobs import enqueue_at, job
from londonhub.platform.core.notifications import notify_person, notify_staff, site_link
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import utcnow

from .models import (
    REMIND_DAYS_BEFORE,
    REVIEW_VALID_DAYS,
    Resource,
    ResourceReview,
    ResourceVersion,
    ReviewDecision,
    ReviewState,
    _aware,
)

EVENT = "resource.review_due"


def reminder_due_at(checked_at: datetime) -> datetime:
    return _aware(checked_at) + timedelta(days=REVIEW_VALID_DAYS - REMIND_DAYS_BEFORE)


def schedule_reminder(resource: Resource) -> None:
    """At the second approval: remind the owner before the check runs out."""
    if resource.checked_at is not None:
        enqueue_at(reminder_due_at(resource.checked_at), remind_review_job, resource.id)


def _due():
    """Checked, published versions whose reminder time has come and who were not yet told."""
    cutoff = utcnow() - timedelta(days=REVIEW_VALID_DAYS - REMIND_DAYS_BEFORE)
    return (
        select(Resource)
        .where(
            Resource.checked_number.is_not(None),
            Resource.checked_number == Resource.published_number,
            Resource.retired_at.is_(None),
            Resource.checked_at <= cutoff,
            or_(
                Resource.review_reminded_at.is_(None),
                Resource.review_reminded_at < Resource.checked_at,
            ),
        )
        .order_by(Resource.checked_at, Resource.id)
    )


def _remind(resource: Resource) -> None:
    owner = db.session.get(Workspace, resource.owner_workspace_id)
    expires = resource.check_expires_at
    when = "has run out" if expires <= utcnow() else f"runs out on {expires:%-d %B %Y}"
    message = (
        f"The quality check of “{resource.title}” {when}. Ask for a new peer review so "
        "it stays quality-checked in the London resource pool."
    )
    subject = "A resource's quality check needs renewing"
    if owner.is_hub:
        link = site_link("resources_hub.manage", resource_id=resource.id)
        for admin in db.session.scalars(select(User).where(User.is_hub_admin.is_(True))):
            notify_person(admin, EVENT, subject, message, link=link)
    else:
        link = site_link("resources_admin.manage", slug=owner.slug, resource_id=resource.id)
        notify_staff(owner, EVENT, subject, message, link)
    resource.review_reminded_at = utcnow()


def remind_due_reviews() -> int:
    """Remind every owner whose check ends within REMIND_DAYS_BEFORE (or has ended) and who
    has not been reminded for this check. Returns how many were reminded."""
    rows = list(db.session.scalars(_due().with_for_update(skip_locked=True)))
    for resource in rows:
        _remind(resource)
    db.session.flush()
    return len(rows)


@job
def remind_review_job(resource_id: int) -> None:
    """The scheduled reminder of one resource (does nothing if it was reviewed again since,
    or the sweep got there first)."""
    resource = db.session.scalar(_due().where(Resource.id == resource_id).with_for_update())
    if resource is not None:
        _remind(resource)
    db.session.commit()


# --- the hub's review queue --------------------------------------------------------------------


@dataclass
class Waiting:
    resource: Resource
    version: ResourceVersion
    owner: Workspace
    approvals: int
    changes: int

    @property
    def waiting_days(self) -> int:
        since = self.resource.submitted_at or self.resource.updated_at
        return max((utcnow() - _aware(since)).days, 0)


def hub_queue(user: object) -> list[Waiting]:
    """Everything submitted and not yet decided, oldest first, with the reviews it has."""
    if not getattr(user, "is_hub_admin", False):
        raise NotAllowed("Only hub admins see the whole review queue")
    reviewed = (
        select(
            ResourceReview.resource_id,
            ResourceReview.version_number,
            func.sum(case((ResourceReview.decision == ReviewDecision.APPROVE, 1), else_=0)).label(
                "approvals"
            ),
            func.sum(case((ResourceReview.decision == ReviewDecision.CHANGES, 1), else_=0)).label(
                "changes"
            ),
        )
        .group_by(ResourceReview.resource_id, ResourceReview.version_number)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Resource,
            ResourceVersion,
            Workspace,
            func.coalesce(reviewed.c.approvals, 0),
            func.coalesce(reviewed.c.changes, 0),
        )
        .join(
            ResourceVersion,
            and_(
                ResourceVersion.resource_id == Resource.id,
                ResourceVersion.number == Resource.review_number,
            ),
        )
        .join(Workspace, Workspace.id == Resource.owner_workspace_id)
        .outerjoin(
            reviewed,
            and_(
                reviewed.c.resource_id == Resource.id,
                reviewed.c.version_number == Resource.review_number,
            ),
        )
        .where(
            Resource.review_state.in_([ReviewState.IN_REVIEW, ReviewState.CHANGES_REQUESTED]),
            Resource.retired_at.is_(None),
        )
        .order_by(func.coalesce(Resource.submitted_at, Resource.updated_at), Resource.id)
    ).all()
    return [Waiting(*row) for row in rows]
