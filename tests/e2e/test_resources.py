"""Issue 15, slice 1 in the browser: a workspace's staff write a resource, upload a file and
publish it; the public finds it in the pool, reads it and downloads the file. axe checks the
listing, the detail page and the authoring forms (with and without errors)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.platform.resources.conftest import CSV

pytestmark = [pytest.mark.e2e]

STAFF = "staff@hackney.example.org"


@pytest.fixture
def world(make_workspace, make_user):
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    make_user(STAFF, name="Sam Staff", workspace=hackney, role="staff")
    return hackney


def test_staff_write_and_publish_a_resource_that_the_public_finds(
    site: Site, world, tmp_path
) -> None:
    page = site.page
    site.sign_in(STAFF, PASSWORD)
    site.goto("/b/hackney/admin/resources/")
    site.submit(page.get_by_role("link", name="Write a new resource"))
    site.submit(page.get_by_role("button", name="Save draft"), status=400)  # errors, checked too
    page.get_by_label("Title").fill("Running a safe food bank")
    page.get_by_label("Summary").fill("Food hygiene and safeguarding for volunteers.")
    page.get_by_label("Text").fill(
        "# Food hygiene\n\nWash your hands.\n\n# Safeguarding\n\nName a lead."
    )
    page.get_by_label("Type of resource").select_option("good-practice-guide")
    page.get_by_label("Safeguarding").check()
    page.get_by_label("Volunteering").check()
    site.submit(page.get_by_role("button", name="Save draft"))

    sheet = tmp_path / "rota.csv"
    sheet.write_bytes(CSV)
    page.get_by_label("File").set_input_files(str(sheet))
    site.submit(page.get_by_role("button", name="Upload the file"))
    site.submit(page.get_by_role("button", name="Publish version 1"))
    assert "Version 1 is published" in page.get_by_role("status").inner_text()

    site.goto("/resources?topic=safeguarding")
    site.submit(page.get_by_role("link", name="Running a safe food bank"))
    assert page.get_by_role("heading", level=2, name="Food hygiene").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="rota.csv").click()
    assert download.value.suggested_filename == "rota.csv"
    site.goto(page.url.replace(site.base_url, "") + "/versions")


REVIEWER = "staff@camden.example.org"
HUB = "hub@example.org"


def test_another_workspace_reviews_and_the_hub_curates(
    site: Site, world, make_workspace, make_user
) -> None:
    from londonhub.platform.core.extensions import db
    from londonhub.platform.resources import review, services
    from tests.platform.resources.conftest import values

    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    make_user(REVIEWER, name="Ray Reviewer", workspace=camden, role="staff")
    make_user(HUB, name="Hub Admin", hub_admin=True)
    author = make_user("author@hackney.example.org", workspace=world, role="staff")
    resource = services.create_resource(author, world, values(title="Lone working policy"))
    services.publish(author, world, resource.id, "")
    review.submit(author, world, resource.id)
    db.session.commit()

    page = site.page
    site.sign_in(REVIEWER, PASSWORD)
    site.goto("/b/camden/admin/resources/reviews")
    site.submit(page.get_by_role("link", name="Lone working policy"))
    page.get_by_label("Approve it").check()
    site.submit(page.get_by_role("button", name="Send your review"), status=400)
    for label in ("Accurate", "Up to date", "Plain English", "Accessible", "Legally sound"):
        page.get_by_label(label).check()
    page.get_by_label("Approve it").check()
    site.submit(page.get_by_role("button", name="Send your review"))
    assert (
        "your review of Lone working policy is recorded" in page.get_by_role("status").inner_text()
    )
    site.goto(f"/resources/{resource.id}")
    site.submit(page.get_by_role("button", name="List it on Camden CVS's page"))
    site.goto("/b/camden/")
    assert page.get_by_role("link", name="Lone working policy").count() == 1

    page.context.clear_cookies()
    site.sign_in(HUB, PASSWORD)
    site.goto("/hub/resources/pool")
    site.submit(page.get_by_role("button", name="Feature Lone working policy"))
    site.goto("/hub/resources/")


def test_the_done_when_journey_camden_writes_two_review_sutton_adopts_public_finds(
    site: Site, make_workspace, make_user
) -> None:
    """Issue 15's done-when: Camden writes a safeguarding policy template; Hackney asks for a
    change, Camden revises, Hackney and Lewisham approve; it shows as quality-checked; Sutton
    lists it with a local note; a public search for "safeguarding policy" finds it with a
    highlighted snippet. axe passes on every page visited (Site checks each)."""
    people = {}
    names = {
        "camden": "Voluntary Action Camden",
        "hackney": "Hackney CVS",
        "lewisham": "Lewisham Local",
        "sutton": "Volunteer Centre Sutton",
    }
    for slug, name in names.items():
        workspace = make_workspace(slug, name, borough=slug.title())
        people[slug] = make_user(f"staff@{slug}.example.org", workspace=workspace, role="staff")
    make_user(HUB, name="Hub Admin", hub_admin=True)
    page = site.page

    def as_(who: str) -> None:
        page.context.clear_cookies()
        site.sign_in(who if "@" in who else f"staff@{who}.example.org", PASSWORD)

    # Camden writes and publishes it, and asks for peer review.
    as_("camden")
    site.goto("/b/camden/admin/resources/new")
    page.get_by_label("Title").fill("Safeguarding policy template")
    page.get_by_label("Summary").fill("A policy small groups can adapt to keep people safe.")
    page.get_by_label("Text").fill(
        "# Our commitment\n\nWe keep children and adults at risk safe.\n\n"
        "# Designated safeguarding lead\n\nName them here."
    )
    page.get_by_label("Type of resource").select_option("policy-template")
    page.get_by_label("Safeguarding").check()
    site.submit(page.get_by_role("button", name="Save draft"))
    manage_url = page.url.replace(site.base_url, "")
    site.submit(page.get_by_role("button", name="Publish version 1"))
    site.submit(page.get_by_role("button", name="Ask for peer review of version 1"))

    # Hackney asks for a change.
    as_("hackney")
    site.goto("/b/hackney/admin/resources/reviews")
    site.submit(page.get_by_role("link", name="Safeguarding policy template"))
    for label in ("Accurate", "Plain English", "Accessible", "Legally sound"):
        page.get_by_label(label).check()
    page.get_by_label("Ask for changes").check()
    page.get_by_label("Comments for the authors").fill("Cite Working Together 2023.")
    site.submit(page.get_by_role("button", name="Send your review"))

    # The hub sees it waiting.
    as_(HUB)
    site.goto("/hub/resources/reviews")
    assert page.get_by_role("cell", name="The author, to answer a request for changes").count()

    # Camden revises, publishes version 2 and asks again.
    as_("camden")
    site.goto(manage_url)
    assert page.get_by_role("cell", name="Cite Working Together 2023.").count() == 1
    site.submit(page.get_by_role("link", name="Edit the draft"))
    page.get_by_label("Text").fill(
        "# Our commitment\n\nWe keep children and adults at risk safe, following Working "
        "Together to Safeguard Children 2023.\n\n# Designated safeguarding lead\n\nName them."
    )
    site.submit(page.get_by_role("button", name="Save draft"))
    page.get_by_label("What changed").fill("Cited Working Together 2023")
    site.submit(page.get_by_role("button", name="Publish version 2"))
    site.submit(page.get_by_role("button", name="Ask for peer review of version 2"))

    # Hackney and Lewisham approve.
    for slug in ("hackney", "lewisham"):
        as_(slug)
        site.goto(f"/b/{slug}/admin/resources/reviews")
        site.submit(page.get_by_role("link", name="Safeguarding policy template"))
        for label in ("Accurate", "Up to date", "Plain English", "Accessible", "Legally sound"):
            page.get_by_label(label).check()
        page.get_by_label("Approve it").check()
        site.submit(page.get_by_role("button", name="Send your review"))

    # Quality-checked, with the review date and the reviewers.
    page.context.clear_cookies()
    site.goto(manage_url.replace("/b/camden/admin", ""))
    assert "Quality-checked" in page.locator("main").inner_text()
    assert "by Hackney CVS and Lewisham Local" in page.locator("main").inner_text()

    # Sutton lists it with a local note.
    as_("sutton")
    site.goto(manage_url.replace("/b/camden/admin", ""))
    site.submit(page.get_by_role("button", name="List it on Volunteer Centre Sutton's page"))
    site.goto("/b/sutton/admin/resources/adopted")
    page.get_by_label("Your local note").fill("Sutton's safeguarding lead: 020 8000 0100.")
    site.submit(page.get_by_role("button", name="Save the note"))
    site.goto("/b/sutton/")
    assert page.get_by_text("Sutton's safeguarding lead: 020 8000 0100.").count() == 1

    # The public finds it, with the words highlighted.
    page.context.clear_cookies()
    site.goto("/resources")
    page.get_by_label("Search resources").fill("safeguarding policy")
    site.submit(page.get_by_role("button", name="Search resources"))
    result = page.locator(".resource-results > li").first
    assert result.get_by_role("link").inner_text() == "Safeguarding policy template"
    assert result.locator("mark").count() >= 1
    assert result.locator("mark").first.inner_text().lower().startswith(("safeguard", "polic"))
    site.submit(result.get_by_role("link", name="Safeguarding policy template"))
