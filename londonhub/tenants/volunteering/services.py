"""Volunteering's public face for other features (corporate volunteering uses it): the shared
London lists, the volunteer profile, opportunities and hours as read-only models, and the one
verb another feature needs, accepting a person onto an opportunity.

Features import each other only through `services` (the import-linter contract); everything
here is volunteering's own code, re-exported or a thin wrapper over its operations.
"""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context

from .models import (
    HoursStatus,
    LocalGroup,
    Opportunity,
    OpportunitySession,
    OpportunityStatus,
    ResponseStatus,
    VolunteerHours,
    VolunteerProfile,
    VolunteerResponse,
)
from .operations import NotFound, VolunteeringError
from .operations.feeds import hours_after, open_opportunities_after, responses_after
from .operations.hours import get_hours, verify
from .operations.opportunities import get_public_opportunity, is_open, upcoming_sessions
from .operations.profiles import consents, get_profile, save_profile
from .vocab import AVAILABILITY, CAUSES, NEIGHBOURS, SKILLS, pack, unpack

__all__ = [
    "AVAILABILITY",
    "CAUSES",
    "NEIGHBOURS",
    "SKILLS",
    "HoursStatus",
    "LocalGroup",
    "NotFound",
    "Opportunity",
    "OpportunitySession",
    "OpportunityStatus",
    "ResponseStatus",
    "VolunteerHours",
    "VolunteerProfile",
    "VolunteerResponse",
    "VolunteeringError",
    "accept_onto",
    "consents",
    "get_profile",
    "get_hours",
    "get_public_opportunity",
    "hours_after",
    "open_opportunities_after",
    "responses_after",
    "verify",
    "is_open",
    "pack",
    "save_profile",
    "unpack",
    "upcoming_sessions",
]


def accept_onto(workspace: Workspace, opportunity_id: int, user: User, note: str) -> None:
    """Record the person as accepted on the workspace's opportunity (no session: a placement
    arranged by the workspace), so they can record hours there like any volunteer. Reuses
    their earlier interest in it, if any; the caller checked the opportunity is open."""
    with tenant_context(workspace.id):
        response = db.session.scalar(
            select(VolunteerResponse).where(
                VolunteerResponse.tenant_id == workspace.id,
                VolunteerResponse.opportunity_id == opportunity_id,
                VolunteerResponse.user_id == user.id,
                VolunteerResponse.session_id.is_(None),
            )
        )
        if response is None:
            response = VolunteerResponse(
                opportunity_id=opportunity_id, session_id=None, user_id=user.id
            )
            db.session.add(response)
        response.status = ResponseStatus.ACCEPTED
        response.message = note[:2000]
        db.session.flush()
    record(
        "volunteering.accepted",
        f"{user.name} accepted through a corporate placement",
        workspace=workspace,
        response_id=response.id,
    )
