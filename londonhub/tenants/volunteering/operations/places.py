"""Places on a session: taken and given back by conditional UPDATEs of its `places_taken`.

The database applies those one at a time (PostgreSQL re-checks the WHERE on a row another
transaction just changed; SQLite has one writer), so a session is never overfilled and two
people taking the last place at once cannot both get it.
"""

from __future__ import annotations

from sqlalchemy import update

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, tenant_context

from ..models import OpportunitySession, VolunteerResponse


def take_place(workspace: Workspace, session_id: int) -> bool:
    """Take one place on the session if one is free; True when taken."""
    with tenant_context(workspace.id):
        result = db.session.execute(
            update(OpportunitySession)
            .where(
                OpportunitySession.tenant_id == workspace.id,
                OpportunitySession.id == session_id,
                OpportunitySession.places_taken < OpportunitySession.places,
            )
            .values(places_taken=OpportunitySession.places_taken + 1)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def release_place(workspace: Workspace, response: VolunteerResponse) -> None:
    if not response.holds_place or response.session_id is None:
        return
    with tenant_context(workspace.id):
        db.session.execute(
            update(OpportunitySession)
            .where(
                OpportunitySession.tenant_id == workspace.id,
                OpportunitySession.id == response.session_id,
                OpportunitySession.places_taken > 0,
            )
            .values(places_taken=OpportunitySession.places_taken - 1)
            .execution_options(synchronize_session=False)
        )
        response.holds_place = False
