"""Billing's figures in the data dictionary: orders and income, in total and by kind.

Features call `register_income_metric` for their own order kind (billing never names a
feature), so "room income" is derived from the same orders as "income".
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Select, func, select

from londonhub.platform.core.metrics import Metric, Period, register_metric, within

from .models import Order, OrderStatus

#: Orders that were paid (a refund later lowers their income, it does not unpay them).
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


def _paid(period: Period, kind: str | None):
    conditions = [Order.status.in_(PAID_STATUSES), within(Order.paid_at, period)]
    if kind is not None:
        conditions.append(Order.kind == kind)
    return conditions


def orders_query(kind: str | None = None):
    def query(period: Period) -> Select:
        return (
            select(Order.tenant_id, func.count(Order.id))
            .where(*_paid(period, kind))
            .group_by(Order.tenant_id)
        )

    return query


def income_query(kind: str | None = None):
    def query(period: Period) -> Select:
        return (
            select(Order.tenant_id, func.sum(Order.total_pence - Order.refunded_pence))
            .where(*_paid(period, kind))
            .group_by(Order.tenant_id)
        )

    return query


def register_income_metric(
    app: Flask, kind: str, *, key: str, name: str, area: str, what: str, order: int
) -> Metric:
    """Register the income of one order kind, derived from billing's orders."""
    return register_metric(
        app,
        Metric(
            key,
            name,
            f"Money received for {what}: paid orders, less what was refunded, in the month "
            "each was paid, credited to the seller (a workspace, or the hub).",
            "pence",
            area,
            True,
            income_query(kind),
            order=order,
        ),
    )


def register(app: Flask) -> None:
    register_metric(
        app,
        Metric(
            "billing.orders",
            "Orders paid",
            "Orders of every kind (rooms, consultancy, corporate packages) paid in the month, "
            "credited to the seller.",
            "count",
            "billing",
            True,
            orders_query(),
            order=5,
        ),
    )
    register_metric(
        app,
        Metric(
            "billing.income",
            "Income",
            "Money received for orders of every kind: paid orders less what was refunded, in "
            "the month each was paid, credited to the seller.",
            "pence",
            "billing",
            True,
            income_query(),
            order=6,
        ),
    )
