from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import london_to_utc, london_today
from londonhub.tenants.volunteering.models import OpportunityStatus, Schedule
from londonhub.tenants.volunteering.operations import groups, opportunities

ADMIN = "admin@hackney.example.org"
CAMDEN_ADMIN = "admin@camden.example.org"


def group_values(**overrides) -> dict:
    values = {
        "name": "Hackney Food Bank",
        "kind": "charity",
        "charity_number": "1234567",
        "company_number": None,
        "causes": ["food-poverty"],
        "contact_name": "Fola Coordinator",
        "contact_email": "fola@foodbank.example.org",
        "contact_phone": "020 7946 0001",
        "address": "1 Mare Street",
        "postcode": "e8 1dy",
        "website": "https://foodbank.example.org",
        "listed_publicly": True,
    }
    values.update(overrides)
    return values


def opportunity_values(group_id: int, **overrides) -> dict:
    values = {
        "group_id": group_id,
        "title": "Warehouse helper",
        "summary": "Sort donations and pack parcels.",
        "description": "Friendly team, no experience needed.",
        "cause": "food-poverty",
        "skills": ["practical"],
        "remote": False,
        "address": "1 Mare Street",
        "postcode": "E8 1DY",
        "schedule": Schedule.ONE_OFF,
        "minimum_age": 16,
        "dbs_needed": False,
        "expenses_paid": True,
        "training_given": False,
        "step_free": False,
        "group_size": None,
        "skills_based": False,
        "status": OpportunityStatus.PUBLISHED,
        "closing_date": None,
    }
    values.update(overrides)
    return values


def future_day(days: int = 7) -> date:
    return london_today() + timedelta(days=days)


@pytest.fixture
def hackney(make_workspace):
    return make_workspace("hackney", "Hackney CVS", borough="Hackney")


@pytest.fixture
def camden(make_workspace):
    return make_workspace("camden", "Camden CVS", borough="Camden")


@pytest.fixture
def admin(make_user, hackney):
    return make_user(ADMIN, name="Hana Admin", workspace=hackney, role="owner")


@pytest.fixture
def camden_admin(make_user, camden):
    return make_user(CAMDEN_ADMIN, name="Cam Admin", workspace=camden, role="owner")


def add_opportunity(
    workspace,
    user,
    group: str = "Hackney Food Bank",
    sessions: tuple[tuple[int, int], ...] = ((7, 5),),
    **overrides,
) -> int:
    """Adds a group (or reuses one by name), an opportunity and its sessions, committed;
    returns the opportunity's id. `sessions` are (days from today, places)."""
    existing = {g.name: g.id for g in groups.list_groups(workspace)}
    group_id = (
        existing.get(group) or groups.save_group(user, workspace, group_values(name=group)).id
    )
    opportunity_id = opportunities.save_opportunity(
        user, workspace, opportunity_values(group_id, **overrides)
    ).id
    for days, places in sessions:
        day = future_day(days)
        opportunities.add_session(
            user,
            workspace,
            opportunity_id,
            london_to_utc(day, time(10)),
            london_to_utc(day, time(13)),
            places,
        )
    db.session.commit()
    return opportunity_id


@pytest.fixture
def make_opportunity(app, admin, hackney) -> Callable[..., int]:
    """`add_opportunity` in Hackney as its admin unless told otherwise."""

    def factory(workspace=None, user=None, **kwargs) -> int:
        return add_opportunity(workspace or hackney, user or admin, **kwargs)

    return factory
