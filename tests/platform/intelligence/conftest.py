"""Builders of records for the data dictionary's tests: each makes rows dated in or out of
the period being measured, in a given workspace (hub-level rows name it as their models do)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

from londonhub.platform.core.accounts import create_user
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, tenant_context

#: The month measured in these tests, and moments inside and outside it.
MARCH = (date(2025, 3, 1), date(2025, 4, 1))
IN_MARCH = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
IN_APRIL = datetime(2025, 4, 2, 10, 0, tzinfo=UTC)
_serial = count(1)


class Records:
    """Makes records for the metrics' tests. Everything is flushed, never committed."""

    def room(self, ws: Workspace, *, at: datetime = IN_MARCH, published: bool = True):
        from londonhub.tenants.rooms.models import Room

        with tenant_context(ws.id):
            room = Room(
                venue_name="Centre",
                address="1 High Street",
                postcode="E8 1DY",
                name=f"Hall {next(_serial)}",
                capacity_max=50,
                published=published,
                created_at=at,
            )
            db.session.add(room)
            db.session.flush()
        return room

    def booking(
        self,
        ws: Workspace,
        room,
        *,
        at: datetime = IN_MARCH,
        hours: float = 2,
        status: str = "confirmed",
        kind: str = "booking",
    ):
        from londonhub.tenants.rooms.models import Booking

        ends = at + timedelta(hours=hours)
        with tenant_context(ws.id):
            booking = Booking(
                room_id=room.id,
                kind=kind,
                status=status,
                starts_at=at,
                ends_at=ends,
                blocked_from=at,
                blocked_until=ends,
                reference=f"ref-{next(_serial)}",
                price_pence=1000,
            )
            db.session.add(booking)
            db.session.flush()
        return booking

    def order(
        self,
        ws: Workspace,
        *,
        kind: str,
        pence: int,
        refunded: int = 0,
        at: datetime | None = IN_MARCH,
        status: str = "paid",
    ):
        from londonhub.billing.models import Order, PaymentMode

        with tenant_context(ws.id):
            order = Order(
                kind=kind,
                fulfilment_ref="1",
                status=status,
                payment_mode=PaymentMode.INVOICE,
                total_pence=pence,
                refunded_pence=refunded,
                buyer_email="buyer@example.org",
                buyer_name="Buyer",
                description="Test order",
                paid_at=at,
            )
            db.session.add(order)
            db.session.flush()
        return order

    def person(self):
        return create_user(f"person{next(_serial)}@example.org", "Person", None)

    def opportunity(self, ws: Workspace, *, at: datetime = IN_MARCH, status: str = "published"):
        from londonhub.tenants.volunteering.models import LocalGroup, Opportunity

        with tenant_context(ws.id):
            group = LocalGroup(name="Food Bank", kind="charity")
            db.session.add(group)
            db.session.flush()
            opportunity = Opportunity(
                group_id=group.id,
                title="Helper",
                summary="Help",
                cause="food-poverty",
                schedule="one_off",
                status=status,
                created_at=at,
            )
            db.session.add(opportunity)
            db.session.flush()
        return opportunity

    def session(self, ws: Workspace, opportunity):
        from londonhub.tenants.volunteering.models import OpportunitySession

        with tenant_context(ws.id):
            session = OpportunitySession(
                opportunity_id=opportunity.id,
                starts_at=IN_MARCH,
                ends_at=IN_MARCH + timedelta(hours=2),
                places=10,
            )
            db.session.add(session)
            db.session.flush()
        return session

    def response(
        self,
        ws: Workspace,
        opportunity,
        person,
        *,
        session=None,
        status: str = "pending",
        at: datetime = IN_MARCH,
    ):
        from londonhub.tenants.volunteering.models import VolunteerResponse

        with tenant_context(ws.id):
            response = VolunteerResponse(
                opportunity_id=opportunity.id,
                session_id=session.id if session else None,
                user_id=person.id,
                status=status,
                created_at=at,
            )
            db.session.add(response)
            db.session.flush()
        return response

    def hours(
        self,
        ws: Workspace,
        opportunity,
        person,
        *,
        day: date,
        minutes: int,
        status: str = "verified",
    ):
        from londonhub.tenants.volunteering.models import VolunteerHours

        with tenant_context(ws.id):
            row = VolunteerHours(
                opportunity_id=opportunity.id,
                user_id=person.id,
                day=day,
                minutes=minutes,
                status=status,
            )
            db.session.add(row)
            db.session.flush()
        return row


@pytest.fixture
def records(app) -> Records:
    with app.test_request_context():
        yield Records()


@pytest.fixture
def two_boroughs(make_workspace) -> tuple[Workspace, Workspace]:
    return (
        make_workspace("hackney", "Hackney CVS", borough="Hackney"),
        make_workspace("camden", "Voluntary Action Camden", borough="Camden"),
    )
