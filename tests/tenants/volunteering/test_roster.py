"""The workspace's volunteers list (and its CSV) and the printable report of verified hours:
only people who engaged with this workspace, only hours verified here, in the dates asked."""

from __future__ import annotations

from datetime import timedelta

from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import london_today
from londonhub.tenants.volunteering.models import ResponseStatus
from londonhub.tenants.volunteering.operations import hours, roster, signups

from .conftest import ADMIN
from .test_signups import first_session, make_volunteer


def _placed_with_hours(make_user, admin, workspace, opportunity_id, email, days_and_hours):
    person = make_volunteer(make_user, email)
    response_id = signups.respond(
        person, workspace, opportunity_id, first_session(workspace, opportunity_id)
    ).id
    signups.decide(admin, workspace, response_id, ResponseStatus.ACCEPTED)
    db.session.commit()
    for days_ago, spent in days_and_hours:
        entry = hours.record_hours(
            person, workspace, opportunity_id, london_today() - timedelta(days=days_ago), spent * 60
        )
        hours.verify(admin, workspace, entry.id, True)
    db.session.commit()
    return person


def test_the_volunteers_list_shows_who_engaged_here_with_their_verified_hours(
    client, auth, make_user, admin, hackney, camden, make_opportunity
) -> None:
    food = make_opportunity(sessions=((5, 3),))
    _placed_with_hours(make_user, admin, hackney, food, "ann@example.org", [(3, 2), (10, 1)])
    bob = make_volunteer(make_user, "bob@example.org")
    signups.respond(bob, hackney, food, None)
    db.session.commit()
    make_volunteer(make_user, "cat@example.org")  # a volunteer who never engaged with Hackney
    rows = {row.email: row for row in roster.list_volunteers(hackney)}
    assert set(rows) == {"ann@example.org", "bob@example.org"}
    assert rows["ann@example.org"].verified_minutes == 180
    assert rows["ann@example.org"].accepted == 1
    assert (rows["bob@example.org"].responses, rows["bob@example.org"].verified_minutes) == (1, 0)
    assert roster.list_volunteers(camden) == []

    auth.login(ADMIN)
    page = client.get("/b/hackney/admin/volunteering/volunteers").get_data(as_text=True)
    assert "ann@example.org" in page and "cat@example.org" not in page
    download = client.get("/b/hackney/admin/volunteering/volunteers.csv")
    assert download.headers["Content-Disposition"].endswith('-volunteers.csv"')
    lines = download.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Name,Email,Responses,Accepted,Verified hours")
    assert any(line.split(",")[1:5] == ["ann@example.org", "1", "1", "3"] for line in lines)


def test_the_hours_report_counts_verified_hours_in_the_dates_asked(
    client, auth, make_user, admin, hackney, make_opportunity
) -> None:
    food = make_opportunity(sessions=((5, 3),))
    _placed_with_hours(make_user, admin, hackney, food, "ann@example.org", [(3, 2), (40, 5)])
    report = roster.hours_report(hackney, london_today() - timedelta(days=7), london_today())
    assert (report.total_minutes, report.volunteers) == (120, 1)

    auth.login(ADMIN)
    start = (london_today() - timedelta(days=60)).isoformat()
    page = client.get(f"/b/hackney/admin/volunteering/hours/report?from={start}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "7 hours" in text and "no-print" in text
    backwards = client.get(
        f"/b/hackney/admin/volunteering/hours/report?from={london_today().isoformat()}&to={start}"
    )
    assert backwards.status_code == 400
    assert "to must be the same day as from or later" in backwards.get_data(as_text=True)
    assert (
        client.get("/b/hackney/admin/volunteering/hours/report?from=yesterday").status_code == 400
    )
