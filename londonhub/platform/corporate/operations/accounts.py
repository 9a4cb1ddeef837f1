"""Corporate accounts: who runs one, and its places (bought, usable, invited, placed).

A company is not a workspace: its rows are hub-level, and every read here starts from the
account the signed-in person administers, so one company never reaches another's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import hub_scope
from londonhub.platform.core.timeutil import london_today

from ..models import (
    CorporateAccount,
    CorporateAdmin,
    CorporateEmployee,
    CorporatePlacement,
    CorporatePurchase,
    EmployeeStatus,
    PlacementStatus,
    PurchaseStatus,
)
from . import NotAllowed


def account_of(user: User) -> CorporateAccount | None:
    """The account this person administers (the first, if ever more than one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(CorporateAccount)
        .join(CorporateAdmin, CorporateAdmin.account_id == CorporateAccount.id)
        .where(CorporateAdmin.user_id == user.id)
        .order_by(CorporateAccount.id)
        .limit(1)
    )


def require_account(user: User) -> CorporateAccount:
    account = account_of(user)
    if account is None:
        raise NotAllowed(
            "This page is for a company's volunteering admins. Buy a package at /corporate "
            "to open an account."
        )
    return account


def lock_account(account: CorporateAccount) -> CorporateAccount:
    """Serialise changes to one account's places (invitations, placements): PostgreSQL locks
    the row; SQLite takes its write lock with an update that changes nothing."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            CorporateAccount.__table__.update()
            .where(CorporateAccount.id == account.id)
            .values(name=CorporateAccount.name)
        )
    db.session.execute(
        select(CorporateAccount.id).where(CorporateAccount.id == account.id).with_for_update()
    )
    return account


@dataclass(frozen=True)
class Places:
    bought: int  # every paid place, expired or not
    usable: int  # places that may hold an employee now
    invited: int  # live invitations (invited or accepted)
    accepted: int
    placed: int  # confirmed placements
    pending_purchases: int  # places waiting for payment

    @property
    def free(self) -> int:
        return max(self.usable - self.invited, 0)


def places(account: CorporateAccount, today: date | None = None) -> Places:
    today = today or london_today()
    paid = CorporatePurchase.status == PurchaseStatus.PAID
    current = paid & (CorporatePurchase.expires_on >= today)
    kept = CorporatePurchase.places - CorporatePurchase.places_refunded
    bought, usable, pending = db.session.execute(
        select(
            func.coalesce(func.sum(case((paid, kept), else_=0)), 0),
            func.coalesce(func.sum(case((current, kept), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case(
                        (
                            CorporatePurchase.status == PurchaseStatus.PENDING,
                            CorporatePurchase.places,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(CorporatePurchase.account_id == account.id)
    ).one()
    invited, accepted = db.session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((CorporateEmployee.status == EmployeeStatus.ACCEPTED, 1), else_=0)),
                0,
            ),
        ).where(
            CorporateEmployee.account_id == account.id,
            CorporateEmployee.status != EmployeeStatus.CANCELLED,
        )
    ).one()
    with hub_scope("a company's own placements", audit=False):
        placed_current, placed_expired = db.session.execute(
            select(
                func.coalesce(func.sum(case((current, 1), else_=0)), 0),
                func.coalesce(func.sum(case((current, 0), else_=1)), 0),
            )
            .select_from(CorporatePlacement)
            .join(CorporatePurchase, CorporatePurchase.id == CorporatePlacement.purchase_id)
            .where(
                CorporatePlacement.account_id == account.id,
                CorporatePlacement.status == PlacementStatus.CONFIRMED,
            )
        ).one()
    return Places(
        bought=bought,
        # Employees placed from places now expired keep theirs.
        usable=usable + placed_expired,
        invited=invited,
        accepted=accepted,
        placed=placed_current + placed_expired,
        pending_purchases=pending,
    )


def purchases(account: CorporateAccount) -> list[CorporatePurchase]:
    return list(
        db.session.scalars(
            select(CorporatePurchase)
            .where(CorporatePurchase.account_id == account.id)
            .order_by(CorporatePurchase.created_at.desc(), CorporatePurchase.id.desc())
        )
    )
