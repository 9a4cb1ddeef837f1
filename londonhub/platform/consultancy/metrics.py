"""The consultancy pool's figures in the data dictionary (see core/metrics.py).

Enquiries and Lifeboat requests name the borough they come from (a workspace slug, or
nothing): figures are credited to that workspace, or to none."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Select, func, select

from londonhub.billing.metrics import register_income_metric
from londonhub.platform.core.metrics import Metric, Period, register_metric, within
from londonhub.platform.core.tenancy import Workspace

from .models import Engagement, Enquiry, LifeboatRequest
from .money import KIND


def _enquiries(period: Period) -> Select:
    return (
        select(Workspace.id, func.count(Enquiry.id))
        .select_from(Enquiry)
        .outerjoin(Workspace, Workspace.slug == Enquiry.borough)
        .where(within(Enquiry.created_at, period))
        .group_by(Workspace.id)
    )


def _engagements(period: Period) -> Select:
    return (
        select(Workspace.id, func.count(Engagement.id))
        .select_from(Engagement)
        .join(Enquiry, Enquiry.id == Engagement.enquiry_id)
        .outerjoin(Workspace, Workspace.slug == Enquiry.borough)
        .where(within(Engagement.created_at, period))
        .group_by(Workspace.id)
    )


def _lifeboat(period: Period) -> Select:
    return (
        select(Workspace.id, func.count(LifeboatRequest.id))
        .select_from(LifeboatRequest)
        .outerjoin(Workspace, Workspace.slug == LifeboatRequest.borough)
        .where(within(LifeboatRequest.created_at, period))
        .group_by(Workspace.id)
    )


def register(app: Flask) -> None:
    for metric in (
        Metric(
            "consultancy.enquiries",
            "Consultancy enquiries",
            "Enquiries organisations sent to the consultancy pool, in the month sent, "
            "credited to the borough they named.",
            "count",
            "consultancy",
            True,
            _enquiries,
            order=50,
        ),
        Metric(
            "consultancy.engagements",
            "Consultancy engagements",
            "Engagements started (a quote accepted), in the month started, credited to the "
            "borough the enquiry named.",
            "count",
            "consultancy",
            True,
            _engagements,
            order=51,
        ),
        Metric(
            "consultancy.lifeboat_requests",
            "Lifeboat requests",
            "Requests for urgent help from organisations in difficulty, in the month made, "
            "credited to the borough they named.",
            "count",
            "consultancy",
            True,
            _lifeboat,
            order=53,
        ),
    ):
        register_metric(app, metric)
    register_income_metric(
        app,
        KIND,
        key="consultancy.income",
        name="Consultancy income",
        area="consultancy",
        what="consultancy engagements (deposits, balances and time)",
        order=52,
    )
