"""The corporate area's domain events (core.events), for the workspace that places a
company's employee: ids, the company's name, its share in pence and timestamps."""

from __future__ import annotations

from londonhub.platform.core.events import emit, register_event_type, timestamp
from londonhub.platform.core.tenancy import Workspace

from ..models import CorporateAccount, CorporatePlacement


def register() -> None:
    register_event_type(
        "placement.confirmed",
        "The workspace confirms a company's employee onto one of its opportunities "
        "(corporate volunteering).",
        {
            "placement_id": "the placement",
            "volunteer_id": "the employee's account id",
            "company": "the company's name",
            "opportunity": "id and title of the opportunity",
            "workspace_share_pence": "what the workspace is paid for the placement, in pence",
            "confirmed_at": "when it was confirmed",
        },
    )


def placement_confirmed(
    workspace: Workspace,
    placement: CorporatePlacement,
    account: CorporateAccount,
    opportunity_title: str,
) -> None:
    emit(
        workspace,
        "placement.confirmed",
        {
            "placement_id": placement.id,
            "volunteer_id": placement.user_id,
            "company": account.name,
            "opportunity": {"id": placement.opportunity_id, "title": opportunity_title},
            "workspace_share_pence": placement.workspace_share_pence,
            "confirmed_at": timestamp(placement.confirmed_at),
        },
    )
