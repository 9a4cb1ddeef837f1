"""Corporate volunteering's figures in the data dictionary (see core/metrics.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Select, func, select

from londonhub.billing.metrics import register_income_metric
from londonhub.platform.core.metrics import Metric, Period, register_metric, within

from .models import CorporatePlacement, CorporatePurchase, PlacementStatus, PurchaseStatus
from .operations.buying import ORDER_KIND


def _places_bought(period: Period) -> Select:
    return (
        select(
            CorporatePurchase.order_tenant_id,
            func.sum(CorporatePurchase.places - CorporatePurchase.places_refunded),
        )
        .where(
            CorporatePurchase.status == PurchaseStatus.PAID,
            within(CorporatePurchase.paid_at, period),
        )
        .group_by(CorporatePurchase.order_tenant_id)
    )


def _placed(period: Period) -> Select:
    return (
        select(CorporatePlacement.tenant_id, func.count(CorporatePlacement.id))
        .where(
            CorporatePlacement.status == PlacementStatus.CONFIRMED,
            within(CorporatePlacement.confirmed_at, period),
        )
        .group_by(CorporatePlacement.tenant_id)
    )


def register(app: Flask) -> None:
    register_metric(
        app,
        Metric(
            "corporate.places_bought",
            "Corporate places bought",
            "Volunteering places companies paid for (less places refunded), in the month "
            "paid, credited to the seller (the hub).",
            "count",
            "corporate",
            True,
            _places_bought,
            order=40,
        ),
    )
    register_metric(
        app,
        Metric(
            "corporate.placed",
            "Corporate places placed",
            "Company employees a Volunteer Centre confirmed in a placement, in the month it "
            "confirmed them, credited to that workspace.",
            "count",
            "corporate",
            True,
            _placed,
            order=41,
        ),
    )
    register_income_metric(
        app,
        ORDER_KIND,
        key="corporate.income",
        name="Corporate income",
        area="corporate",
        what="corporate volunteering packages",
        order=42,
    )
