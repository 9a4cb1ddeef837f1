"""Lifeboat: a request without an account reaches the hub, is triaged and assigned; it is
confidential to the hub and the assigned associates, and to a borough only once shared."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.consultancy import lifeboat
from londonhub.platform.consultancy.models import (
    LifeboatAssignment,
    LifeboatRequest,
    LifeboatStatus,
)
from londonhub.platform.core.extensions import db

FORM = {
    "organisation": "Riverside Youth Club",
    "contact_name": "Pat Treasurer",
    "contact_email": "pat@riverside.example.org",
    "borough": "camden",
    "situation": "cash_flow",
    "details": "Our main grant ended and we cannot pay rent next month.",
}


def test_a_request_without_an_account_reaches_the_hub_and_is_assigned(
    world, client, signed_in, outbox
):
    page = client.get("/consultancy/lifeboat")
    assert page.status_code == 200 and b"You do not need an account" in page.data
    response = client.post("/consultancy/lifeboat", data=FORM)
    assert response.status_code == 200 and b"We have your request" in response.data
    request = db.session.scalar(select(LifeboatRequest))
    assert request.status == LifeboatStatus.NEW and request.borough == "camden"
    assert [m["Subject"] for m in outbox.to("hub@example.org")] == [
        f"Lifeboat request {request.id}"
    ]
    assert b"cannot pay rent" not in outbox.messages[-1].as_bytes()  # details stay on the site

    hub = signed_in("hub@example.org")
    assert b"Riverside Youth Club" in hub.get("/hub/consultancy/lifeboat").data
    response = hub.post(
        f"/hub/consultancy/lifeboat/{request.id}",
        data={"triage-urgency": "3", "triage-notes": "Cash-flow plan", "triage-subsidy": "0"},
    )
    assert response.status_code == 302, response.data[-800:]
    hub.post(
        f"/hub/consultancy/lifeboat/{request.id}/assign",
        data={"assign-associate_id": str(world.associate.id)},
    )
    db.session.expire_all()
    request = db.session.get(LifeboatRequest, request.id)
    assert (request.status, request.urgency) == (LifeboatStatus.ASSIGNED, 3)
    assert db.session.scalar(select(LifeboatAssignment.associate_id)) == world.associate.id
    assert outbox.to(world.associate_user.email)

    ada = signed_in(world.associate_user.email)
    assert b"cannot pay rent" in ada.get(f"/consultancy/lifeboat/{request.id}").data
    ada.post(
        f"/consultancy/lifeboat/{request.id}",
        data={"plan-plan": "Youth work to Camden Youth Trust; the lease to the council."},
    )
    db.session.expire_all()
    assert "Camden Youth Trust" in db.session.get(LifeboatRequest, request.id).transfer_plan


def test_requests_are_confidential_to_the_hub_and_assigned_associates(
    world, signed_in, make_workspace, quick_user, client
):
    request = lifeboat.submit(lifeboat.RequestDraft(**{**FORM, "contact_phone": ""}))
    db.session.commit()
    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    quick_user("owner@camden.example.org", workspace=camden, role="owner")
    for email in (world.associate_user.email, world.client.email, "owner@camden.example.org"):
        person = signed_in(email)
        assert person.get(f"/consultancy/lifeboat/{request.id}").status_code == 404
        assert person.get(f"/hub/consultancy/lifeboat/{request.id}").status_code == 403
    assert client.get(f"/consultancy/lifeboat/{request.id}").status_code == 302  # sign in
    assert lifeboat.shared_with(camden) == []
    lifeboat.share_with_borough(world.hub, request.id, True)
    db.session.commit()
    assert [r.id for r in lifeboat.shared_with(camden)] == [request.id]


def test_a_bad_request_says_what_to_fix(world, client):
    response = client.post("/consultancy/lifeboat", data={**FORM, "situation": "", "details": ""})
    assert response.status_code == 400
    assert b"Choose what is happening" in response.data
    assert b"Tell us what is happening" in response.data
    assert db.session.scalar(select(LifeboatRequest)) is None
