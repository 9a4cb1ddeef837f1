"""Changing a session: new date, times, place or number of places, with the people on it told,
extra places offered to the waiting list, and impossible changes refused with nothing saved."""

from __future__ import annotations

from datetime import time

from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import in_london, london_to_utc
from londonhub.tenants.volunteering.models import ResponseStatus
from londonhub.tenants.volunteering.operations import opportunities, sessions, signups

from .conftest import ADMIN, future_day
from .test_signups import first_session, make_volunteer, places_taken


def _form(day, starts="10:00", ends="13:00", places="2", place="") -> dict:
    return {
        "day": day.isoformat(),
        "starts": starts,
        "ends": ends,
        "places": places,
        "place": place,
    }


def test_staff_move_a_session_and_its_people_are_emailed(
    client, auth, make_user, hackney, make_opportunity, outbox
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 2),))
    session_id = first_session(hackney, opportunity_id)
    person = make_volunteer(make_user)
    signups.respond(person, hackney, opportunity_id, session_id)
    db.session.commit()
    auth.login(ADMIN)
    url = f"/b/hackney/admin/volunteering/opportunities/{opportunity_id}/sessions/{session_id}"
    page = client.get(url)
    assert page.status_code == 200 and 'value="10:00"' in page.get_data(as_text=True)
    day = future_day(9)
    saved = client.post(url, data=_form(day, "14:00", "16:30", "4", "Hall B"))
    assert saved.status_code == 302
    session = opportunities.get_session(hackney, opportunity_id, session_id)
    assert in_london(session.starts_at).date() == day and session.places == 4
    assert session.place == "Hall B"
    [moved] = [m for m in outbox.to(person.email) if "has changed" in m["Subject"]]
    assert "14:00 to 16:30, at Hall B" in outbox.body(moved)


def test_fewer_places_than_people_hold_is_refused_and_nothing_changes(
    client, auth, make_user, hackney, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 3),))
    session_id = first_session(hackney, opportunity_id)
    for i in range(2):
        signups.respond(
            make_volunteer(make_user, f"p{i}@example.org"), hackney, opportunity_id, session_id
        )
    db.session.commit()
    auth.login(ADMIN)
    url = f"/b/hackney/admin/volunteering/opportunities/{opportunity_id}/sessions/{session_id}"
    refused = client.post(url, data=_form(future_day(6), places="1"))
    assert refused.status_code == 400
    assert "2 people hold places on this session" in refused.get_data(as_text=True)
    past = client.post(url, data=_form(future_day(-2)))
    assert past.status_code == 400 and "must start in the future" in past.get_data(as_text=True)
    backwards = client.post(url, data=_form(future_day(6), "12:00", "11:00"))
    assert "The end time must be after the start time" in backwards.get_data(as_text=True)
    session = opportunities.get_session(hackney, opportunity_id, session_id)
    assert session.places == 3 and in_london(session.starts_at).date() == future_day(5)


def test_more_places_are_offered_to_the_waiting_list_in_order(
    admin, make_user, hackney, make_opportunity, outbox
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 1),))
    session_id = first_session(hackney, opportunity_id)
    people = [make_volunteer(make_user, f"w{i}@example.org") for i in range(4)]
    statuses = [signups.respond(p, hackney, opportunity_id, session_id).status for p in people]
    db.session.commit()
    assert statuses == [ResponseStatus.PENDING] + [ResponseStatus.WAITLISTED] * 3
    day = future_day(5)
    sessions.update_session(
        admin,
        hackney,
        opportunity_id,
        session_id,
        london_to_utc(day, time(10)),
        london_to_utc(day, time(13)),
        3,
    )
    db.session.commit()
    mine = {r.response.user_id: r.response.status for r in signups.list_responses(hackney)}
    assert [mine[p.id] for p in people] == [
        ResponseStatus.PENDING,
        ResponseStatus.OFFERED,
        ResponseStatus.OFFERED,
        ResponseStatus.WAITLISTED,
    ]
    assert places_taken(hackney, opportunity_id) == [3]
    assert any("A place is free" in m["Subject"] for m in outbox.to("w1@example.org"))
    # Same times: nobody is told the session moved.
    assert not any("has changed" in m["Subject"] for m in outbox.messages)
