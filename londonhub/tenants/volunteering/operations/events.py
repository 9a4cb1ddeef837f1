"""The volunteering area's domain events (core.events): ids and timestamps only, never the
volunteer's name, email or profile."""

from __future__ import annotations

from londonhub.platform.core.events import emit, register_event_type, timestamp
from londonhub.platform.core.tenancy import Workspace

from ..models import Opportunity, OpportunitySession, VolunteerResponse


def register() -> None:
    register_event_type(
        "volunteer.signed_up",
        "Someone signs up for one of the workspace's opportunities (a session's place, its "
        "waiting list, or interest in the opportunity).",
        {
            "response_id": "the sign-up",
            "volunteer_id": "the person's account id (the same for all their sign-ups)",
            "opportunity": "id and title of the opportunity",
            "session": "id, starts_at and ends_at of the session (null for interest only)",
            "status": "pending (a place is held), waitlisted or interested",
            "signed_up_at": "when they signed up",
        },
    )


def signed_up(
    workspace: Workspace,
    opportunity: Opportunity,
    session: OpportunitySession | None,
    response: VolunteerResponse,
) -> None:
    emit(
        workspace,
        "volunteer.signed_up",
        {
            "response_id": response.id,
            "volunteer_id": response.user_id,
            "opportunity": {"id": opportunity.id, "title": opportunity.title},
            "session": None
            if session is None
            else {
                "id": session.id,
                "starts_at": timestamp(session.starts_at),
                "ends_at": timestamp(session.ends_at),
            },
            "status": response.status.value,
            "signed_up_at": timestamp(response.updated_at or response.created_at),
        },
    )
