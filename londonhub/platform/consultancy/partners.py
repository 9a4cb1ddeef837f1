"""What a partner organisation's page shows of consultancy: its members' enquiries and
engagements (integrations reach this through `londonhub.consultancy_of_people`)."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.extensions import db

from .models import Associate, Engagement, Enquiry


def consultancy_of_people(user_ids: list[int]) -> list[tuple[Enquiry, Associate | None, object]]:
    """(enquiry, its associate, its engagement or None) for enquiries these people made."""
    if not user_ids:
        return []
    rows = db.session.execute(
        select(Enquiry, Associate, Engagement)
        .outerjoin(Associate, Associate.id == Enquiry.associate_id)
        .outerjoin(Engagement, Engagement.enquiry_id == Enquiry.id)
        .where(Enquiry.client_user_id.in_(user_ids))
        .order_by(Enquiry.created_at.desc(), Enquiry.id.desc())
        .limit(200)
    ).all()
    return [(e, a, g) for e, a, g in rows]
