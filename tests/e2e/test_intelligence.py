"""Issue 16 (intelligence) in the browser: the public /data page, the London dashboard with its
charts and tile map, and the annual report written by one click, its progress shown and its
PDF downloaded. axe checks every page visited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.intelligence import figures
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.platform.intelligence.conftest import Records
from tests.platform.intelligence.test_figures_and_data import _bookings

pytestmark = [pytest.mark.e2e]

HUB = "hub@example.org"


@pytest.fixture
def world(app, make_workspace, make_user):
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Voluntary Action Camden", borough="Camden")
    make_user(HUB, name="Hub Admin", hub_admin=True)
    year = date.today().year
    with app.test_request_context():
        records = Records()
        for ws, count in ((hackney, 9), (camden, 6)):
            room = records.room(ws, at=datetime(year - 1, 1, 1, tzinfo=UTC))
            _bookings(records, ws, room, count, date(year, 1, 1))
        figures.rebuild_years([year - 1, year])
        db.session.commit()
    return year


def test_public_data_page_lists_the_dictionary_and_figures(site: Site, world) -> None:
    site.goto("/")
    site.submit(site.page.get_by_role("link", name="Data", exact=True))
    assert site.page.get_by_role("heading", name="Room bookings", exact=True).count() == 1
    site.page.get_by_label("Figure by borough").select_option("rooms.bookings")
    site.submit(site.page.get_by_role("button", name="Show"))
    table = site.page.get_by_role("table", name="Room bookings (number) in each borough")
    assert "Hackney" in table.inner_text() and "9" in table.inner_text()


def test_hub_admin_writes_the_annual_report_and_downloads_it(site: Site, world) -> None:
    page = site.page
    site.sign_in(HUB, PASSWORD)
    site.goto("/hub/london/?metric=rooms.bookings")
    assert page.locator("svg[role=img]").count() == 2  # the chart by month and the tile map
    assert page.get_by_role("img", name="Room bookings by borough").count() == 1
    boroughs = page.get_by_role("table", name="Room bookings (number) by borough")
    assert "Hackney" in boroughs.inner_text()
    # Forced colours (Windows high contrast): still passes axe, chart text in system colours.
    page.emulate_media(forced_colors="active")
    site.check()
    page.emulate_media(forced_colors="none")

    site.goto("/hub/london/reports")
    page.get_by_label("Year").select_option(str(world))
    site.submit(page.get_by_role("button", name="Write the annual report"))
    progress = page.locator("progress")
    assert progress.get_attribute("value") == "100"
    assert "Ready" in page.get_by_role("status").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="The report as a PDF").click()
    assert download.value.suggested_filename == f"annual-report-london-{world}-v1.pdf"
    site.goto("/hub/london/reports")
    assert page.get_by_role("link", name=f"PDF of {world} version 1").count() == 1
