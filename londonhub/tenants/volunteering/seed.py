"""Demo volunteering: three local groups in each of the 33 London workspaces, each with an
opportunity and its sessions, and a handful of volunteers with places, interest and verified
hours. Idempotent: a group already there (by name), or a volunteer who already has a profile,
is left alone."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import select

from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User, get_user_by_email
from londonhub.platform.core.seed import LONDON_WORKSPACES, register_seeder
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import london_to_utc, london_today, utcnow

from .models import (
    CONSENTS,
    HoursStatus,
    LocalGroup,
    Opportunity,
    OpportunitySession,
    OpportunityStatus,
    ResponseStatus,
    Schedule,
    VolunteerConsent,
    VolunteerHours,
    VolunteerProfile,
    VolunteerResponse,
)
from .operations import next_session
from .operations.places import take_place
from .operations.profiles import get_profile
from .vocab import pack

POSTCODES = ["E8 1DY", "N1 9GU", "SE1 7PB", "W6 9JU", "NW1 2DB", "SW2 1RW", "E15 4BQ", "N15 4QL"]

#: (group name pattern, kind, causes, opportunity) per demo group.
DEMO = [
    (
        "{borough} Community Food Bank",
        "charity",
        ["food-poverty", "homelessness"],
        {
            "title": "Food bank warehouse helper",
            "summary": "Sort donations and pack food parcels for families in {borough}.",
            "description": "Join a friendly team sorting donated food, checking dates and "
            "packing parcels. No experience needed; we show you everything on your first day.",
            "cause": "food-poverty",
            "skills": ["practical", "admin"],
            "schedule": Schedule.ONE_OFF,
            "minimum_age": 16,
            "expenses_paid": True,
            "training_given": True,
            "step_free": True,
            "group_size": 8,
            "sessions": [(3, time(10), time(13), 6), (10, time(10), time(13), 6)],
        },
    ),
    (
        "{borough} Green Spaces",
        "cio",
        ["environment", "health-wellbeing"],
        {
            "title": "Park gardening mornings",
            "summary": "Plant, weed and look after {borough}'s community gardens.",
            "description": "Outdoor work in all weathers: planting, pruning and litter picking. "
            "Tools, gloves and tea provided.",
            "cause": "environment",
            "skills": ["gardening", "practical"],
            "schedule": Schedule.WEEKLY,
            "minimum_age": 12,
            "training_given": True,
            "group_size": 15,
            "sessions": [(5, time(9, 30), time(12, 30), 12), (12, time(9, 30), time(12, 30), 12)],
        },
    ),
    (
        "{borough} Befriending Network",
        "unincorporated",
        ["older-people", "mental-health"],
        {
            "title": "Telephone befriender",
            "summary": "A weekly call with an older person in {borough} who lives alone.",
            "description": "Call the same person each week for a chat. You can do this from "
            "home; we match you carefully and support you throughout.",
            "cause": "older-people",
            "skills": ["befriending", "languages"],
            "schedule": Schedule.FLEXIBLE,
            "minimum_age": 18,
            "dbs_needed": True,
            "remote": True,
            "training_given": True,
            "expenses_paid": True,
            # An online induction before the first call.
            "sessions": [(8, time(18), time(19, 30), 20)],
        },
    ),
]


@register_seeder
def seed_volunteering() -> None:
    slugs = [slug for slug, *_ in LONDON_WORKSPACES]
    workspaces = db.session.scalars(select(Workspace).where(Workspace.slug.in_(slugs))).all()
    today = london_today()
    for index, workspace in enumerate(sorted(workspaces, key=lambda w: w.slug)):
        with tenant_context(workspace.id):
            existing = set(db.session.scalars(select(LocalGroup.name)))
            for number, (pattern, kind, causes, offer) in enumerate(DEMO):
                name = pattern.format(borough=workspace.borough)
                if name in existing:
                    continue
                postcode = POSTCODES[(index + number) % len(POSTCODES)]
                address = f"{20 + number} Church Road, {workspace.borough}"
                group = LocalGroup(
                    name=name,
                    kind=kind,
                    charity_number=str(1_100_000 + index * 10 + number)
                    if kind != "unincorporated"
                    else None,
                    causes=pack(causes),
                    contact_name=f"{workspace.borough} volunteer coordinator",
                    contact_email=f"volunteer{number}@{workspace.slug}.example.org",
                    address=address,
                    postcode=postcode,
                    listed_publicly=True,
                )
                db.session.add(group)
                db.session.flush()
                opportunity = Opportunity(
                    group_id=group.id,
                    title=offer["title"],
                    summary=offer["summary"].format(borough=workspace.borough),
                    description=offer["description"],
                    cause=offer["cause"],
                    skills=pack(offer["skills"]),
                    remote=offer.get("remote", False),
                    address="" if offer.get("remote") else address,
                    postcode="" if offer.get("remote") else postcode,
                    schedule=offer["schedule"],
                    minimum_age=offer.get("minimum_age"),
                    dbs_needed=offer.get("dbs_needed", False),
                    expenses_paid=offer.get("expenses_paid", False),
                    training_given=offer.get("training_given", False),
                    step_free=offer.get("step_free", False),
                    group_size=offer.get("group_size"),
                    status=OpportunityStatus.PUBLISHED,
                )
                db.session.add(opportunity)
                db.session.flush()
                for days, starts, ends, places in offer["sessions"]:
                    day = today + timedelta(days=days + index % 7)
                    db.session.add(
                        OpportunitySession(
                            opportunity_id=opportunity.id,
                            starts_at=london_to_utc(day, starts),
                            ends_at=london_to_utc(day, ends),
                            places=places,
                        )
                    )
                next_session.refresh(workspace, opportunity.id)
            db.session.flush()


#: (email, name, home borough, date of birth, borough they also showed interest in).
DEMO_VOLUNTEERS = [
    ("priya.volunteer@example.org", "Priya Shah", "camden", date(1991, 3, 14), "islington"),
    ("tom.volunteer@example.org", "Tom Okafor", "hackney", date(1985, 9, 2), "tower-hamlets"),
    ("maria.volunteer@example.org", "Maria Santos", "lambeth", date(1978, 1, 23), "southwark"),
    ("jamal.volunteer@example.org", "Jamal Reid", "newham", date(2000, 7, 30), "hackney"),
    ("ellen.volunteer@example.org", "Ellen Brooks", "croydon", date(1956, 11, 5), "sutton"),
]

FOOD_BANK = DEMO[0][3]["title"]
BEFRIENDING = DEMO[2][3]["title"]


@register_seeder
def seed_volunteers() -> None:
    """A handful of volunteers, each with a profile, an accepted place at their home borough's
    food bank, interest in a neighbouring borough's befriending, and verified hours. A person
    who already has a profile is left alone."""
    password = current_app.config["DEMO_PASSWORD"]
    today = london_today()
    for email, name, home, born, elsewhere in DEMO_VOLUNTEERS:
        user = get_user_by_email(email) or create_user(email, name, password, verified=True)
        if get_profile(user) is not None:
            continue
        db.session.add(
            VolunteerProfile(
                user_id=user.id,
                home_borough=home,
                causes=pack(["food-poverty", "older-people"]),
                skills=pack(["practical", "befriending"]),
                availability=pack(["weekend"]),
                date_of_birth=born,
                emergency_name=f"{name.split()[0]}'s partner",
                emergency_phone="020 7946 0100",
            )
        )
        db.session.add(
            VolunteerConsent(
                user_id=user.id, kind="share_profile", given=True, wording=CONSENTS["share_profile"]
            )
        )
        db.session.flush()
        _accepted_with_hours(user, home, today)
        _interested(user, elsewhere)
    db.session.flush()


def _workspace_opportunity(slug: str, title: str) -> tuple[Workspace, Opportunity] | None:
    workspace = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        return None
    with tenant_context(workspace.id):
        opportunity = db.session.scalar(
            select(Opportunity).where(
                Opportunity.tenant_id == workspace.id, Opportunity.title == title
            )
        )
    return (workspace, opportunity) if opportunity is not None else None


def _accepted_with_hours(user: User, slug: str, today: date) -> None:
    found = _workspace_opportunity(slug, FOOD_BANK)
    if found is None:
        return
    workspace, opportunity = found
    admin = get_user_by_email(f"admin@{slug}.example.org")
    with tenant_context(workspace.id):
        session = db.session.scalar(
            select(OpportunitySession)
            .where(
                OpportunitySession.tenant_id == workspace.id,
                OpportunitySession.opportunity_id == opportunity.id,
            )
            .order_by(OpportunitySession.starts_at)
            .limit(1)
        )
        holds = session is not None and take_place(workspace, session.id)
        db.session.add(
            VolunteerResponse(
                opportunity_id=opportunity.id,
                session_id=session.id if holds else None,
                user_id=user.id,
                status=ResponseStatus.ACCEPTED,
                holds_place=holds,
            )
        )
        for days_ago, minutes in ((21, 180), (14, 150), (7, 180)):
            db.session.add(
                VolunteerHours(
                    opportunity_id=opportunity.id,
                    user_id=user.id,
                    day=today - timedelta(days=days_ago),
                    minutes=minutes,
                    note="Sorting and packing",
                    status=HoursStatus.VERIFIED,
                    verified_by_id=admin.id if admin else None,
                    verified_at=utcnow(),
                )
            )
        db.session.flush()


def _interested(user: User, slug: str) -> None:
    found = _workspace_opportunity(slug, BEFRIENDING)
    if found is None:
        return
    workspace, opportunity = found
    with tenant_context(workspace.id):
        db.session.add(
            VolunteerResponse(
                opportunity_id=opportunity.id,
                user_id=user.id,
                status=ResponseStatus.INTERESTED,
                message="I'd love to help with calls in the evenings.",
            )
        )
        db.session.flush()
