"""Volunteer profiles: one per person across London, the person's own.

A workspace sees a profile (and its emergency contact) only once the person has engaged with
it: responded to one of its opportunities. `engaged_profile` is the one way a workspace reads a
profile, and it checks that first; nothing else hands a profile to a workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context

from ..models import CONSENTS, VolunteerConsent, VolunteerProfile, VolunteerResponse
from ..vocab import AVAILABILITY_KEYS, CAUSES, NEIGHBOURS, SKILLS, pack
from . import NotFound, VolunteeringError

PROFILE_FIELDS = (
    "home_borough",
    "causes",
    "skills",
    "availability",
    "adjustments",
    "date_of_birth",
    "emergency_name",
    "emergency_phone",
)
PACKED = ("causes", "skills", "availability")


def get_profile(user: User) -> VolunteerProfile | None:
    return db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))


def consents(user: User) -> dict[str, bool]:
    """The person's latest answer to each consent (False when never asked)."""
    rows = db.session.execute(
        select(VolunteerConsent.kind, VolunteerConsent.given)
        .where(VolunteerConsent.user_id == user.id)
        .order_by(VolunteerConsent.recorded_at, VolunteerConsent.id)
    )
    latest = dict.fromkeys(CONSENTS, False)
    for kind, given in rows:
        latest[kind] = given
    return latest


def consent_history(user: User) -> list[VolunteerConsent]:
    return list(
        db.session.scalars(
            select(VolunteerConsent)
            .where(VolunteerConsent.user_id == user.id)
            .order_by(VolunteerConsent.recorded_at.desc(), VolunteerConsent.id.desc())
        )
    )


def _check(values: dict[str, Any], today: date) -> None:
    if values.get("home_borough") and values["home_borough"] not in NEIGHBOURS:
        raise VolunteeringError("Choose your home borough from the list", "home_borough")
    if set(values.get("causes") or []) - set(CAUSES):
        raise VolunteeringError("Choose causes from the list", "causes")
    if set(values.get("skills") or []) - set(SKILLS):
        raise VolunteeringError("Choose skills from the list", "skills")
    if set(values.get("availability") or []) - set(AVAILABILITY_KEYS):
        raise VolunteeringError("Choose when you are available from the list", "availability")
    born = values.get("date_of_birth")
    if born is not None and (born >= today or born.year < today.year - 120):
        raise VolunteeringError("Enter your real date of birth", "date_of_birth")
    if bool(values.get("emergency_name")) != bool(values.get("emergency_phone")):
        field = "emergency_phone" if values.get("emergency_name") else "emergency_name"
        raise VolunteeringError(
            "Give both a name and a phone number for your emergency contact", field
        )


def save_profile(
    user: User, values: dict[str, Any], given: dict[str, bool], today: date
) -> VolunteerProfile:
    """Create or change the person's own profile; each consent that changed is recorded as a
    new row (the history is kept)."""
    _check(values, today)
    profile = get_profile(user)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id)
        db.session.add(profile)
    for name in PROFILE_FIELDS:
        if name in values:
            value = values[name]
            setattr(profile, name, pack(value or []) if name in PACKED else value)
    for kind, was in consents(user).items():
        now = bool(given.get(kind))
        if now != was:
            db.session.add(
                VolunteerConsent(user_id=user.id, kind=kind, given=now, wording=CONSENTS[kind])
            )
    db.session.flush()
    record("volunteering.profile_saved", "Saved their volunteer profile", actor=user)
    return profile


@dataclass
class EngagedVolunteer:
    user: User
    profile: VolunteerProfile | None


def has_engaged(workspace: Workspace, user_id: int) -> bool:
    """Whether the person responded to any of the workspace's opportunities."""
    with tenant_context(workspace.id):
        return (
            db.session.scalar(
                select(VolunteerResponse.id)
                .where(
                    VolunteerResponse.tenant_id == workspace.id,
                    VolunteerResponse.user_id == user_id,
                )
                .limit(1)
            )
            is not None
        )


def engaged_profile(workspace: Workspace, user_id: int) -> EngagedVolunteer:
    """A volunteer's account and profile for a workspace they engaged with; anyone else is
    simply not found (never revealing that the person or their profile exists)."""
    if not has_engaged(workspace, user_id):
        raise NotFound("There is no such volunteer here")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such volunteer here")
    profile = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user_id))
    return EngagedVolunteer(user, profile)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
