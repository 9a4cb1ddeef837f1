"""Interim management: weekly time records by the associate, approved by the client, each
approved week invoiced on its own and, once paid, split between associate and hub."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.billing.models import Order, OrderStatus
from londonhub.platform.consultancy import engagements, money, timesheets
from londonhub.platform.consultancy.associates import ConsultancyError
from londonhub.platform.consultancy.models import TimeRecord
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import london_today


def _monday(weeks_ago: int = 1):
    today = london_today()
    return today - timedelta(days=today.weekday() + 7 * weeks_ago)


@pytest.fixture
def interim(world, quoted):
    quote = quoted(
        kind="interim",
        deposit_percent=0,
        lines=[engagements.LineDraft("Interim chief executive", 60_000, 20)],
    )
    engagement = engagements.accept_quote(world.client, quote.id)
    db.session.commit()
    return engagement.id


def test_a_week_is_recorded_approved_invoiced_and_paid(world, interim, signed_in):
    ada = signed_in(world.associate_user.email)
    response = ada.post(
        f"/consultancy/engagements/{interim}/weeks",
        data={
            "week-week_starting": _monday().isoformat(),
            "week-half_days": "7",
            "week-notes": "Board and budget",
        },
        follow_redirects=True,
    )
    assert b"Week recorded" in response.data
    record = db.session.scalar(select(TimeRecord))
    assert record.amount_pence == 210_000  # 3.5 days at the quote's £600 a day

    client = signed_in(world.client.email)
    page = client.get(f"/consultancy/engagements/{interim}")
    assert b"Approve" in page.data
    client.post(f"/consultancy/engagements/{interim}/weeks/{record.id}/approve")
    db.session.rollback()
    record = db.session.get(TimeRecord, record.id)
    hub = billing.hub_workspace()
    with tenant_context(hub.id):
        order = db.session.get(Order, record.order_id)
        assert (order.total_pence, order.status) == (210_000, OrderStatus.AWAITING_PAYMENT)
        assert order.fulfilment_ref == f"engagement:{interim}:week-{record.id}"
        order.status = OrderStatus.PAID  # as billing does when the invoice is marked paid
        money.on_paid(order)  # ... and then tells the consultancy
        db.session.commit()
    assert money.associate_balance(world.associate) == 178_500  # 85%
    again = client.post(
        f"/consultancy/engagements/{interim}/pay/week-{record.id}", follow_redirects=True
    )
    assert b"This week has been paid already" in again.data


@pytest.mark.parametrize(
    ("week", "half_days", "message"),
    [
        (lambda: _monday() + timedelta(days=1), 4, "Monday"),
        (lambda: _monday(-1), 4, "has not started"),
        (lambda: _monday(), 0, "from 1 to 14"),
        (lambda: _monday(), 15, "from 1 to 14"),
    ],
)
def test_bad_weeks_are_refused_with_a_reason(world, interim, week, half_days, message):
    with pytest.raises(ConsultancyError, match=message):
        timesheets.record_week(world.associate_user, interim, week(), half_days, "")
    db.session.rollback()
    assert db.session.scalar(select(TimeRecord)) is None


def test_a_week_is_recorded_once_and_only_by_the_associate(world, interim):
    timesheets.record_week(world.associate_user, interim, _monday(), 4, "")
    db.session.commit()
    with pytest.raises(ConsultancyError, match="recorded already"):
        timesheets.record_week(world.associate_user, interim, _monday(), 2, "")
    db.session.rollback()
    from londonhub.platform.consultancy.associates import NotAllowed

    with pytest.raises(NotAllowed):
        timesheets.record_week(world.client, interim, _monday(2), 2, "")


def test_only_interim_engagements_take_weekly_time(world, quoted):
    engagement = engagements.accept_quote(world.client, quoted(deposit_percent=0).id)
    db.session.commit()
    with pytest.raises(ConsultancyError, match="interim management only"):
        timesheets.record_week(world.associate_user, engagement.id, _monday(), 4, "")
