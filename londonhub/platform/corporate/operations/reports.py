"""What each party sees: the hub's list of accounts with places and revenue, and where one
purchase's money went (the charge, each workspace's share, the hub's)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context

from ..models import (
    CorporateAccount,
    CorporatePackage,
    CorporatePlacement,
    CorporatePurchase,
    PlacementStatus,
    PurchaseStatus,
)
from . import NotFound


@dataclass(frozen=True)
class AccountRow:
    account: CorporateAccount
    places: int
    placed: int
    revenue_pence: int
    pending_pence: int


def hub_accounts() -> list[AccountRow]:
    """Every corporate account: places bought, employees placed, money received and awaited
    (three grouped queries)."""
    paid = CorporatePurchase.status == PurchaseStatus.PAID
    sums = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                CorporatePurchase.account_id,
                func.coalesce(
                    func.sum(
                        case(
                            (paid, CorporatePurchase.places - CorporatePurchase.places_refunded),
                            else_=0,
                        )
                    ),
                    0,
                ),
                func.coalesce(func.sum(case((paid, CorporatePurchase.total_pence), else_=0)), 0),
                func.coalesce(
                    func.sum(
                        case(
                            (
                                CorporatePurchase.status == PurchaseStatus.PENDING,
                                CorporatePurchase.total_pence,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
            ).group_by(CorporatePurchase.account_id)
        )
    }
    with hub_scope("every company's placements (hub admins)"):
        placed = dict(
            db.session.execute(
                select(CorporatePlacement.account_id, func.count())
                .where(CorporatePlacement.status == PlacementStatus.CONFIRMED)
                .group_by(CorporatePlacement.account_id)
            ).all()
        )
    accounts = db.session.scalars(select(CorporateAccount).order_by(CorporateAccount.name))
    rows = []
    for account in accounts:
        places, revenue, pending = sums.get(account.id, (0, 0, 0))
        rows.append(AccountRow(account, places, placed.get(account.id, 0), revenue, pending))
    return rows


def hub_purchases(limit: int = 200) -> list[tuple[CorporatePurchase, str]]:
    """The latest purchases with their company's name (hub admins)."""
    rows = db.session.execute(
        select(CorporatePurchase, CorporateAccount.name)
        .join(CorporateAccount, CorporateAccount.id == CorporatePurchase.account_id)
        .order_by(CorporatePurchase.created_at.desc(), CorporatePurchase.id.desc())
        .limit(limit)
    ).all()
    return [(purchase, name) for purchase, name in rows]


def purchase_money(purchase_id: int):
    """One purchase, its package, account and order, and every ledger entry of the order in
    every workspace (hub admins)."""
    purchase = db.session.get(CorporatePurchase, purchase_id)
    if purchase is None or purchase.order_id is None:
        raise NotFound("There is no such purchase")
    package = db.session.get(CorporatePackage, purchase.package_id)
    account = db.session.get(CorporateAccount, purchase.account_id)
    with tenant_context(purchase.order_tenant_id):
        order = db.session.scalar(
            select(billing.Order).where(billing.Order.id == purchase.order_id)
        )
    entries: list[tuple[Workspace, billing.LedgerEntry]] = billing.order_ledger(order)
    return purchase, package, account, order, entries
