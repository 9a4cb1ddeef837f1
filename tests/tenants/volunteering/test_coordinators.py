"""Group coordinators: a group's contact invited by the workspace manages that group's
volunteering (responses, who came, hours, status) and nothing else of the workspace."""

from __future__ import annotations

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.tenants.volunteering.models import OpportunityStatus, ResponseStatus
from londonhub.tenants.volunteering.operations import (
    NotAllowed,
    coordinators,
    groups,
    hours,
    opportunities,
    signups,
)

from .conftest import ADMIN, group_values, opportunity_values
from .test_attendance import _happened
from .test_signups import first_session, make_volunteer

FOLA = "fola@foodbank.example.org"  # Hackney Food Bank's contact (conftest.group_values)


@pytest.fixture
def two_groups(admin, hackney, make_opportunity) -> dict:
    food = make_opportunity(sessions=((5, 2),))
    garden_group = groups.save_group(
        admin, hackney, group_values(name="Clapton Garden", contact_email="gus@example.org")
    ).id
    db.session.commit()
    garden = make_opportunity(group="Clapton Garden", title="Garden helper")
    food_group = opportunities.get_opportunity(hackney, food).group_id
    return {
        "food": food,
        "garden": garden,
        "food_group": food_group,
        "garden_group": garden_group,
    }


def _invite_and_accept(client, auth, make_user, outbox, group_id: int) -> object:
    auth.login(ADMIN)
    page = client.get(f"/b/hackney/admin/volunteering/groups/{group_id}").get_data(as_text=True)
    assert f'value="{FOLA}"' in page  # the group's contact, suggested
    sent = client.post(
        f"/b/hackney/admin/volunteering/groups/{group_id}/coordinators",
        data={"invite-email": FOLA},
    )
    assert sent.status_code == 302
    [mail] = [m for m in outbox.to(FOLA) if m["Subject"].startswith("Coordinate")]
    link = outbox.link(mail)
    client.get("/logout")
    # Someone else signed in cannot use Fola's link.
    make_user("mallory@example.org")
    auth.login("mallory@example.org")
    assert client.get(link).status_code == 404 and client.post(link).status_code == 404
    client.get("/logout")
    fola = make_user(FOLA, name="Fola Coordinator")
    auth.login(FOLA)
    assert client.get(link).status_code == 200
    accepted = client.post(link)
    assert accepted.headers["Location"].endswith("/b/hackney/coordinate/")
    return fola


def test_a_coordinator_manages_their_groups_volunteers_and_nothing_else(
    client, auth, make_user, hackney, camden, two_groups, outbox
) -> None:
    vic, ann = make_volunteer(make_user), make_volunteer(make_user, "ann@example.org")
    session_id = first_session(hackney, two_groups["food"])
    mine_id = signups.respond(vic, hackney, two_groups["food"], session_id).id
    theirs_id = signups.respond(ann, hackney, two_groups["garden"], None).id
    db.session.commit()
    _invite_and_accept(client, auth, make_user, outbox, two_groups["food_group"])

    page = client.get("/b/hackney/coordinate/").get_data(as_text=True)
    assert "Warehouse helper" in page and "Vic" in page
    assert "Garden helper" not in page and "Ann" not in page
    decided = client.post(
        f"/b/hackney/coordinate/responses/{mine_id}/decide", data={"decision": "accepted"}
    )
    assert decided.status_code == 302
    assert signups.get_response(hackney, mine_id).status == ResponseStatus.ACCEPTED
    # The other group's response, the workspace's admin, and another workspace: refused.
    other = client.post(
        f"/b/hackney/coordinate/responses/{theirs_id}/decide", data={"decision": "declined"}
    )
    assert other.status_code == 404
    assert signups.get_response(hackney, theirs_id).status == ResponseStatus.INTERESTED
    for path in (
        "/b/hackney/admin/volunteering/",
        "/b/hackney/admin/volunteering/responses",
        f"/b/hackney/admin/volunteering/volunteers/{ann.id}",
        "/b/camden/coordinate/",
    ):
        assert client.get(path).status_code == 403, path
    garden_session = first_session(hackney, two_groups["garden"])
    assert (
        client.get(
            f"/b/hackney/coordinate/opportunities/{two_groups['garden']}"
            f"/sessions/{garden_session}/attendance"
        ).status_code
        == 404
    )
    # Who came, and the hours: theirs to record.
    _happened(hackney, session_id)
    url = (
        f"/b/hackney/coordinate/opportunities/{two_groups['food']}/sessions/{session_id}/attendance"
    )
    assert client.post(url, data={"came": [str(vic.id)]}).status_code == 302
    assert hours.verified_minutes(vic) == 180
    paused = client.post(
        f"/b/hackney/coordinate/opportunities/{two_groups['food']}/status",
        data={"status": "paused"},
    )
    assert paused.status_code == 302
    assert (
        opportunities.get_opportunity(hackney, two_groups["food"]).status
        == OpportunityStatus.PAUSED
    )
    assert "Your groups' volunteering with Hackney CVS" in client.get(
        "/volunteering/responses"
    ).get_data(as_text=True)


def test_operations_refuse_a_coordinator_outside_their_group(
    make_user, admin, hackney, two_groups
) -> None:
    fola = make_user(FOLA)
    with tenant_context(hackney.id):
        coordinator = coordinators.invite(admin, hackney, two_groups["food_group"], FOLA)
        coordinator.user_id = fola.id
        coordinator_id = coordinator.id
        db.session.commit()
    assert coordinators.may_manage(fola, hackney, two_groups["food"])
    assert not coordinators.may_manage(fola, hackney, two_groups["garden"])
    with pytest.raises(NotAllowed):
        opportunities.set_status(fola, hackney, two_groups["garden"], OpportunityStatus.CLOSED)
    with pytest.raises(NotAllowed):
        groups.save_group(fola, hackney, group_values(name="Taken over"), two_groups["food_group"])
    # Removing them ends it.
    coordinators.remove(admin, hackney, two_groups["food_group"], coordinator_id)
    db.session.commit()
    assert not coordinators.may_manage(fola, hackney, two_groups["food"])


def _accepted_coordinator(make_user, admin, hackney, group_id: int):
    fola = make_user(FOLA, name="Fola Coordinator")
    with tenant_context(hackney.id):
        coordinator = coordinators.invite(admin, hackney, group_id, FOLA)
        coordinator.user_id = fola.id
        db.session.commit()
    return fola


def test_a_coordinator_adds_and_edits_their_groups_opportunities_and_no_others(
    make_user, admin, hackney, two_groups
) -> None:
    fola = _accepted_coordinator(make_user, admin, hackney, two_groups["food_group"])
    added = opportunities.save_opportunity(
        fola, hackney, opportunity_values(two_groups["food_group"], title="Van driver")
    )
    added_id, added_group = added.id, added.group_id
    db.session.commit()
    assert added_group == two_groups["food_group"]
    changed = opportunities.save_opportunity(
        fola,
        hackney,
        opportunity_values(two_groups["food_group"], title="Van driver (weekends)"),
        added_id,
    )
    assert changed.title == "Van driver (weekends)"
    db.session.commit()
    # Not for the other group, not by moving their own into it, not the other group's.
    for values, opportunity_id in (
        (opportunity_values(two_groups["garden_group"], title="Planted"), None),
        (opportunity_values(two_groups["garden_group"], title="Moved"), added_id),
        (opportunity_values(two_groups["food_group"], title="Taken"), two_groups["garden"]),
    ):
        with pytest.raises(NotAllowed):
            opportunities.save_opportunity(fola, hackney, values, opportunity_id)
        db.session.rollback()
    assert opportunities.get_opportunity(hackney, added_id).title == "Van driver (weekends)"
    assert opportunities.get_opportunity(hackney, two_groups["garden"]).title == "Garden helper"


def test_a_coordinator_edits_opportunities_and_sessions_on_their_pages(
    client, auth, make_user, admin, hackney, two_groups
) -> None:
    _accepted_coordinator(make_user, admin, hackney, two_groups["food_group"])
    auth.login(FOLA)
    base = "/b/hackney/coordinate/opportunities"
    form = client.get(f"{base}/new").get_data(as_text=True)
    assert "Hackney Food Bank" in form and "Clapton Garden" not in form
    values = {
        "group_id": str(two_groups["food_group"]),
        "title": "Van driver",
        "summary": "Drive the van.",
        "description": "",
        "cause": "food-poverty",
        "skills": ["driving"],
        "address": "1 Mare Street",
        "postcode": "E8 1DY",
        "schedule": "one_off",
        "status": "published",
    }
    created = client.post(f"{base}/new", data=values)
    assert created.status_code == 302, created.get_data(as_text=True)
    new_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert opportunities.get_opportunity(hackney, new_id).title == "Van driver"
    assert created.headers["Location"].startswith(f"{base}/")
    # Another group's id in the form is refused and saves nothing.
    other = client.post(f"{base}/new", data={**values, "group_id": str(two_groups["garden_group"])})
    assert other.status_code == 400
    # A session added, then changed, on the coordinator's pages.
    added = client.post(
        f"{base}/{new_id}/sessions",
        data={
            "session-day": "2099-05-01",
            "session-starts": "10:00",
            "session-ends": "12:00",
            "session-places": "4",
        },
    )
    assert added.status_code == 302
    session_id = first_session(hackney, new_id)
    page = client.get(f"{base}/{new_id}/sessions/{session_id}")
    assert page.status_code == 200
    saved = client.post(
        f"{base}/{new_id}/sessions/{session_id}",
        data={"day": "2099-05-01", "starts": "10:00", "ends": "13:00", "places": "6"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    with tenant_context(hackney.id):
        assert opportunities.get_session(hackney, new_id, session_id).places == 6
    # The other group's opportunity and its sessions: not found.
    garden_session = first_session(hackney, two_groups["garden"])
    for path in (
        f"{base}/{two_groups['garden']}",
        f"{base}/{two_groups['garden']}/sessions/{garden_session}",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, data={"title": "x"}).status_code == 404, path
    assert opportunities.get_opportunity(hackney, two_groups["garden"]).title == "Garden helper"
