"""Volunteering in the browser: the London-wide search, an opportunity, and the workspace's
admin pages (with a form error), each checked with axe."""

from __future__ import annotations

import pytest

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
