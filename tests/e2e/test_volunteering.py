"""Volunteering in the browser: the London-wide search, an opportunity, the workspace's
admin pages (with a form error), and the issue's whole journey from search to verified hours,
each page checked with axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.volunteering.models import OpportunitySession
from londonhub.tenants.volunteering.operations import signups
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.tenants.volunteering.conftest import ADMIN, add_opportunity

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(make_workspace, make_user) -> None:
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    admin = make_user(ADMIN, name="Hana Admin", workspace=hackney, role="owner")
    other = make_user("admin@camden.example.org", workspace=camden, role="owner")
    add_opportunity(
        hackney, admin, title="Warehouse helper", group_size=6, sessions=((5, 4), (12, 4))
    )
    add_opportunity(
        camden,
        other,
        group="Camden Reading Club",
        title="Reading volunteer",
        cause="education-literacy",
    )


def test_search_an_opportunity_and_the_admin_pages_are_accessible(site: Site, world) -> None:
    page = site.page
    site.goto("/")
    site.submit(page.get_by_role("navigation", name="Main").get_by_role("link", name="Volunteer"))
    assert "Reading volunteer" in page.get_by_role("main").inner_text()
    page.get_by_label("Borough", exact=True).select_option("hackney")
    page.get_by_label("Suitable for groups").check()
    site.submit(page.get_by_role("button", name="Search opportunities"))
    assert "borough=hackney" in page.url and "groups=y" in page.url
    results = page.get_by_role("main").inner_text()
    assert "Warehouse helper" in results and "Reading volunteer" not in results
    site.submit(page.get_by_role("link", name="Warehouse helper"))
    sessions = page.get_by_role("table", name="Upcoming sessions of Warehouse helper")
    assert sessions.get_by_role("row").count() == 3

    site.sign_in(ADMIN, PASSWORD)
    site.goto("/b/hackney/admin/volunteering/")
    site.submit(page.get_by_role("link", name="Warehouse helper"))
    page.get_by_label("Date", exact=True).fill("2020-01-06")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("09:00")
    page.get_by_label("Places available").fill("3")
    site.submit(page.get_by_role("button", name="Add the session"), status=400)
    assert (
        "The end time must be after the start time" in page.locator(".error-summary").inner_text()
    )
    site.goto("/b/hackney/admin/volunteering/groups")
    site.goto("/b/hackney/admin/volunteering/groups/new")
    site.goto("/b/hackney/admin/volunteering/opportunities/new")
    site.goto("/b/hackney/")
    assert "Warehouse helper" in page.get_by_role("main").inner_text()


def test_a_volunteer_signs_up_and_the_workspace_accepts_them(site: Site, world, make_user) -> None:
    make_user("vic@example.org", name="Vic Volunteer")
    page = site.page
    site.sign_in("vic@example.org", PASSWORD)
    site.goto("/opportunities?borough=hackney")
    site.submit(page.get_by_role("link", name="Warehouse helper"))
    site.submit(page.get_by_role("button", name="Sign up").first)
    assert "/volunteering/profile" in page.url  # a profile first
    page.get_by_label("Home borough").select_option("hackney")
    page.get_by_label("Date of birth").fill("1990-05-01")
    page.get_by_label("Emergency contact's name").fill("Eve Emergency")
    page.get_by_label("Emergency contact's phone").fill("020 7946 0123")
    page.get_by_label("Share my volunteer profile", exact=False).check()
    site.submit(page.get_by_role("button", name="Save your profile"))
    assert "/b/hackney/opportunities/" in page.url
    site.submit(page.get_by_role("button", name="Sign up").first)
    assert "You have a place" in page.get_by_role("status").inner_text()
    site.goto("/volunteering/responses")
    assert "Signed up, awaiting a reply" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("button", name="Sign out"))

    site.sign_in(ADMIN, PASSWORD)
    site.goto("/b/hackney/admin/volunteering/responses")
    page.get_by_label("Decision for Vic Volunteer").select_option("accepted")
    site.submit(page.get_by_role("button", name="Save the decision for Vic Volunteer"))
    assert "Saved: accepted" in page.get_by_role("status").inner_text()
    site.submit(page.get_by_role("link", name="Vic Volunteer"))
    assert "Eve Emergency" in page.get_by_role("main").inner_text()


@pytest.fixture
def journey(make_workspace, make_user) -> dict:
    """Hackney's food bank with one session of one place, already taken by Fran; Cam lives
    in Camden. Islington borders both (Camden and Hackney do not border each other)."""
    from tests.tenants.volunteering.test_signups import first_session, make_volunteer

    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    make_workspace("camden", "Camden CVS", borough="Camden")
    make_workspace("islington", "Islington CVS", borough="Islington")
    admin = make_user(ADMIN, name="Hana Admin", workspace=hackney, role="owner")
    opportunity_id = add_opportunity(
        hackney, admin, title="Community food bank helper", sessions=((5, 1),)
    )
    session_id = first_session(hackney, opportunity_id)
    fran = make_volunteer(make_user, "fran@example.org")
    signups.respond(fran, hackney, opportunity_id, session_id)
    db.session.commit()
    make_volunteer(make_user, "cam@example.org", home_borough="camden")
    return {"hackney": hackney, "opportunity_id": opportunity_id, "session_id": session_id}


def _sign_out(site: Site) -> None:
    site.submit(site.page.get_by_role("button", name="Sign out"))


def _search(site: Site, borough: str) -> str:
    page = site.page
    page.get_by_label("Keywords").fill("food")
    page.get_by_label("Borough", exact=True).select_option(borough)
    page.get_by_label("Include neighbouring boroughs").check()
    site.submit(page.get_by_role("button", name="Search opportunities"))
    return page.get_by_role("main").inner_text()


def test_done_when_a_camden_volunteer_is_waitlisted_promoted_attends_and_has_verified_hours(
    site: Site, journey: dict
) -> None:
    page, hackney = site.page, journey["hackney"]
    opportunity_id, session_id = journey["opportunity_id"], journey["session_id"]

    # Cam, in Camden, searches for food volunteering nearby.
    site.sign_in("cam@example.org", PASSWORD)
    site.goto("/opportunities")
    assert "Community food bank helper" not in _search(site, "camden")  # Hackney is not next door
    found = _search(site, "islington")  # Islington and its neighbours: Camden, Hackney, ...
    assert "Community food bank helper" in found and "q=food" in page.url
    site.submit(page.get_by_role("link", name="Community food bank helper"))
    assert "Full (waiting list)" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("button", name="Join the waiting list"))
    assert "you are on the waiting list" in page.get_by_role("status").inner_text()
    _sign_out(site)

    # Fran gives her place back: it is offered to Cam.
    site.sign_in("fran@example.org", PASSWORD)
    site.goto("/volunteering/responses")
    site.submit(page.get_by_role("button", name="Withdraw"))
    _sign_out(site)
    site.sign_in("cam@example.org", PASSWORD)
    site.goto("/volunteering/responses")
    assert "Offered a place" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("button", name="Take the place"))
    assert "The place is yours" in page.get_by_role("status").inner_text()
    _sign_out(site)

    # Hackney's staff accept Cam.
    site.sign_in(ADMIN, PASSWORD)
    site.goto("/b/hackney/admin/volunteering/responses")
    page.get_by_label("Decision for Cam").select_option("accepted")
    site.submit(page.get_by_role("button", name="Save the decision for Cam"))
    assert "Saved: accepted" in page.get_by_role("status").inner_text()

    # The session happens (moved into the past), and staff record that Cam came.
    with tenant_context(hackney.id):
        session = db.session.get(OpportunitySession, session_id)
        session.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=4)
        session.ends_at = session.starts_at + timedelta(hours=3)
        db.session.commit()
    site.goto(f"/b/hackney/admin/volunteering/opportunities/{opportunity_id}")
    site.submit(page.get_by_role("link", name="Record who came"))
    page.get_by_label("Cam").check()
    site.submit(page.get_by_role("button", name="Save who came"))
    assert "1 people now have verified hours" in page.get_by_role("status").inner_text()
    site.goto("/b/hackney/admin/volunteering/hours")
    hours_page = page.get_by_role("main").inner_text()
    assert "Cam" in hours_page and "Verified" in hours_page
    site.submit(page.get_by_role("link", name="Verified hours report to print"))
    assert "3 hours given by 1 volunteer" in page.get_by_role("main").inner_text()
    site.goto("/b/hackney/admin/volunteering/volunteers")
    assert "cam@example.org" in page.get_by_role("main").inner_text()
    site.goto("/b/hackney/admin/volunteering/responses")
    responses = page.get_by_role("main").inner_text()
    assert "Accepted" in responses and "Withdrawn" in responses  # Cam's, and Fran's
    site.submit(page.get_by_role("link", name="Cam", exact=True))
    assert "Eve Emergency" in page.get_by_role("main").inner_text()
    _sign_out(site)

    # Cam sees the verified hours on their profile and record.
    site.sign_in("cam@example.org", PASSWORD)
    site.goto("/volunteering/profile")
    assert "Verified volunteering so far: 3 hours" in page.get_by_role("main").inner_text()
    site.goto("/volunteering/hours")
    mine = page.get_by_role("main").inner_text()
    assert "Community food bank helper" in mine and "Hackney CVS" in mine


def test_groups_directory_session_change_data_and_coordinator_pages_are_accessible(
    site: Site, world, make_user
) -> None:
    from londonhub.platform.core.identity import make_token
    from londonhub.platform.core.tenancy import get_workspace_by_slug
    from londonhub.tenants.volunteering.operations import coordinators, groups, opportunities
    from tests.tenants.volunteering.test_signups import make_volunteer

    page = site.page
    hackney = get_workspace_by_slug("hackney")
    admin = db.session.scalar(select(User).where(User.email == ADMIN))
    [food_bank] = [grp for grp in groups.list_groups(hackney) if grp.name == "Hackney Food Bank"]
    invited = coordinators.invite(admin, hackney, food_bank.id, "fola@foodbank.example.org")
    token = make_token(coordinators.PURPOSE, {"tid": hackney.id, "cid": invited.id})
    [row] = opportunities.list_opportunities(hackney)
    opportunity_id, food_bank_id = row.opportunity.id, food_bank.id
    session_id = opportunities.list_sessions(hackney, opportunity_id)[0].id
    db.session.commit()
    make_user("fola@foodbank.example.org", name="Fola Coordinator")
    make_volunteer(make_user, "vic@example.org")

    site.goto("/groups")
    assert "Hackney Food Bank" in page.get_by_role("main").inner_text()
    page.get_by_label("Cause").select_option("food-poverty")
    page.get_by_label("Borough").select_option("camden")
    site.submit(page.get_by_role("button", name="Show groups"))
    found = page.get_by_role("main").inner_text()
    assert "Camden Reading Club" in found and "Hackney Food Bank" not in found
    site.goto("/b/hackney/groups/")

    site.sign_in(ADMIN, PASSWORD)
    site.goto(f"/b/hackney/admin/volunteering/opportunities/{opportunity_id}")
    site.submit(page.get_by_role("link", name="Change").first)
    page.get_by_label("Places available").fill("0")
    site.submit(page.get_by_role("button", name="Save the session"), status=400)
    site.goto(f"/b/hackney/admin/volunteering/groups/{food_bank_id}")
    site.goto("/b/hackney/admin/volunteering/hours")
    _sign_out(site)

    site.sign_in("fola@foodbank.example.org", PASSWORD)
    site.goto(f"/volunteering/coordinate/{token}")
    site.submit(page.get_by_role("button", name="Accept the invitation"))
    assert "You now coordinate Hackney Food Bank" in page.get_by_role("status").inner_text()
    site.goto(
        f"/b/hackney/coordinate/opportunities/{opportunity_id}/sessions/{session_id}/attendance"
    )
    site.goto("/b/hackney/coordinate/")
    site.submit(page.get_by_role("link", name="Edit it and its sessions").first)
    page.get_by_label("Title").fill("Food bank helper (Saturdays)")
    site.submit(page.get_by_role("button", name="Save the opportunity"))
    assert "The opportunity has been saved" in page.get_by_role("status").inner_text()
    site.submit(page.get_by_role("link", name="Add an opportunity"))
    _sign_out(site)

    site.sign_in("vic@example.org", PASSWORD)
    site.goto("/volunteering/profile")
    site.submit(page.get_by_role("link", name="Delete your volunteer profile"))
    site.submit(page.get_by_role("button", name="Delete my volunteer profile"), status=400)
    page.get_by_label("I understand").check()
    site.submit(page.get_by_role("button", name="Delete my volunteer profile"))
    assert "Your volunteer profile is deleted" in page.get_by_role("status").inner_text()
