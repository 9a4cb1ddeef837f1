"""Volunteers: one profile across London, signing up and expressing interest, the workspace's
decisions (each emailed), waiting lists, duplicates and minimum ages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import london_today
from londonhub.tenants.volunteering.models import (
    OpportunitySession,
    ResponseStatus,
    VolunteerConsent,
)
from londonhub.tenants.volunteering.operations import (
    NotFound,
    VolunteeringError,
    opportunities,
    profiles,
    signups,
)

from .conftest import ADMIN, CAMDEN_ADMIN

VOLUNTEER = "vic@example.org"


def make_volunteer(
    make_user, email: str = VOLUNTEER, born: date | None = date(1990, 5, 1), **extra
):
    user = make_user(email, name=email.split("@")[0].title())
    values = {
        "home_borough": "hackney",
        "causes": ["food-poverty"],
        "skills": ["cooking"],
        "availability": ["weekend"],
        "adjustments": "",
        "date_of_birth": born,
        "emergency_name": "Eve Emergency",
        "emergency_phone": "020 7946 0123",
        **extra,
    }
    profiles.save_profile(user, values, {"share_profile": True}, london_today())
    db.session.commit()
    return user


def places_taken(workspace, opportunity_id: int) -> list[int]:
    with tenant_context(workspace.id):
        db.session.expire_all()
        return list(
            db.session.scalars(
                select(OpportunitySession.places_taken)
                .where(OpportunitySession.opportunity_id == opportunity_id)
                .order_by(OpportunitySession.starts_at)
            )
        )


def first_session(workspace, opportunity_id: int) -> int:
    return opportunities.list_sessions(workspace, opportunity_id)[0].id


def test_a_volunteer_fills_in_their_profile_and_consents_are_kept_as_history(
    client, auth, make_user, hackney
) -> None:
    make_user(VOLUNTEER, name="Vic")
    auth.login(VOLUNTEER)
    assert client.get("/volunteering/profile").status_code == 200
    form = {
        "home_borough": "hackney",
        "causes": ["environment", "sport"],
        "skills": ["driving"],
        "availability": ["weekend"],
        "adjustments": "Step-free access",
        "date_of_birth": "1990-05-01",
        "emergency_name": "Eve",
        "emergency_phone": "020 7946 0123",
        "share_profile": "y",
    }
    assert client.post("/volunteering/profile", data=form).status_code == 302
    form.pop("share_profile")
    form["email_updates"] = "y"
    assert client.post("/volunteering/profile", data=form).status_code == 302
    user = db.session.scalar(select(profiles.User).where(profiles.User.email == VOLUNTEER))
    profile = profiles.get_profile(user)
    assert (
        profile.cause_labels == ["Environment", "Sport"]
        and profile.adjustments == "Step-free access"
    )
    history = [
        (c.kind, c.given)
        for c in db.session.scalars(select(VolunteerConsent).order_by(VolunteerConsent.id))
    ]
    assert history == [("share_profile", True), ("share_profile", False), ("email_updates", True)]
    page = client.get("/volunteering/profile").get_data(as_text=True)
    assert "Your consent history" in page and "Withdrawn" in page
    bad = client.post("/volunteering/profile", data={**form, "emergency_phone": ""})
    assert bad.status_code == 400
    assert "Give both a name and a phone number" in bad.get_data(as_text=True)


def test_signing_up_takes_a_place_and_emails_the_volunteer(
    client, auth, make_user, hackney, make_opportunity, outbox
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 2),))
    session_id = first_session(hackney, opportunity_id)
    make_volunteer(make_user)
    auth.login(VOLUNTEER)
    response = client.post(
        "/opportunities/respond",
        data={"workspace": "hackney", "opportunity_id": opportunity_id, "session_id": session_id},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/b/hackney/opportunities/{opportunity_id}")
    assert places_taken(hackney, opportunity_id) == [1]
    [mail] = outbox.to(VOLUNTEER)
    assert "You have a place" in mail["Subject"]
    mine = client.get("/volunteering/responses").get_data(as_text=True)
    assert "Warehouse helper" in mine and "Signed up, awaiting a reply" in mine
    # The same again: refused, nothing changes.
    again = client.post(
        "/opportunities/respond",
        data={"workspace": "hackney", "opportunity_id": opportunity_id, "session_id": session_id},
        follow_redirects=True,
    )
    assert "You have already signed up for this session" in again.get_data(as_text=True)
    assert places_taken(hackney, opportunity_id) == [1]
    assert len(outbox.to(VOLUNTEER)) == 1


def test_duplicates_are_refused_by_the_service(make_user, hackney, make_opportunity) -> None:
    opportunity_id = make_opportunity(sessions=((5, 2),))
    session_id = first_session(hackney, opportunity_id)
    user = make_volunteer(make_user)
    signups.respond(user, hackney, opportunity_id, session_id)
    signups.respond(user, hackney, opportunity_id)  # interest in the opportunity: separate
    db.session.commit()
    with pytest.raises(VolunteeringError, match="already signed up"):
        signups.respond(user, hackney, opportunity_id, session_id)
    db.session.rollback()
    with pytest.raises(VolunteeringError, match="already said you are interested"):
        signups.respond(user, hackney, opportunity_id)
    db.session.rollback()
    assert places_taken(hackney, opportunity_id) == [1]


def test_a_full_session_takes_a_waiting_list(make_user, hackney, make_opportunity, outbox) -> None:
    opportunity_id = make_opportunity(sessions=((5, 1),))
    session_id = first_session(hackney, opportunity_id)
    first = make_volunteer(make_user, "first@example.org")
    second = make_volunteer(make_user, "second@example.org")
    assert (
        signups.respond(first, hackney, opportunity_id, session_id).status == ResponseStatus.PENDING
    )
    assert (
        signups.respond(second, hackney, opportunity_id, session_id).status
        == ResponseStatus.WAITLISTED
    )
    db.session.commit()
    assert places_taken(hackney, opportunity_id) == [1]
    assert "waiting list" in outbox.to("second@example.org")[0]["Subject"]


def test_under_the_minimum_age_is_refused(make_user, hackney, make_opportunity) -> None:
    opportunity_id = make_opportunity(minimum_age=18, sessions=((5, 3),))
    session_id = first_session(hackney, opportunity_id)
    today = london_today()
    young = make_volunteer(make_user, "young@example.org", born=date(today.year - 16, 1, 1))
    unknown = make_volunteer(make_user, "unknown@example.org", born=None)
    with pytest.raises(VolunteeringError, match="at least 18"):
        signups.respond(young, hackney, opportunity_id, session_id)
    db.session.rollback()
    with pytest.raises(signups.NeedsProfile, match="date of birth"):
        signups.respond(unknown, hackney, opportunity_id, session_id)
    db.session.rollback()
    assert places_taken(hackney, opportunity_id) == [0]


def test_without_a_profile_the_volunteer_is_sent_to_make_one(
    client, auth, make_user, hackney, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 3),))
    make_user(VOLUNTEER)
    auth.login(VOLUNTEER)
    response = client.post(
        "/opportunities/respond", data={"workspace": "hackney", "opportunity_id": opportunity_id}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/volunteering/profile?next=")


def test_the_workspace_accepts_declines_and_waitlists_and_each_change_emails(
    client, auth, admin, make_user, hackney, make_opportunity, outbox
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 1),))
    session_id = first_session(hackney, opportunity_id)
    first = make_volunteer(make_user, "first@example.org")
    second = make_volunteer(make_user, "second@example.org")
    one = signups.respond(first, hackney, opportunity_id, session_id).id
    two = signups.respond(second, hackney, opportunity_id, session_id).id
    db.session.commit()
    auth.login(ADMIN)
    page = client.get("/b/hackney/admin/volunteering/responses").get_data(as_text=True)
    assert "First" in page and "Second" in page

    def decide(response_id: int, decision: str):
        return client.post(
            f"/b/hackney/admin/volunteering/responses/{response_id}/decide",
            data={"decision": decision},
            follow_redirects=True,
        ).get_data(as_text=True)

    assert "The session is full" in decide(two, "accepted")
    assert "Saved: accepted" in decide(one, "accepted")
    assert places_taken(hackney, opportunity_id) == [1]
    assert "Saved: declined" in decide(one, "declined")
    # The freed place is offered to the first person waiting.
    assert places_taken(hackney, opportunity_id) == [1]
    assert "A place is free for you" in outbox.to("second@example.org")[-1]["Subject"]
    assert "Saved: accepted" in decide(two, "accepted")
    assert "Saved: on the waiting list" in decide(two, "waitlisted")  # frees it, nobody waits
    assert places_taken(hackney, opportunity_id) == [0]
    subjects = [m["Subject"].split(":")[0] for m in outbox.to("first@example.org")]
    assert subjects == [
        "You have a place, waiting for confirmation",
        "You are confirmed",
        "An update on your volunteering",
    ]
    assert len(outbox.to("second@example.org")) == 4


def test_a_volunteer_withdraws_and_frees_their_place(
    client, auth, make_user, hackney, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 2),))
    user = make_volunteer(make_user)
    response_id = signups.respond(
        user, hackney, opportunity_id, first_session(hackney, opportunity_id)
    ).id
    db.session.commit()
    other = make_user("other@example.org")
    auth.login("other@example.org")
    assert client.post(f"/volunteering/responses/{response_id}/withdraw").status_code == 404
    auth.logout()
    auth.login(VOLUNTEER)
    assert client.post(f"/volunteering/responses/{response_id}/withdraw").status_code == 302
    assert places_taken(hackney, opportunity_id) == [0]
    assert other is not None


def test_a_workspace_sees_a_profile_only_once_the_person_engaged_with_it(
    client, auth, admin, camden, camden_admin, make_user, hackney, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 2),))
    engaged = make_volunteer(make_user, "engaged@example.org")
    stranger = make_volunteer(make_user, "stranger@example.org", emergency_name="Stranger Contact")
    signups.respond(engaged, hackney, opportunity_id)
    db.session.commit()
    engaged_id, stranger_id = engaged.id, stranger.id
    assert profiles.engaged_profile(hackney, engaged_id).profile.emergency_name == "Eve Emergency"
    with pytest.raises(NotFound):
        profiles.engaged_profile(hackney, stranger_id)
    with pytest.raises(NotFound):
        profiles.engaged_profile(camden, engaged_id)
    auth.login(ADMIN)
    page = client.get(f"/b/hackney/admin/volunteering/volunteers/{engaged_id}")
    assert page.status_code == 200 and "Eve Emergency" in page.get_data(as_text=True)
    assert client.get(f"/b/hackney/admin/volunteering/volunteers/{stranger_id}").status_code == 404
    auth.logout()
    auth.login(CAMDEN_ADMIN)
    assert client.get(f"/b/camden/admin/volunteering/volunteers/{engaged_id}").status_code == 404
    responses = client.get("/b/camden/admin/volunteering/responses").get_data(as_text=True)
    assert "Engaged" not in responses


def test_responses_page_statements_stay_constant(
    client, auth, admin, make_user, hackney, make_opportunity, count_queries
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 50),))
    session_id = first_session(hackney, opportunity_id)
    signups.respond(
        make_volunteer(make_user, "v0@example.org"), hackney, opportunity_id, session_id
    )
    db.session.commit()
    auth.login(ADMIN)
    count_queries.clear()
    assert client.get("/b/hackney/admin/volunteering/responses").status_code == 200
    few = len(count_queries)
    for number in range(1, 8):
        person = make_volunteer(make_user, f"v{number}@example.org")
        signups.respond(person, hackney, opportunity_id, session_id)
        db.session.commit()
    count_queries.clear()
    assert client.get("/b/hackney/admin/volunteering/responses").status_code == 200
    assert len(count_queries) == few


def test_a_new_response_is_emailed_to_the_workspace_and_the_group(
    make_user, hackney, make_opportunity, outbox
) -> None:
    hackney.contact_email = "hello@hackney.example.org"
    opportunity_id = make_opportunity(sessions=((5, 2),))
    session_id = first_session(hackney, opportunity_id)
    signups.respond(make_volunteer(make_user), hackney, opportunity_id, session_id)
    db.session.commit()
    for address in ("hello@hackney.example.org", "fola@foodbank.example.org"):
        [mail] = outbox.to(address)
        assert mail["Subject"] == "New volunteer response: Warehouse helper"
        body = outbox.body(mail)
        assert "Vic responded" in body and "signed up, awaiting a reply" in body
        assert f"/b/hackney/admin/volunteering/responses?opportunity={opportunity_id}" in body
        assert "Eve Emergency" not in body
