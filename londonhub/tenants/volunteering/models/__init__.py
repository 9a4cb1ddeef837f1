"""Volunteering's tables: listings (groups, opportunities, sessions) and volunteers
(profiles, consents, responses, hours). Tenant-owned rows reference their parents through
`(tenant_id, parent_id)`."""

from .listings import (
    LISTED,
    SUPPORT,
    LocalGroup,
    Opportunity,
    OpportunitySession,
    OpportunityStatus,
    Schedule,
)
from .volunteers import (
    CONSENTS,
    AnonymousHours,
    GroupCoordinator,
    HoursStatus,
    ResponseStatus,
    VolunteerConsent,
    VolunteerHours,
    VolunteerProfile,
    VolunteerResponse,
)

__all__ = [
    "CONSENTS",
    "AnonymousHours",
    "GroupCoordinator",
    "LISTED",
    "SUPPORT",
    "HoursStatus",
    "LocalGroup",
    "Opportunity",
    "OpportunitySession",
    "OpportunityStatus",
    "ResponseStatus",
    "Schedule",
    "VolunteerConsent",
    "VolunteerHours",
    "VolunteerProfile",
    "VolunteerResponse",
]
