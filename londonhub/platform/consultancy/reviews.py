"""Reviews: the client of a completed engagement reviews its associate; hub admins moderate;
published reviews show on the associate's page."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

from .associates import ConsultancyError, NotAllowed, NotFound
from .engagements import get_engagement
from .models import EngagementStatus, Review, ReviewStatus


def leave_review(user: User, engagement_id: int, rating: int | None, text: str) -> Review:
    """Only the client of a completed engagement reviews its associate; moderated first."""
    try:
        engagement = get_engagement(user, engagement_id)
    except NotFound:
        raise ConsultancyError("You can only review an associate you engaged", "text") from None
    if engagement.client_user_id != user.id:
        raise ConsultancyError("You can only review an associate you engaged", "text")
    if engagement.status != EngagementStatus.COMPLETED:
        raise ConsultancyError("You can review the associate once the work is complete", "text")
    if rating is None or not 1 <= rating <= 5:
        raise ConsultancyError("Choose a rating from 1 to 5", "rating")
    if not text.strip():
        raise ConsultancyError("Write a few words about the work", "text")
    if db.session.scalar(select(Review.id).where(Review.engagement_id == engagement.id)):
        raise ConsultancyError("You have already reviewed this engagement", "text")
    review = Review(
        engagement_id=engagement.id,
        associate_id=engagement.associate_id,
        client_user_id=user.id,
        rating=rating,
        text=text.strip()[:5000],
    )
    db.session.add(review)
    db.session.flush()
    return review


def moderate_review(actor: User, review_id: int, publish: bool) -> Review:
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins moderate reviews")
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound("No such review")
    review.status = ReviewStatus.PUBLISHED if publish else ReviewStatus.REJECTED
    db.session.flush()
    return review


def published_reviews(associate_id: int) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.associate_id == associate_id, Review.status == ReviewStatus.PUBLISHED)
            .order_by(Review.created_at.desc())
            .limit(50)
        )
    )


def pending_reviews() -> list[Review]:
    return list(
        db.session.scalars(
            select(Review).where(Review.status == ReviewStatus.PENDING).order_by(Review.id)
        )
    )
