"""Volunteering's figures in the data dictionary (see core/metrics.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Select, func, select, union

from londonhub.platform.core.metrics import (
    Metric,
    Period,
    register_metric,
    within,
    within_days,
)

from .models import (
    HoursStatus,
    Opportunity,
    OpportunityStatus,
    ResponseStatus,
    VolunteerHours,
    VolunteerResponse,
)

LISTED = (OpportunityStatus.PUBLISHED, OpportunityStatus.PAUSED)


def _opportunities(period: Period) -> Select:
    return (
        select(Opportunity.tenant_id, func.count(Opportunity.id))
        .where(Opportunity.status.in_(LISTED), Opportunity.created_at < period.end)
        .group_by(Opportunity.tenant_id)
    )


def _signups(period: Period) -> Select:
    return (
        select(VolunteerResponse.tenant_id, func.count(VolunteerResponse.id))
        .where(
            VolunteerResponse.session_id.is_not(None), within(VolunteerResponse.created_at, period)
        )
        .group_by(VolunteerResponse.tenant_id)
    )


def _placements(period: Period) -> Select:
    return (
        select(VolunteerResponse.tenant_id, func.count(VolunteerResponse.id))
        .where(
            VolunteerResponse.status == ResponseStatus.ACCEPTED,
            within(VolunteerResponse.created_at, period),
        )
        .group_by(VolunteerResponse.tenant_id)
    )


def _verified(period: Period):
    return (VolunteerHours.status == HoursStatus.VERIFIED, within_days(VolunteerHours.day, period))


def _verified_minutes(period: Period) -> Select:
    return (
        select(VolunteerHours.tenant_id, func.sum(VolunteerHours.minutes))
        .where(*_verified(period))
        .group_by(VolunteerHours.tenant_id)
    )


def _active(period: Period) -> Select:
    people = union(
        select(VolunteerHours.tenant_id, VolunteerHours.user_id).where(*_verified(period)),
        select(VolunteerResponse.tenant_id, VolunteerResponse.user_id).where(
            VolunteerResponse.status == ResponseStatus.ACCEPTED,
            within(VolunteerResponse.created_at, period),
        ),
    ).subquery()
    return select(people.c.tenant_id, func.count(people.c.user_id)).group_by(people.c.tenant_id)


def register(app: Flask) -> None:
    for metric in (
        Metric(
            "volunteering.opportunities",
            "Opportunities published",
            "Volunteering opportunities listed for the public (published or paused) that were "
            "created by the end of the period.",
            "count",
            "volunteering",
            True,
            _opportunities,
            combine="last",
            order=20,
        ),
        Metric(
            "volunteering.volunteers_active",
            "Volunteers active",
            "Different people who had verified hours or an accepted sign-up in a month; over "
            "several months, the busiest month's figure (people active in two months are the "
            "same people, so months are not added up).",
            "count",
            "volunteering",
            True,
            _active,
            combine="max",
            order=21,
        ),
        Metric(
            "volunteering.signups",
            "Sign-ups",
            "Sign-ups for a session of an opportunity, whatever happened next, in the month "
            "the person signed up.",
            "count",
            "volunteering",
            True,
            _signups,
            order=22,
        ),
        Metric(
            "volunteering.placements",
            "Placements",
            "Sign-ups the workspace accepted (the person has a place), in the month of the "
            "sign-up.",
            "count",
            "volunteering",
            True,
            _placements,
            order=23,
        ),
        Metric(
            "volunteering.verified_hours",
            "Verified hours",
            "Hours volunteers gave that the workspace verified, in the month they were given.",
            "minutes",
            "volunteering",
            True,
            _verified_minutes,
            order=24,
        ),
    ):
        register_metric(app, metric)
