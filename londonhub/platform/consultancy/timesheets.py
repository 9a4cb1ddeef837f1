"""Interim management: the associate records each week's time, the client approves it, and
each approved week is invoiced on its own (a billing order the client pays like a deposit).
A paid week books the associate's share and the hub's commission and, for an associate with
a connected Stripe account, is transferred to them as an accepted milestone is."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.timeutil import london_today, utcnow

from .associates import ConsultancyError, NotFound
from .engagements import _as_associate, _as_client
from .models import Associate, EngagementKind, EngagementStatus, QuoteLine, TimeRecord


def day_rate(engagement_id: int, quote_id: int, associate_id: int) -> int:
    """The accepted quote's day rate (its first day-rate line), else the associate's."""
    rate = db.session.scalar(
        select(QuoteLine.unit_pence)
        .where(QuoteLine.quote_id == quote_id, QuoteLine.days.is_not(None))
        .order_by(QuoteLine.id)
        .limit(1)
    )
    return rate or db.session.get(Associate, associate_id).day_rate_pence


def record_week(
    user: User, engagement_id: int, week_starting: date | None, half_days: int | None, notes: str
) -> TimeRecord:
    engagement = _as_associate(user, engagement_id)
    if engagement.kind != EngagementKind.INTERIM:
        raise ConsultancyError("Time is recorded for interim management only", "half_days")
    if engagement.status != EngagementStatus.ACTIVE:
        raise ConsultancyError("Time is recorded while the engagement is under way", "half_days")
    if week_starting is None or week_starting.weekday() != 0:
        raise ConsultancyError("Choose the Monday the week starts on", "week_starting")
    if week_starting > london_today():
        raise ConsultancyError("You cannot record a week that has not started", "week_starting")
    if week_starting < london_today() - timedelta(days=366):
        raise ConsultancyError("That week is more than a year ago", "week_starting")
    if half_days is None or not 1 <= half_days <= 14:
        raise ConsultancyError("Enter from 1 to 14 half days (7 days at most)", "half_days")
    exists = db.session.scalar(
        select(TimeRecord.id).where(
            TimeRecord.engagement_id == engagement.id, TimeRecord.week_starting == week_starting
        )
    )
    if exists is not None:
        raise ConsultancyError("That week has been recorded already", "week_starting")
    rate = day_rate(engagement.id, engagement.quote_id, engagement.associate_id)
    record = TimeRecord(
        engagement_id=engagement.id,
        week_starting=week_starting,
        half_days=half_days,
        notes=notes.strip()[:600],
        amount_pence=rate * half_days // 2,
    )
    db.session.add(record)
    db.session.flush()
    return record


def weeks_of(engagement_id: int) -> list[TimeRecord]:
    return list(
        db.session.scalars(
            select(TimeRecord)
            .where(TimeRecord.engagement_id == engagement_id)
            .order_by(TimeRecord.week_starting)
        )
    )


def approve_week(user: User, engagement_id: int, record_id: int) -> TimeRecord:
    """The client approves a week; it is invoiced at once (an order for that week)."""
    from .money import invoice_week

    engagement = _as_client(user, engagement_id)
    record = db.session.scalar(
        select(TimeRecord)
        .where(TimeRecord.id == record_id, TimeRecord.engagement_id == engagement.id)
        .with_for_update()
    )
    if record is None:
        raise NotFound("No such week")
    if record.approved_at is not None:
        raise ConsultancyError("You have already approved this week")
    record.approved_at = utcnow()
    record.order_id = invoice_week(engagement, record, user).id
    db.session.flush()
    return record
