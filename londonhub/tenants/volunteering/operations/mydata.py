"""A volunteer's own data: everything held about them as JSON or CSV, and deleting their
volunteer profile.

Deleting removes the profile, the consent history, every response (places held are given
back and offered to the waiting list) and every entry of hours. Verified time stays only as
anonymous totals per opportunity (`AnonymousHours`: no person, day or note), so workspaces'
reports still count it. The person's account itself is not touched: it is the site's, not
volunteering's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context

from ..models import (
    AnonymousHours,
    HoursStatus,
    VolunteerConsent,
    VolunteerHours,
    VolunteerProfile,
    VolunteerResponse,
)
from ..vocab import AVAILABILITY, CAUSES, SKILLS, labels
from .hours import my_hours
from .places import release_place
from .profiles import consent_history, get_profile
from .signups import my_responses
from .waitlist import promote


def _when(moment) -> str:
    return moment.isoformat() if moment is not None else ""


def export_data(user: User) -> dict[str, Any]:
    """Everything volunteering holds about the person, across London, as plain data."""
    profile = get_profile(user)
    return {
        "account": {"name": user.name, "email": user.email},
        "profile": None
        if profile is None
        else {
            "home_borough": profile.home_borough,
            "causes": labels(profile.causes, CAUSES),
            "skills": labels(profile.skills, SKILLS),
            "availability": labels(profile.availability, AVAILABILITY),
            "adjustments": profile.adjustments,
            "date_of_birth": _when(profile.date_of_birth),
            "emergency_contact": {
                "name": profile.emergency_name,
                "phone": profile.emergency_phone,
            },
            "created_at": _when(profile.created_at),
            "updated_at": _when(profile.updated_at),
        },
        "consents": [
            {
                "consent": c.wording,
                "given": c.given,
                "recorded_at": _when(c.recorded_at),
            }
            for c in consent_history(user)
        ],
        "responses": [
            {
                "workspace": r.workspace_name,
                "opportunity": r.opportunity_title,
                "session_starts": _when(r.session_starts),
                "status": r.response.status.label,
                "message": r.response.message,
                "created_at": _when(r.response.created_at),
            }
            for r in my_responses(user)
        ],
        "hours": [
            {
                "workspace": h.workspace_name,
                "opportunity": h.opportunity_title,
                "day": _when(h.hours.day),
                "hours": h.hours.minutes / 60,
                "status": h.hours.status.label,
                "note": h.hours.note,
            }
            for h in my_hours(user)
        ],
    }


def export_rows(user: User) -> list[list[str]]:
    """The same as `export_data`, flattened for a spreadsheet: section, item, field, value."""
    rows = [["Section", "Item", "Field", "Value"]]

    def add(section: str, item: int, values: dict[str, Any], prefix: str = "") -> None:
        for key, value in values.items():
            if isinstance(value, dict):
                add(section, item, value, f"{prefix}{key}.")
            else:
                text = "; ".join(value) if isinstance(value, list) else value
                rows.append([section, str(item), f"{prefix}{key}", "" if text is None else text])

    data = export_data(user)
    add("account", 1, data["account"])
    if data["profile"] is not None:
        add("profile", 1, data["profile"])
    for section in ("consents", "responses", "hours"):
        for number, entry in enumerate(data[section], start=1):
            add(section, number, entry)
    return rows


@dataclass
class Deleted:
    responses: int
    hours_entries: int
    verified_minutes_kept: int


def delete_profile(user: User) -> Deleted:
    """Delete the person's volunteer profile and everything volunteering holds about them,
    keeping verified time only as anonymous totals (see the module's docstring)."""
    with hub_scope("a volunteer deleting their own data", audit=False):
        responses = list(
            db.session.scalars(
                select(VolunteerResponse).where(VolunteerResponse.user_id == user.id)
            )
        )
        entries = list(
            db.session.scalars(select(VolunteerHours).where(VolunteerHours.user_id == user.id))
        )
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        if entry.status == HoursStatus.VERIFIED:
            total = totals[(entry.tenant_id, entry.opportunity_id)]
            total[0] += entry.minutes
            total[1] += 1
    freed: list[tuple[int, int]] = []
    for tenant_id in sorted({r.tenant_id for r in responses} | {e.tenant_id for e in entries}):
        workspace = db.session.get(Workspace, tenant_id)
        with tenant_context(tenant_id):
            for response in (r for r in responses if r.tenant_id == tenant_id):
                if response.holds_place:
                    release_place(workspace, response)
                    freed.append((tenant_id, response.session_id))
                db.session.delete(response)
            for (total_tenant, opportunity_id), (minutes, count) in totals.items():
                if total_tenant == tenant_id:
                    db.session.add(
                        AnonymousHours(
                            opportunity_id=opportunity_id, minutes=minutes, entries=count
                        )
                    )
            db.session.execute(
                delete(VolunteerHours).where(
                    VolunteerHours.tenant_id == tenant_id, VolunteerHours.user_id == user.id
                )
            )
            db.session.flush()
    db.session.execute(delete(VolunteerConsent).where(VolunteerConsent.user_id == user.id))
    db.session.execute(delete(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    db.session.flush()
    for tenant_id, session_id in freed:
        promote(db.session.get(Workspace, tenant_id), session_id)
    kept = sum(minutes for minutes, _ in totals.values())
    record(
        "volunteering.profile_deleted",
        f"Deleted their volunteer profile ({len(responses)} responses, {len(entries)} entries "
        f"of hours; {kept / 60:g} verified hours kept as anonymous totals)",
        actor=user,
    )
    return Deleted(len(responses), len(entries), kept)
