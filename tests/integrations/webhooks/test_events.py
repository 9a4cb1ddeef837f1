"""Each area announces its events through core.events with the documented payload: only the
workspace's own ids, amounts in pence and timestamps; nothing when the action fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.platform.core.events import EVENT_TYPES, emit
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.resources import services as resources
from londonhub.tenants.rooms import services as rooms
from londonhub.tenants.rooms.models import Booking
from londonhub.tenants.volunteering.models import OpportunitySession
from londonhub.tenants.volunteering.operations import signups
from tests.platform.resources.conftest import values as resource_values
from tests.tenants.rooms.conftest import book, future_day, request_for
from tests.tenants.volunteering.conftest import add_opportunity
from tests.tenants.volunteering.test_signups import make_volunteer

from .outbox import emitted

DOCUMENTED = {
    "booking.confirmed",
    "booking.cancelled",
    "order.paid",
    "order.refunded",
    "volunteer.signed_up",
    "placement.confirmed",
    "resource.published",
}


def test_every_event_the_issue_names_is_registered_with_its_fields(app) -> None:
    assert set(EVENT_TYPES) >= DOCUMENTED
    for kind in EVENT_TYPES.values():
        assert kind.description and kind.fields, kind.name


def test_an_unregistered_event_cannot_be_emitted(hackney) -> None:
    with pytest.raises(LookupError):
        emit(hackney, "booking.teleported", {})


def test_paying_an_order_announces_order_paid_in_pence(hackney, admin, buyer, make_room) -> None:
    order_id, _ = book(buyer, hackney, make_room().id, request_for(future_day(20)))
    assert emitted(hackney, "order.paid") == []  # held, not paid
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    (event,) = emitted(hackney, "order.paid")
    assert event["workspace"] == "hackney"
    data = event["data"]
    assert (data["order_id"], data["kind"], data["status"]) == (order_id, "room_booking", "paid")
    assert (data["total_pence"], data["refunded_pence"], data["currency"]) == (4000, 0, "gbp")
    assert isinstance(data["platform_fee_pence"], int)
    assert data["paid_at"].endswith("Z")
    assert "charity@example.org" not in str(event)


def test_a_workspace_cancelling_a_paid_booking_announces_the_refund_and_the_cancellation(
    hackney, admin, buyer, make_room
) -> None:
    order_id, booking_ids = book(buyer, hackney, make_room().id, request_for(future_day(20)))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    cancellation = rooms.cancel_by_workspace(admin, hackney, booking_ids[0])
    db.session.commit()
    rooms.finish_refund(cancellation)
    db.session.commit()
    (refund,) = emitted(hackney, "order.refunded")
    assert refund["data"]["amount_pence"] == 4000 and refund["data"]["full"] is True
    assert refund["data"]["status"] == "refunded"
    (cancelled,) = emitted(hackney, "booking.cancelled")
    assert cancelled["data"]["booking_ids"] == booking_ids
    assert cancelled["data"]["cancelled_at"].endswith("Z")


def test_a_buyer_cancelling_outside_the_policy_announces_the_cancellation_only(
    hackney, admin, buyer, make_room
) -> None:
    room = make_room(cancellation_days=30)  # no refund twenty days ahead
    order_id, booking_ids = book(buyer, hackney, room.id, request_for(future_day(20)))
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    rooms.cancel_by_buyer(buyer, booking_ids[0])
    db.session.commit()
    (cancelled,) = emitted(hackney, "booking.cancelled")
    assert cancelled["data"]["booking_ids"] == booking_ids
    assert emitted(hackney, "order.refunded") == []
    with tenant_context(hackney.id):
        assert {b.status.value for b in db.session.scalars(select(Booking))} == {"cancelled"}


def test_a_volunteer_signing_up_is_announced_without_their_details(
    hackney, admin, make_user
) -> None:
    opportunity_id = add_opportunity(hackney, admin, title="Food bank shift")
    with tenant_context(hackney.id):
        session_id = db.session.scalar(
            select(OpportunitySession.id).where(OpportunitySession.opportunity_id == opportunity_id)
        )
    vic = make_volunteer(make_user)
    response = signups.respond(vic, hackney, opportunity_id, session_id)
    response_id = response.id
    db.session.commit()
    (event,) = emitted(hackney, "volunteer.signed_up")
    data = event["data"]
    assert data["response_id"] == response_id and data["volunteer_id"] == vic.id
    assert data["opportunity"] == {"id": opportunity_id, "title": "Food bank shift"}
    assert data["session"]["id"] == session_id and data["session"]["starts_at"].endswith("Z")
    assert data["status"] == "pending"
    assert "vic@example.org" not in str(event) and "Vic" not in str(event)


def test_a_refused_sign_up_announces_nothing(hackney, admin, make_user) -> None:
    opportunity_id = add_opportunity(hackney, admin, sessions=())
    vic = make_volunteer(make_user)
    signups.respond(vic, hackney, opportunity_id, None)
    db.session.commit()
    with pytest.raises(signups.VolunteeringError, match="already said you are interested"):
        signups.respond(vic, hackney, opportunity_id, None)
    db.session.rollback()
    (only,) = emitted(hackney, "volunteer.signed_up")
    assert only["data"]["status"] == "interested" and only["data"]["session"] is None


def test_publishing_a_resource_is_announced_to_its_owner(hackney, admin) -> None:
    resource = resources.create_resource(admin, hackney, resource_values(title="Safeguarding"))
    db.session.commit()
    assert emitted(hackney, "resource.published") == []  # a draft is not published
    resources.publish(admin, hackney, resource.id, "")
    db.session.commit()
    (event,) = emitted(hackney, "resource.published")
    data = event["data"]
    assert (data["resource_id"], data["title"], data["version"]) == (
        resource.id,
        "Safeguarding",
        1,
    )
    assert data["published_at"].endswith("Z")
