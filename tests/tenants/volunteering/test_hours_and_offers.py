"""Hours (recorded by volunteers, verified by the workspace, downloadable) and the waiting
list's time-limited offers of freed places."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import london_today, utcnow
from londonhub.tenants.volunteering.models import ResponseStatus, VolunteerResponse
from londonhub.tenants.volunteering.operations import VolunteeringError, hours, signups, waitlist

from .conftest import ADMIN
from .test_signups import VOLUNTEER, first_session, make_volunteer, places_taken


@pytest.fixture
def placed(make_user, admin, hackney, make_opportunity):
    """A volunteer accepted on an opportunity: (user, opportunity id)."""
    opportunity_id = make_opportunity(sessions=((5, 3),))
    user = make_volunteer(make_user)
    response_id = signups.respond(
        user, hackney, opportunity_id, first_session(hackney, opportunity_id)
    ).id
    signups.decide(admin, hackney, response_id, ResponseStatus.ACCEPTED)
    db.session.commit()
    return user, opportunity_id


def test_hours_are_refused_in_the_future_beyond_24_a_day_and_without_a_placement(
    placed, hackney, make_opportunity
) -> None:
    user, opportunity_id = placed
    today = london_today()
    with pytest.raises(VolunteeringError, match="future"):
        hours.record_hours(user, hackney, opportunity_id, today + timedelta(days=1), 60)
    hours.record_hours(user, hackney, opportunity_id, today, 20 * 60)
    db.session.commit()
    with pytest.raises(VolunteeringError, match="more than 24 hours") as refused:
        hours.record_hours(user, hackney, opportunity_id, today, 5 * 60)
    assert "4 hours left" in str(refused.value)
    db.session.rollback()
    hours.record_hours(user, hackney, opportunity_id, today, 4 * 60)  # exactly 24: fine
    db.session.commit()
    with pytest.raises(VolunteeringError, match="A day has only 24 hours"):
        hours.record_hours(user, hackney, opportunity_id, today - timedelta(days=1), 25 * 60)
    other = make_opportunity(title="Not mine", sessions=())
    with pytest.raises(VolunteeringError, match="accepted on"):
        hours.record_hours(user, hackney, other, today - timedelta(days=1), 60)


def test_verified_hours_show_on_the_volunteers_page_and_download_as_csv(
    client, auth, placed, hackney
) -> None:
    user, opportunity_id = placed
    auth.login(VOLUNTEER)
    page = client.get("/volunteering/hours")
    assert page.status_code == 200 and "Warehouse helper (Hackney CVS)" in page.get_data(
        as_text=True
    )
    day = (london_today() - timedelta(days=2)).isoformat()
    response = client.post(
        "/volunteering/hours",
        data={
            "placement": f"hackney:{opportunity_id}",
            "day": day,
            "hours": "2.5",
            "note": "=SUM(A1)",
        },
    )
    assert response.status_code == 302
    future = client.post(
        "/volunteering/hours",
        data={
            "placement": f"hackney:{opportunity_id}",
            "day": (london_today() + timedelta(days=3)).isoformat(),
            "hours": "1",
        },
    )
    assert future.status_code == 400
    assert "You cannot record hours for a date in the future" in future.get_data(as_text=True)
    assert client.get("/volunteering/hours.csv").get_data(as_text=True).count("\n") == 1  # header
    auth.logout()
    auth.login(ADMIN)
    listing = client.get("/b/hackney/admin/volunteering/hours").get_data(as_text=True)
    assert "Waiting to be verified" in listing
    [row] = hours.list_hours(hackney)
    assert (
        client.post(
            f"/b/hackney/admin/volunteering/hours/{row.hours.id}/verify", data={"verified": "yes"}
        ).status_code
        == 302
    )
    auth.logout()
    auth.login(VOLUNTEER)
    page = client.get("/volunteering/hours").get_data(as_text=True)
    assert "2.5 hours" in page and "Verified" in page
    assert "2.5 hours" in client.get("/volunteering/profile").get_data(as_text=True)
    csv_text = client.get("/volunteering/hours.csv").get_data(as_text=True)
    assert f"{day},2.5,Warehouse helper,Hackney CVS,'=SUM(A1)" in csv_text


def test_a_freed_place_is_offered_to_the_first_waiting_and_lapses_in_time(
    app, client, auth, admin, make_user, hackney, make_opportunity, outbox
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 1),))
    session_id = first_session(hackney, opportunity_id)
    holder = make_volunteer(make_user, "holder@example.org")
    first = make_volunteer(make_user, "first@example.org")
    second = make_volunteer(make_user, "second@example.org")
    held = signups.respond(holder, hackney, opportunity_id, session_id).id
    one = signups.respond(first, hackney, opportunity_id, session_id).id
    two = signups.respond(second, hackney, opportunity_id, session_id).id
    db.session.commit()
    signups.decide(admin, hackney, held, ResponseStatus.DECLINED)
    db.session.commit()

    def status(response_id: int) -> ResponseStatus:
        with tenant_context(hackney.id):
            db.session.expire_all()
            return db.session.scalar(
                select(VolunteerResponse.status).where(VolunteerResponse.id == response_id)
            )

    assert (status(one), status(two)) == (ResponseStatus.OFFERED, ResponseStatus.WAITLISTED)
    assert places_taken(hackney, opportunity_id) == [1]
    assert "A place is free for you" in outbox.to("first@example.org")[-1]["Subject"]
    # Before its time the sweep leaves the offer alone; after it, the offer lapses and the
    # place goes to the next person waiting.
    assert waitlist.due_offers() == []
    with tenant_context(hackney.id):
        db.session.get(VolunteerResponse, one).offer_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert waitlist.expire_due_offers() == 1
    db.session.commit()  # the job runs in-process after the commit
    assert (status(one), status(two)) == (ResponseStatus.LAPSED, ResponseStatus.OFFERED)
    assert places_taken(hackney, opportunity_id) == [1]
    assert "lapsed" in outbox.to("first@example.org")[-1]["Subject"]
    # The second person takes the place in time.
    auth.login("second@example.org")
    assert "Take the place" in client.get("/volunteering/responses").get_data(as_text=True)
    assert client.post(f"/volunteering/responses/{two}/take-place").status_code == 302
    assert status(two) == ResponseStatus.PENDING
    result = app.test_cli_runner().invoke(args=["volunteering", "expire-offers"])
    assert "0 offer(s)" in result.output
