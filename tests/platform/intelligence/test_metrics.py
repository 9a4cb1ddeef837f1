"""Each metric of the data dictionary, from records built here: the figure counts what its
definition says, in its period and its workspace, and nothing else."""

from __future__ import annotations

from datetime import date, timedelta

from londonhub.platform.core.metrics import all_metrics, get_metric, measure

from .conftest import IN_APRIL, IN_MARCH, MARCH

#: Every metric key a test here or in test_metrics_pool.py checks with `figure()` (which
#: refuses any other key): a new metric without a test fails `test_every_metric_has_a_test`.
TESTED = {
    "billing.orders",
    "billing.income",
    "rooms.listed",
    "rooms.bookings",
    "rooms.booked_hours",
    "rooms.income",
    "volunteering.opportunities",
    "volunteering.volunteers_active",
    "volunteering.signups",
    "volunteering.placements",
    "volunteering.verified_hours",
    "corporate.places_bought",
    "corporate.placed",
    "corporate.income",
    "consultancy.enquiries",
    "consultancy.engagements",
    "consultancy.income",
    "consultancy.lifeboat_requests",
    "resources.published",
    "resources.checked",
    "resources.adopted",
    "resources.downloads",
}


def figure(key: str) -> dict:
    assert key in TESTED, f"list {key} in TESTED"
    return measure(get_metric(key), *MARCH)


def test_rooms_listed_counts_published_rooms_existing_by_the_end(records, two_boroughs):
    hackney, camden = two_boroughs
    records.room(hackney)
    records.room(hackney, at=IN_MARCH - timedelta(days=60))
    records.room(hackney, published=False)
    records.room(hackney, at=IN_APRIL)
    records.room(camden)
    assert figure("rooms.listed") == {hackney.id: 2, camden.id: 1}


def test_bookings_and_booked_hours_count_confirmed_bookings_starting_in_the_month(
    records, two_boroughs
):
    hackney, camden = two_boroughs
    room, other = records.room(hackney), records.room(camden)
    records.booking(hackney, room, hours=2)
    records.booking(hackney, room, at=IN_MARCH + timedelta(days=1), hours=1.5)
    records.booking(hackney, room, at=IN_MARCH + timedelta(days=2), status="cancelled")
    records.booking(hackney, room, at=IN_MARCH + timedelta(days=3), status="held")
    records.booking(hackney, room, at=IN_MARCH + timedelta(days=4), kind="blockout")
    records.booking(hackney, room, at=IN_APRIL)
    records.booking(camden, other, hours=3)
    assert figure("rooms.bookings") == {hackney.id: 2, camden.id: 1}
    assert figure("rooms.booked_hours") == {hackney.id: 210, camden.id: 180}


def test_income_is_paid_orders_less_refunds_by_kind_in_the_month_paid(records, two_boroughs):
    hackney, camden = two_boroughs
    records.order(hackney, kind="room_booking", pence=5000)
    records.order(
        hackney, kind="room_booking", pence=3000, refunded=1000, status="partially_refunded"
    )
    records.order(hackney, kind="room_booking", pence=2000, refunded=2000, status="refunded")
    records.order(hackney, kind="room_booking", pence=9999, at=None, status="awaiting_payment")
    records.order(hackney, kind="room_booking", pence=7000, at=IN_APRIL)
    records.order(hackney, kind="consultancy", pence=40000)
    records.order(camden, kind="corporate_package", pence=12000)
    assert figure("rooms.income") == {hackney.id: 7000}
    assert figure("consultancy.income") == {hackney.id: 40000}
    assert figure("corporate.income") == {camden.id: 12000}
    assert figure("billing.income") == {hackney.id: 47000, camden.id: 12000}
    assert figure("billing.orders") == {hackney.id: 4, camden.id: 1}


def test_volunteering_figures(records, two_boroughs):
    hackney, camden = two_boroughs
    listed = records.opportunity(hackney)
    records.opportunity(hackney, status="paused")
    records.opportunity(hackney, status="draft")
    records.opportunity(hackney, at=IN_APRIL)
    other = records.opportunity(camden)
    session = records.session(hackney, listed)
    ana, ben, cas, dee = (records.person() for _ in range(4))
    records.response(hackney, listed, ana, session=session, status="accepted")
    records.response(hackney, listed, ben, session=session, status="waitlisted")
    records.response(hackney, listed, cas)  # interest only: not a sign-up
    records.response(hackney, listed, dee, session=session, status="accepted", at=IN_APRIL)
    records.hours(hackney, listed, ana, day=date(2025, 3, 31), minutes=90)
    records.hours(hackney, listed, ben, day=date(2025, 3, 5), minutes=60)
    records.hours(hackney, listed, cas, day=date(2025, 3, 6), minutes=45, status="submitted")
    records.hours(hackney, listed, ana, day=date(2025, 4, 1), minutes=30)
    records.hours(camden, other, dee, day=date(2025, 3, 1), minutes=120)
    assert figure("volunteering.opportunities") == {hackney.id: 2, camden.id: 1}
    assert figure("volunteering.signups") == {hackney.id: 2}
    assert figure("volunteering.placements") == {hackney.id: 1}
    assert figure("volunteering.verified_hours") == {hackney.id: 150, camden.id: 120}
    # Ana (accepted and hours) once, Ben (verified hours); Cas's hours are not verified.
    assert figure("volunteering.volunteers_active") == {hackney.id: 2, camden.id: 1}


def test_every_metric_has_a_test(app):
    with app.app_context():
        keys = {m.key for m in all_metrics()}
    assert keys == TESTED, sorted(keys ^ TESTED)
