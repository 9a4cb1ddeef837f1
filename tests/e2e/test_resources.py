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
