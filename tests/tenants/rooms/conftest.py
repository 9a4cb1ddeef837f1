from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import CustomerType, Room

ADMIN = "admin@hackney.example.org"
BUYER = "charity@example.org"


def room_values(**overrides) -> dict:
    values = {
        "venue_name": "Hackney Community Centre",
        "address": "1 Mare Street",
        "postcode": "e8 1dy",
        "name": "Main hall",
        "description": "A bright hall.",
        "capacity_theatre": 100,
        "capacity_boardroom": 0,
        "capacity_cabaret": 60,
        "step_free": True,
        "accessible_toilet": True,
        "hearing_loop": False,
        "lift": False,
        "quiet_room": False,
        "projector": True,
        "kitchen": False,
        "wifi": True,
        "min_minutes": 60,
        "max_minutes": 480,
        "buffer_minutes": 30,
        "cancellation_days": 7,
        "community_hourly_pence": 2000,
        "community_day_pence": 10000,
        "public_hourly_pence": 4000,
        "public_day_pence": None,
        "business_hourly_pence": 6000,
        "business_day_pence": None,
        "published": True,
    }
    for day in range(7):
        values[f"opens_{day}"] = 8 * 60
        values[f"closes_{day}"] = 22 * 60
    values.update(overrides)
    return values


@pytest.fixture
def hackney(make_workspace):
    return make_workspace("hackney", "Hackney CVS", borough="Hackney")


@pytest.fixture
def camden(make_workspace):
    return make_workspace("camden", "Camden CVS", borough="Camden")


@pytest.fixture
def admin(make_user, hackney):
    return make_user(ADMIN, name="Hana Admin", workspace=hackney, role="owner")


def approve_community(workspace, user, admin, name: str = "Hackney Food Bank"):
    """The workspace approves the person's group for the community rate (charity number)."""
    claim = services.claim_community_rate(user, workspace, name, "charity", "1234567")
    services.decide_claim(admin, workspace, claim.id, approve=True)
    db.session.commit()


@pytest.fixture
def buyer(make_user, hackney, admin):
    """A charity whose community rate Hackney CVS approved."""
    person = make_user(BUYER, name="Chris Charity")
    approve_community(hackney, person, admin)
    return person


@pytest.fixture
def make_room(app, admin, hackney) -> Callable[..., Room]:
    def factory(workspace=None, user=None, **overrides) -> Room:
        workspace = workspace or hackney
        room_id = services.save_room(user or admin, workspace, room_values(**overrides)).id
        db.session.commit()
        # Detached and fully loaded: later commits cannot expire it, so reading it needs no
        # workspace context (on PostgreSQL, RLS hides rows outside one).
        room = services.get_room(workspace, room_id)
        db.session.expunge(room)
        return room

    return factory


def future_day(days: int = 14) -> date:
    return services.london(utcnow()).date() + timedelta(days=days)


def request_for(
    day: date,
    start: str = "10:00",
    end: str = "12:00",
    *,
    attendees: int = 20,
    layout: str = "theatre",
    claimed: CustomerType | None = CustomerType.COMMUNITY,
    repeat: str = "none",
    occurrences: int = 1,
) -> services.BookingRequest:
    return services.BookingRequest(
        slots=services.slots_for(
            day, time.fromisoformat(start), time.fromisoformat(end), repeat, occurrences
        ),
        attendees=attendees,
        layout=layout,
        organisation_name="Hackney Food Bank",
        claimed=claimed,
    )


@pytest.fixture(autouse=True)
def request_context(app):
    """Service calls that build links (receipts, confirmations) run as in a request."""
    with app.test_request_context():
        yield


def book(buyer, workspace, room_id, request):
    """services.book, committed; returns (order id, [booking ids])."""
    order, bookings = services.book(buyer, workspace, room_id, request)
    result = order.id, [b.id for b in bookings]
    db.session.commit()
    return result


def order_of(workspace, order_id):
    from londonhub.billing import services as billing

    with tenant_context(workspace.id):
        order = billing.get_seller_order(workspace, order_id)
        db.session.refresh(order)
        return order
