"""Dashboards (London's for hub admins, each workspace's for its own staff and figures), their
exports, and the annual report job; one figure is the same number everywhere it appears."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pypdf
import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.intelligence import figures, services
from londonhub.platform.intelligence.models import AnnualReport

from .test_figures_and_data import _bookings

PASSWORD = "correct horse battery staple"


@pytest.fixture
def year():
    return services.this_year()


@pytest.fixture
def london(records, two_boroughs, make_user, year):
    """Hackney: 12 bookings of 1 hour in January this year, 6 a year before; Camden: 7."""
    hackney, camden = two_boroughs
    room = records.room(hackney, at=datetime(year - 2, 1, 1, tzinfo=UTC))
    other = records.room(camden, at=datetime(year - 2, 1, 1, tzinfo=UTC))
    _bookings(records, hackney, room, 12, date(year, 1, 1))
    _bookings(records, hackney, room, 6, date(year - 1, 1, 1))
    _bookings(records, camden, other, 7, date(year, 1, 1))
    figures.rebuild_years([year - 1, year])
    db.session.commit()
    make_user("hub@example.org", hub_admin=True)
    make_user("staff@hackney.example.org", workspace=hackney, role=Role.STAFF)
    make_user("staff@camden.example.org", workspace=camden, role=Role.STAFF)
    return hackney, camden


def _row(html: str, table: str, key: str) -> list[str]:
    """The cells of the row `key` in the dashboard table `table`."""
    section = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    row = section.split(f'data-key="{key}"', 1)[1].split("</tr>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
    ]


def test_london_dashboard_shows_boroughs_the_tile_map_and_this_year_against_last(
    client, auth, london, year
):
    auth.login("hub@example.org", PASSWORD)
    page = client.get("/hub/london/?metric=rooms.bookings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _row(html, "metrics", "rooms.bookings")[2:4] == ["19", "6"]
    assert _row(html, "boroughs", "hackney") == ["Hackney", "12"]
    assert _row(html, "months", f"{year}-01")[1:] == ["19", "6"]
    # Charts: SVG with a title and description named by aria-labelledby, and the tile map.
    assert html.count('role="img"') == 2
    for ident in re.findall(r'aria-labelledby="([^"]+)"', html):
        for part in ident.split():
            assert f'id="{part}"' in html
    assert "<title>Hackney: 12</title>" in html  # the tile's own text


def test_workspace_dashboard_shows_only_its_own_figures(client, auth, london, year):
    auth.login("staff@hackney.example.org", PASSWORD)
    html = client.get("/b/hackney/dashboard/?metric=rooms.bookings").get_data(as_text=True)
    assert _row(html, "metrics", "rooms.bookings")[2:4] == ["12", "6"]
    assert 'id="table-boroughs"' not in html and "Camden" not in html
    rows = list(csv.reader(io.StringIO(client.get("/b/hackney/dashboard/export/metrics.csv").text)))
    assert ["rooms.bookings", "number", "12", "6", "up 100%"] in rows
    assert client.get("/b/camden/dashboard/").status_code == 403
    assert client.get("/b/camden/dashboard/export/metrics.csv").status_code == 403
    assert client.get("/hub/london/").status_code == 403


def test_dashboards_refuse_bad_ranges_and_unknown_tables(client, auth, london):
    auth.login("hub@example.org", PASSWORD)
    assert client.get("/hub/london/?from=2026-13").status_code == 400
    assert client.get("/hub/london/?from=2026-05&to=2026-01").status_code == 400
    assert client.get("/hub/london/?from=2020-01&to=2026-01").status_code == 400
    assert client.get("/hub/london/?metric=nope").status_code == 404
    assert client.get("/hub/london/export/nope.csv").status_code == 404
    assert client.get("/hub/london/export/metrics.xls").status_code == 404


def test_dashboard_reads_a_constant_number_of_queries(client, auth, london, count_queries):
    auth.login("hub@example.org", PASSWORD)
    client.get("/hub/london/")
    count_queries.clear()
    client.get("/hub/london/?metric=volunteering.verified_hours")
    assert len(count_queries) <= 15, count_queries


def test_a_figure_is_the_same_on_the_dashboard_in_its_exports_and_in_the_annual_report(
    app, client, auth, london, year
):
    auth.login("hub@example.org", PASSWORD)
    html = client.get("/hub/london/?metric=rooms.bookings").get_data(as_text=True)
    on_page = _row(html, "boroughs", "hackney")[1]
    csv_rows = dict(
        csv.reader(
            io.StringIO(client.get("/hub/london/export/boroughs.csv?metric=rooms.bookings").text)
        )
    )
    in_json = dict(
        client.get("/hub/london/export/boroughs.json?metric=rooms.bookings").get_json()["rows"]
    )
    published = {f.borough: f for f in services.published_figures(year, metric="rooms.bookings")}
    answer = client.post(
        "/hub/london/reports", data={"year": str(year), "csrf_token": _csrf(client)}
    )
    assert answer.status_code == 303
    report = db.session.scalar(db.select(AnnualReport))
    report_html = client.get(f"/hub/london/reports/{report.id}/html").get_data(as_text=True)
    pdf = pypdf.PdfReader(io.BytesIO(client.get(f"/hub/london/reports/{report.id}/pdf").data))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    london_total = _row(html, "metrics", "rooms.bookings")[2]
    assert on_page == csv_rows["hackney"] == str(in_json["hackney"]) == "12"
    assert published["hackney"].display == "12" and published[None].display == london_total
    assert re.search(r"<th scope=\"row\">Hackney</th><td class=\"n\">12</td>", report_html)
    assert re.search(r"Room bookings number 19 6", pdf_text)
    assert "Hackney 12" in pdf_text


def _csrf(client) -> str:
    """CSRF is off in these tests (the browser test posts the real form with its token)."""
    return ""


def test_annual_report_runs_as_a_job_and_rerunning_makes_a_new_version(client, auth, london, year):
    auth.login("hub@example.org", PASSWORD)
    for _ in range(2):
        answer = client.post(
            "/hub/london/reports", data={"year": str(year), "csrf_token": _csrf(client)}
        )
        assert answer.status_code == 303
    reports = db.session.scalars(db.select(AnnualReport).order_by(AnnualReport.version)).all()
    assert [(r.year, r.version, r.status, r.progress) for r in reports] == [
        (year, 1, "done", 100),
        (year, 2, "done", 100),
    ]
    status = client.get(f"/hub/london/reports/{reports[1].id}/status").get_json()
    assert status == {"status": "done", "label": "Ready", "progress": 100, "step": "Ready"}
    listing = client.get("/hub/london/reports").get_data(as_text=True)
    assert listing.count(">PDF<") == 2
    pdf = client.get(f"/hub/london/reports/{reports[0].id}/pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    bad = client.post("/hub/london/reports", data={"year": "1990", "csrf_token": _csrf(client)})
    assert bad.status_code == 400 and "Not a valid choice" in bad.get_data(as_text=True)


def test_a_workspace_writes_its_own_report_and_no_one_elses(client, auth, london, year):
    auth.login("staff@hackney.example.org", PASSWORD)
    assert client.get("/b/hackney/dashboard/reports").status_code == 200
    token = _csrf(client)
    answer = client.post(
        "/b/hackney/dashboard/reports", data={"year": str(year), "csrf_token": token}
    )
    assert answer.status_code == 303
    report = db.session.scalar(db.select(AnnualReport))
    assert (report.scope, report.status) == ("hackney", "done")
    html = client.get(f"/b/hackney/dashboard/reports/{report.id}/html").get_data(as_text=True)
    assert "Hackney CVS: annual report" in html and "Camden" not in html
    client.post("/logout", data={"csrf_token": token})
    auth.login("staff@camden.example.org", PASSWORD)
    assert client.get(f"/b/camden/dashboard/reports/{report.id}").status_code == 404
    assert client.get(f"/b/camden/dashboard/reports/{report.id}/pdf").status_code == 404
    assert client.get(f"/b/hackney/dashboard/reports/{report.id}").status_code == 403


def test_the_report_job_commits_its_progress_step_by_step(app, london, year, monkeypatch):
    from londonhub.platform.intelligence import reports

    seen: list[tuple[int, str]] = []
    original = reports._progress

    def watch(report, percent, step):
        original(report, percent, step)
        # Committed: another session (the page someone is watching) reads it now.
        with db.engine.connect() as other:
            stored = other.execute(
                db.text("SELECT progress, step FROM annual_report WHERE id = :id"),
                {"id": report.id},
            ).one()
        seen.append(tuple(stored))

    monkeypatch.setattr(reports, "_progress", watch)
    with app.test_request_context():
        report = reports.start_report(None, year, None)
        db.session.commit()  # in-process: the job runs now
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[0] == 5 and percents[-1] == 95
    assert seen[0][1] == "Reading the year's figures"
    assert any(s == "Writing the PDF" for _, s in seen)
    db.session.refresh(report)
    assert (report.status, report.progress) == ("done", 100)
