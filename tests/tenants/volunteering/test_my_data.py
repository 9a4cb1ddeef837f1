"""A volunteer's own data: the export holds everything about them and nobody else; deleting
the profile removes it all across London, gives places back to the waiting list, and keeps
verified time only as anonymous totals."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_today
from londonhub.tenants.volunteering.models import (
    AnonymousHours,
    ResponseStatus,
    VolunteerConsent,
    VolunteerHours,
    VolunteerProfile,
    VolunteerResponse,
)
from londonhub.tenants.volunteering.operations import hours, profiles, signups

from .conftest import ADMIN
from .test_signups import first_session, make_volunteer, places_taken

VIC = "vic@example.org"


def _give_hours(person, workspace, opportunity_id: int, admin, minutes: int, verify: bool):
    entry = hours.record_hours(
        person, workspace, opportunity_id, london_today() - timedelta(days=2), minutes, "secret"
    )
    if verify:
        hours.verify(admin, workspace, entry.id, True)
    db.session.commit()


def _count(model, **where) -> int:
    with hub_scope("test: counting rows"):
        query = select(func.count(model.id))
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def _placed(make_user, admin, camden_admin, hackney, camden, make_opportunity):
    """Vic accepted in Hackney (3 verified hours, 1 unverified) and Camden (2 verified)."""
    vic = make_volunteer(make_user, VIC, adjustments="Needs a quiet room")
    found = {}
    for workspace, staff in ((hackney, admin), (camden, camden_admin)):
        opportunity_id = make_opportunity(workspace=workspace, user=staff, sessions=((5, 1),))
        response = signups.respond(
            vic, workspace, opportunity_id, first_session(workspace, opportunity_id)
        )
        signups.decide(staff, workspace, response.id, ResponseStatus.ACCEPTED)
        db.session.commit()
        found[workspace.slug] = opportunity_id
    _give_hours(vic, hackney, found["hackney"], admin, 180, True)
    _give_hours(vic, hackney, found["hackney"], admin, 60, False)
    _give_hours(vic, camden, found["camden"], camden_admin, 120, True)
    return vic, found


def test_a_volunteer_downloads_everything_held_about_them_and_nothing_else(
    client, auth, make_user, admin, camden_admin, hackney, camden, make_opportunity
) -> None:
    _placed(make_user, admin, camden_admin, hackney, camden, make_opportunity)
    other = make_volunteer(make_user, "other@example.org", emergency_name="Otto Other")
    signups.respond(other, hackney, make_opportunity(title="Other role"), None)
    db.session.commit()
    auth.login(VIC)
    answer = client.get("/volunteering/my-data.json")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "private, no-store"
    data = json.loads(answer.get_data(as_text=True))
    assert data["profile"]["adjustments"] == "Needs a quiet room"
    assert data["profile"]["emergency_contact"]["name"] == "Eve Emergency"
    assert [c["given"] for c in data["consents"]] == [True]
    assert {r["workspace"] for r in data["responses"]} == {"Hackney CVS", "Camden CVS"}
    assert sorted(h["hours"] for h in data["hours"]) == [1, 2, 3]
    assert "Otto Other" not in answer.get_data(as_text=True)
    assert "Other role" not in answer.get_data(as_text=True)
    rows = list(
        csv.reader(io.StringIO(client.get("/volunteering/my-data.csv").get_data(as_text=True)))
    )
    assert rows[0] == ["Section", "Item", "Field", "Value"]
    assert ["profile", "1", "emergency_contact.name", "Eve Emergency"] in rows
    assert sum(1 for r in rows if r[0] == "hours" and r[2] == "hours") == 3


def test_deleting_the_profile_keeps_only_anonymous_totals_and_frees_places(
    client, auth, make_user, admin, camden_admin, hackney, camden, make_opportunity, outbox
) -> None:
    vic, found = _placed(make_user, admin, camden_admin, hackney, camden, make_opportunity)
    waiting = make_volunteer(make_user, "wanda@example.org")
    session_id = first_session(hackney, found["hackney"])
    assert signups.respond(waiting, hackney, found["hackney"], session_id).status == (
        ResponseStatus.WAITLISTED
    )
    db.session.commit()
    auth.login(VIC)
    assert client.get("/volunteering/profile/delete").status_code == 200
    unconfirmed = client.post("/volunteering/profile/delete", data={})
    assert unconfirmed.status_code == 400 and _count(VolunteerProfile) == 2
    assert client.post("/volunteering/profile/delete", data={"confirm": "y"}).status_code == 302

    assert profiles.get_profile(vic) is None
    assert _count(VolunteerConsent, user_id=vic.id) == 0
    assert _count(VolunteerResponse, user_id=vic.id) == 0
    assert _count(VolunteerHours, user_id=vic.id) == 0
    # The place Vic held in Hackney went to Wanda, who was waiting.
    [wanda] = signups.my_responses(waiting)
    assert wanda.response.status == ResponseStatus.OFFERED
    assert places_taken(hackney, found["hackney"]) == [1]
    # Verified time stays per workspace, with nobody's name on it; unverified time is gone.
    assert hours.anonymous_minutes(hackney) == 180 and hours.anonymous_minutes(camden) == 120
    with tenant_context(hackney.id):
        [total] = db.session.scalars(select(AnonymousHours))
    assert (total.opportunity_id, total.entries) == (found["hackney"], 1)
    client.get("/logout")
    auth.login(ADMIN)
    page = client.get("/b/hackney/admin/volunteering/hours").get_data(as_text=True)
    assert "3 verified hours" in page and "secret" not in page
    assert client.get(f"/b/hackney/admin/volunteering/volunteers/{vic.id}").status_code == 404
    assert hours.list_hours(camden) == []
