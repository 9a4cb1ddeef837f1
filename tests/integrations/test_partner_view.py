"""The partner view of the hub: an organisation's bookings and purchases, shared with its
members only; a partner member's booking form is filled in for their organisation."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import PartnerKind, PartnerMembership
from londonhub.platform.core.extensions import db
from londonhub.tenants.rooms import services as rooms
from tests.conftest import PASSWORD
from tests.tenants.rooms.conftest import future_day, request_for, room_values

A1, A2, B1, OUTSIDER = (
    "ada@camden.gov.uk",
    "ben@camden.gov.uk",
    "cat@shelter.org.uk",
    "dan@example.org",
)


def _partner(name: str, kind: PartnerKind, domain: str, *members) -> str:
    partner = services.create_partner(
        name=name,
        kind=kind,
        domains=[domain],
        issuer=f"https://login.{domain}",
        client_id="client",
        client_secret="secret",
    )
    for user in members:
        db.session.add(PartnerMembership(partner_id=partner.id, user_id=user.id))
    db.session.commit()
    return partner.slug


@pytest.fixture
def world(app: Flask, make_workspace, make_user) -> dict:
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    admin = make_user("admin@hackney.example.org", workspace=hackney, role="owner")
    users = {email: make_user(email, name=email.split("@")[0].title()) for email in (A1, A2, B1)}
    make_user(OUTSIDER)
    camden = _partner("Camden Council", PartnerKind.COUNCIL, "camden.gov.uk", users[A1], users[A2])
    shelter = _partner("Shelter", PartnerKind.CHARITY, "shelter.org.uk", users[B1])
    with app.test_request_context():
        room_id = rooms.save_room(admin, hackney, room_values(name="Main hall")).id
        db.session.commit()
        rooms.book(users[A1], hackney, room_id, request_for(future_day()))
        db.session.commit()
    return {"camden": camden, "shelter": shelter, "room_id": room_id}


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_an_order_by_one_member_is_shared_with_colleagues_only(app: Flask, world: dict) -> None:
    page = _client(app, A2).get(f"/partners/{world['camden']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Main hall at Hackney Community Centre" in html
    assert re.search(r"<td>Hackney CVS</td>\s*<td>Ada</td>", html)  # seller, then buyer

    other_org = _client(app, B1)
    assert other_org.get(f"/partners/{world['camden']}").status_code == 404
    own = other_org.get(f"/partners/{world['shelter']}")
    assert own.status_code == 200
    assert "Main hall" not in own.get_data(as_text=True)

    assert _client(app, OUTSIDER).get(f"/partners/{world['camden']}").status_code == 404


def test_a_partner_members_booking_form_is_filled_in_for_their_organisation(
    app: Flask, world: dict
) -> None:
    html = _client(app, A2).get(f"/b/hackney/rooms/{world['room_id']}").get_data(True)
    assert re.search(r'name="organisation_name"[^>]*value="Camden Council"', html)
    assert '<option selected value="public">' in html

    shelter = _client(app, B1).get(f"/b/hackney/rooms/{world['room_id']}").get_data(True)
    assert re.search(r'name="organisation_name"[^>]*value="Shelter"', shelter)
    assert '<option selected value="community">' in shelter

    outsider = _client(app, OUTSIDER).get(f"/b/hackney/rooms/{world['room_id']}")
    assert 'value="Camden Council"' not in outsider.get_data(as_text=True)
