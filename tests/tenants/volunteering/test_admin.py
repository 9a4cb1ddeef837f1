"""Workspace admin: local groups and opportunities, sessions, and the form errors people see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import london_today
from londonhub.tenants.volunteering.models import LocalGroup, Opportunity, OpportunitySession
from londonhub.tenants.volunteering.operations import (
    NotAllowed,
    NotFound,
    VolunteeringError,
    groups,
    opportunities,
)
from tests.platform.core.helpers import field_error

from .conftest import ADMIN, future_day, group_values, opportunity_values

GROUP_FORM = {
    "name": "Clapton Community Garden",
    "kind": "cio",
    "charity_number": "1187654",
    "company_number": "",
    "causes": ["environment", "health-wellbeing"],
    "contact_name": "Gus Gardener",
    "contact_email": "gus@garden.example.org",
    "contact_phone": "",
    "address": "2 Clapton Square",
    "postcode": "e5 8hp",
    "website": "https://garden.example.org",
    "listed_publicly": "y",
}


def _count(workspace, model) -> int:
    with tenant_context(workspace.id):
        return db.session.scalar(select(func.count()).select_from(model))


def _opportunity_form(group_id: int, **overrides) -> dict:
    form = {
        "group_id": str(group_id),
        "title": "Garden volunteer",
        "summary": "Plant and weed.",
        "description": "Outdoors.",
        "cause": "environment",
        "skills": ["gardening"],
        "address": "2 Clapton Square",
        "postcode": "E5 8HP",
        "schedule": "weekly",
        "minimum_age": "14",
        "group_size": "10",
        "status": "published",
        "closing_date": "",
    }
    form.update(overrides)
    return form


def test_staff_add_a_group_and_an_opportunity_with_a_session(client, auth, admin, hackney):
    auth.login(ADMIN)
    assert client.get("/b/hackney/admin/volunteering/").status_code == 200
    response = client.post("/b/hackney/admin/volunteering/groups/new", data=GROUP_FORM)
    assert response.status_code == 302
    group = groups.list_groups(hackney)[0]
    assert (group.name, group.kind, group.postcode) == ("Clapton Community Garden", "cio", "E5 8HP")
    assert group.cause_slugs == ["environment", "health-wellbeing"]

    response = client.post(
        "/b/hackney/admin/volunteering/opportunities/new", data=_opportunity_form(group.id)
    )
    assert response.status_code == 302
    row = opportunities.list_opportunities(hackney)[0]
    assert row.opportunity.title == "Garden volunteer"
    assert row.opportunity.skill_slugs == ["gardening"]
    assert row.group_name == "Clapton Community Garden"
    edit = response.headers["Location"]

    day = future_day(10)
    response = client.post(
        f"{edit}/sessions",
        data={
            "session-day": day.isoformat(),
            "session-starts": "10:00",
            "session-ends": "12:30",
            "session-places": "8",
            "session-place": "The walled garden",
        },
    )
    assert response.status_code == 302
    page = client.get(edit).get_data(as_text=True)
    assert "The walled garden" in page and "0 of 8" in page
    listing = client.get("/b/hackney/admin/volunteering/").get_data(as_text=True)
    assert "Garden volunteer" in listing and "Clapton Community Garden" in listing


@pytest.mark.parametrize(
    ("session", "field", "message"),
    [
        (
            {"session-day": "2020-01-06", "session-starts": "10:00", "session-ends": "12:00"},
            "session-day",
            "The session must start in the future",
        ),
        (
            {"session-starts": "14:00", "session-ends": "13:00"},
            "session-ends",
            "The end time must be after the start time",
        ),
        (
            {"session-starts": "14:00", "session-ends": "14:00"},
            "session-ends",
            "The end time must be after the start time",
        ),
    ],
)
def test_impossible_sessions_are_refused_with_a_clear_error(
    client, auth, hackney, make_opportunity, session, field, message
) -> None:
    opportunity_id = make_opportunity(sessions=())
    auth.login(ADMIN)
    data = {
        "session-day": future_day(3).isoformat(),
        "session-places": "4",
        **session,
    }
    response = client.post(
        f"/b/hackney/admin/volunteering/opportunities/{opportunity_id}/sessions", data=data
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert "There is a problem" in html
    assert _count(hackney, OpportunitySession) == 0


def test_a_closing_date_before_today_is_refused(client, auth, hackney, make_opportunity):
    make_opportunity(sessions=())
    group_id = groups.list_groups(hackney)[0].id
    auth.login(ADMIN)
    yesterday = (london_today() - timedelta(days=1)).isoformat()
    response = client.post(
        "/b/hackney/admin/volunteering/opportunities/new",
        data=_opportunity_form(group_id, closing_date=yesterday),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "closing_date") == "The closing date must be today or later"
    assert _count(hackney, Opportunity) == 1  # only the fixture's


def test_form_errors_name_the_field_and_write_nothing(client, auth, admin, hackney):
    auth.login(ADMIN)
    response = client.post(
        "/b/hackney/admin/volunteering/groups/new",
        data={**GROUP_FORM, "kind": "charity", "charity_number": "", "postcode": "nowhere"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "postcode") == "Enter a real postcode, like E8 1DY"
    assert _count(hackney, LocalGroup) == 0
    response = client.post(
        "/b/hackney/admin/volunteering/groups/new",
        data={**GROUP_FORM, "kind": "charity", "charity_number": ""},
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "charity_number") == (
        "Enter the charity number of a registered charity"
    )
    group_id = groups.save_group(admin, hackney, group_values()).id
    db.session.commit()
    response = client.post(
        "/b/hackney/admin/volunteering/opportunities/new",
        data=_opportunity_form(group_id, address="", postcode="", remote=""),
    )
    assert response.status_code == 400
    assert "or say it is remote" in field_error(response.get_data(as_text=True), "address")
    assert _count(hackney, Opportunity) == 0


def test_an_opportunity_cannot_use_another_workspaces_group(
    admin, hackney, camden, camden_admin
) -> None:
    theirs = groups.save_group(camden_admin, camden, group_values(name="Camden group")).id
    db.session.commit()
    with pytest.raises(NotFound):
        opportunities.save_opportunity(admin, hackney, opportunity_values(theirs))
    db.session.rollback()
    with pytest.raises(NotFound):
        groups.get_group(hackney, theirs)


def test_only_members_manage_volunteering(client, auth, make_user, hackney, camden) -> None:
    outsider = make_user("someone@example.org")
    with pytest.raises(NotAllowed):
        groups.save_group(outsider, hackney, group_values())
    auth.login("someone@example.org")
    assert client.get("/b/hackney/admin/volunteering/").status_code == 403
    assert (
        client.post("/b/hackney/admin/volunteering/groups/new", data=GROUP_FORM).status_code == 403
    )
    assert _count(hackney, LocalGroup) == 0


def test_a_session_with_people_on_it_cannot_be_removed(make_opportunity, admin, hackney) -> None:
    opportunity_id = make_opportunity(sessions=((5, 3),))
    session = opportunities.list_sessions(hackney, opportunity_id)[0]
    session_id = session.id
    with tenant_context(hackney.id):
        session.places_taken = 1
        db.session.commit()
    with pytest.raises(VolunteeringError, match="People have places"):
        opportunities.remove_session(admin, hackney, opportunity_id, session_id)
