"""Monthly figures rebuilt from records, combined over periods, published at /data with small
numbers suppressed in every format, and the CLI that rebuilds them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.intelligence import figures, services
from londonhub.platform.intelligence.models import MonthlyFigure


def _bookings(records, ws, room, count, month):
    start = datetime(month.year, month.month, 3, 9, tzinfo=UTC)
    for n in range(count):
        records.booking(ws, room, at=start + timedelta(hours=3 * n), hours=1)


@pytest.fixture
def year():
    return services.this_year()


@pytest.fixture
def booked(records, two_boroughs, year):
    """Hackney: 7 bookings in January and 2 in February; Camden: 3 in January; Islington: 1."""
    from londonhub.platform.core.workspaces import create_workspace

    hackney, camden = two_boroughs
    islington = create_workspace("islington", "Islington CVS", borough="Islington")
    _bookings(records, islington, records.room(islington), 1, date(year, 1, 1))
    room, other = (
        records.room(hackney, at=datetime(year - 1, 6, 1, tzinfo=UTC)),
        records.room(camden, at=datetime(year - 1, 6, 1, tzinfo=UTC)),
    )
    _bookings(records, hackney, room, 7, date(year, 1, 1))
    _bookings(records, hackney, room, 2, date(year, 2, 1))
    _bookings(records, camden, other, 3, date(year, 1, 1))
    figures.rebuild_years([year])
    db.session.commit()
    return hackney, camden


def test_rebuild_stores_each_workspaces_monthly_figure(app, booked, year):
    hackney, camden = booked
    with app.app_context():
        stored = {
            (f.workspace_id, f.month): f.value
            for f in db.session.scalars(
                db.select(MonthlyFigure).where(MonthlyFigure.metric == "rooms.bookings")
            )
        }
    assert stored == {
        (hackney.id, date(year, 1, 1)): 7,
        (hackney.id, date(year, 2, 1)): 2,
        (camden.id, date(year, 1, 1)): 3,
        (hackney.id + 2, date(year, 1, 1)): 1,
    }


def test_figures_combine_by_the_metrics_rule(app, booked, year):
    hackney, _camden = booked
    with app.app_context():
        window = figures.year_window(year)
        assert figures.totals(["rooms.bookings", "rooms.listed"], window) == {
            "rooms.bookings": 13,  # summed
            "rooms.listed": 3,  # the last month's, not twelve months added up
        }
        assert figures.totals(["rooms.bookings"], window, hackney.id) == {"rooms.bookings": 9}
        assert figures.by_month("rooms.bookings", window)[:3] == [11, 2, 0]
        assert figures.by_workspace("rooms.bookings", window)[hackney.id] == 9


def test_rebuilding_again_replaces_figures_instead_of_adding(app, booked, year):
    with app.app_context():
        figures.rebuild_years([year])
        db.session.commit()
        assert figures.totals(["rooms.bookings"], figures.year_window(year)) == {
            "rooms.bookings": 13
        }


def test_published_figures_suppress_small_numbers(app, booked, year):
    hackney, camden = booked
    with app.app_context():
        published = services.published_figures(year, metric="rooms.bookings")
    by_place = {f.borough: f for f in published}
    assert by_place[None].value == 13 and by_place[None].display == "13"
    assert by_place["hackney"].value == 9
    assert by_place["camden"].value is None and by_place["camden"].suppressed
    assert by_place["camden"].display == "fewer than 5"


def test_one_suppressed_borough_hides_the_next_smallest_too(app, records, two_boroughs, year):
    hackney, camden = two_boroughs
    from londonhub.platform.core.workspaces import create_workspace

    islington = create_workspace("islington", "Islington CVS", borough="Islington")
    for ws, count in ((hackney, 9), (camden, 6), (islington, 2)):
        room = records.room(ws, at=datetime(year - 1, 6, 1, tzinfo=UTC))
        _bookings(records, ws, room, count, date(year, 1, 1))
    figures.rebuild_years([year])
    db.session.commit()
    with app.app_context():
        published = {
            f.borough: f for f in services.published_figures(year, metric="rooms.bookings")
        }
    assert published[None].value == 17
    assert published["islington"].suppressed and published["camden"].suppressed
    assert published["hackney"].value == 9


def test_unknown_metric_borough_or_year_is_refused(app, year):
    with app.app_context():
        for kwargs in ({"metric": "nope"}, {"borough": "atlantis"}):
            with pytest.raises(services.UnknownFigure):
                services.published_figures(year, **kwargs)
        with pytest.raises(services.UnknownFigure):
            services.published_figures(year + 1)


def _numbers_below_five(values) -> list:
    return [v for v in values if v not in ("", None) and float(v) < 5]


def test_data_page_and_every_export_publish_no_number_below_five(client, booked, year):
    page = client.get(f"/data?year={year}&metric=rooms.bookings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Room bookings" in text and "fewer than 5" in text
    assert "How it is derived" in text and "room_booking" in text  # the SQL of the query

    rows = list(csv.DictReader(io.StringIO(client.get(f"/data/figures.csv?year={year}").text)))
    bookings = {r["borough"]: r for r in rows if r["metric"] == "rooms.bookings"}
    assert bookings[""]["value"] == "13" and bookings["hackney"]["value"] == "9"
    assert bookings["camden"]["value"] == "" and bookings["camden"]["suppressed"] == "true"
    assert _numbers_below_five(r["value"] for r in rows) == []

    data = client.get(f"/data/figures.json?year={year}").get_json()
    assert _numbers_below_five(f["value"] for f in data["figures"]) == []
    assert {f["metric"] for f in data["figures"]} == {m.key for m in services.publishable_metrics()}

    descriptor = client.get(f"/data/datapackage.json?year={year}").get_json()
    fields = [f["name"] for f in descriptor["resources"][0]["schema"]["fields"]]
    assert fields == list(rows[0].keys())

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/data/open-data.zip?year={year}").data))
    assert sorted(archive.namelist()) == sorted(
        [f"figures-{year}.csv", f"figures-{year}.json", "datapackage.json"]
    )
    assert (
        archive.read(f"figures-{year}.csv").decode()
        == client.get(f"/data/figures.csv?year={year}").text
    )
    assert json.loads(archive.read("datapackage.json"))["resources"][0]["path"] == (
        f"figures-{year}.csv"
    )


def test_data_refuses_bad_parameters_clearly(client):
    assert client.get("/data?year=abc").status_code == 400
    assert client.get("/data?year=1999").status_code == 400
    assert client.get("/data?metric=nope").status_code == 404


def test_data_is_in_the_header_for_everyone(client):
    assert 'href="/data"' in client.get("/").get_data(as_text=True)


def test_cli_rebuilds_the_years_asked(app, runner, booked, year):
    with app.app_context():
        db.session.execute(db.delete(MonthlyFigure))
        db.session.commit()
    result = runner.invoke(args=["figures", "rebuild", "--year", str(year)])
    assert result.exit_code == 0, result.output
    assert f"Rebuilt {year}" in result.output
    with app.app_context():
        assert figures.totals(["rooms.bookings"], figures.year_window(year))["rooms.bookings"] == 13
    bad = runner.invoke(args=["figures", "rebuild", "--year", "nineteen"])
    assert bad.exit_code != 0 and "year" in bad.output.lower()


def test_a_stale_dashboard_queues_the_refresh_job_which_runs_after_commit(app, booked, year):
    with app.app_context():
        db.session.execute(
            db.update(MonthlyFigure).values(computed_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
        db.session.commit()
        assert figures.refresh_if_stale() is True
        db.session.commit()  # in-process jobs run now
        assert figures.refresh_if_stale() is False
