"""The rate a person pays follows from who they are, never from what they choose."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from londonhub.billing.models import OrderStatus
from londonhub.integrations.oidc.models import PartnerKind
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import Booking, ClaimStatus, CustomerType
from tests.conftest import PASSWORD

from .conftest import approve_community, book, future_day, order_of, request_for


def test_a_buyer_cannot_get_the_community_rate_by_choosing_it(
    make_room, hackney, make_user
) -> None:
    room = make_room(community_hourly_pence=0, community_day_pence=None)
    stranger = make_user("buyer@acme.example.com")
    order_id, _ = book(
        stranger, hackney, room.id, request_for(future_day(), claimed=CustomerType.COMMUNITY)
    )
    order = order_of(hackney, order_id)
    assert order.total_pence == 2 * 6000  # the business rate: nothing verifies the claim
    assert order.status == OrderStatus.AWAITING_PAYMENT


def _booking(workspace, booking_id):
    with tenant_context(workspace.id):
        return db.session.scalar(select(Booking).where(Booking.id == booking_id))


def test_a_pending_claim_lowers_nothing_and_staff_see_what_was_claimed(
    make_room, hackney, make_user
) -> None:
    room = make_room()
    person = make_user("group@example.org")
    services.claim_community_rate(person, hackney, "Mare Street Choir", "charity", "123 4567")
    db.session.commit()
    order_id, (booking_id,) = book(person, hackney, room.id, request_for(future_day()))
    assert order_of(hackney, order_id).total_pence == 2 * 6000
    booking = _booking(hackney, booking_id)
    assert booking.organisation_type == "business"
    assert booking.claimed_type == "community"
    assert "Mare Street Choir asked for the community rate (Charity number 1234567)" in (
        booking.rate_basis
    )
    assert "not approved it yet" in booking.rate_basis


def test_the_workspaces_approval_gives_the_community_rate_there_only(
    make_room, hackney, camden, admin, make_user
) -> None:
    room = make_room()
    person = make_user("group@example.org")
    approve_community(hackney, person, admin, "Mare Street Choir")
    rate = services.rate_for(person, hackney)
    assert rate.customer == CustomerType.COMMUNITY
    assert "approved by Hackney CVS" in rate.basis
    assert services.rate_for(person, camden).customer == CustomerType.BUSINESS
    order_id, (booking_id,) = book(person, hackney, room.id, request_for(future_day()))
    assert order_of(hackney, order_id).total_pence == 2 * 2000
    assert _booking(hackney, booking_id).claimed_type is None  # claimed what it got


def test_verified_partner_membership_sets_the_rate_whatever_is_chosen(hackney, make_user) -> None:
    council, person = _partner_member(make_user, PartnerKind.COUNCIL, "lbh.gov.uk")
    rate = services.rate_for(person, hackney, CustomerType.COMMUNITY)
    assert rate.customer == CustomerType.PUBLIC
    assert rate.basis == f"Verified member of {council} (Council)"
    _, business = _partner_member(make_user, PartnerKind.BUSINESS, "acme.example.com")
    assert services.rate_for(business, hackney, CustomerType.COMMUNITY).customer == (
        CustomerType.BUSINESS
    )


def _partner_member(make_user, kind, domain):
    from londonhub.integrations.oidc import services as oidc
    from londonhub.integrations.oidc.models import PartnerMembership

    partner = oidc.create_partner(
        name=f"Partner {domain}",
        kind=kind,
        domains=[domain],
        issuer=f"https://login.{domain}",
        client_id="client",
        client_secret="secret",
    )
    person = make_user(f"someone@{domain}")
    db.session.add(PartnerMembership(partner_id=partner.id, user_id=person.id))
    db.session.commit()
    return partner.name, person


@pytest.mark.parametrize(
    ("kind", "number", "message"),
    [
        ("charity", "12", "Enter a real charity number"),
        ("company", "ABC", "Enter a real company number"),
        ("vat", "1234567", "Choose a charity number or a company number"),
    ],
)
def test_a_claim_needs_a_real_registration_number(
    hackney, make_user, kind, number, message
) -> None:
    person = make_user("group@example.org")
    with pytest.raises(services.RoomError, match=message):
        services.claim_community_rate(person, hackney, "Choir", kind, number)
    db.session.rollback()
    assert services.get_claim(hackney, person) is None


def test_staff_cannot_approve_a_claim_without_a_request(hackney, make_user) -> None:
    person = make_user("group@example.org")
    claim_id = services.claim_community_rate(person, hackney, "Choir", "company", "SC123456").id
    db.session.commit()
    staff = make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    with pytest.raises(services.NotAllowed):
        services.decide_claim(staff, hackney, claim_id, approve=True)
    db.session.rollback()
    assert services.get_claim(hackney, person).status == ClaimStatus.PENDING
    assert services.rate_for(person, hackney).customer == CustomerType.BUSINESS


def test_the_booking_pages_say_which_rate_and_why(
    app, make_room, hackney, admin, make_user
) -> None:
    room = make_room()
    make_user("group@example.org")
    client = app.test_client()
    client.post("/login", data={"email": "group@example.org", "password": PASSWORD})
    page = client.get(f"/b/hackney/rooms/{room.id}").get_data(as_text=True)
    assert "/rooms/community-rate?workspace=hackney" in page
    quote = client.post(
        "/rooms/book",
        data={
            "workspace": "hackney",
            "room_id": room.id,
            "date": future_day().isoformat(),
            "start": "10:00",
            "end": "12:00",
            "attendees": 10,
            "layout": "theatre",
            "organisation_name": "Choir",
            "organisation_type": "community",
            "repeat": "none",
            "occurrences": 1,
        },
        follow_redirects=True,  # to the quote's own page (post/redirect/get)
    ).get_data(as_text=True)
    assert "Business rate" in quote and "£120.00" in quote
    assert "Standard rate: said community or voluntary group, not verified" in quote
    answer = client.post(
        "/rooms/community-rate",
        data={
            "workspace": "hackney",
            "organisation_name": "Choir",
            "evidence_kind": "charity",
            "evidence_number": "1234567",
        },
    )
    assert answer.status_code == 302
    admin_client = app.test_client()
    admin_client.post("/login", data={"email": admin.email, "password": PASSWORD})
    listing = admin_client.get("/b/hackney/admin/rooms/rate-requests/").get_data(as_text=True)
    assert "Choir" in listing and "Charity 1234567" in listing
