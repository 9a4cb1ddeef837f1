"""Packages: hub admins draft, publish and retire them; the public catalogue lists the
published ones, with figures drawn from real placements and hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import hub_scope
from londonhub.tenants.volunteering.services import HoursStatus, VolunteerHours

from ..models import (
    CorporatePackage,
    CorporatePlacement,
    CorporatePurchase,
    PackageKind,
    PackageStatus,
    PlacementStatus,
    PurchaseStatus,
    VatTreatment,
)
from . import CorporateError, NotAllowed, NotFound

PACKAGE_FIELDS = (
    "name",
    "kind",
    "summary",
    "included",
    "price_pence",
    "vat",
    "team_size",
    "months",
    "min_quantity",
    "max_quantity",
    "validity_months",
    "hub_share_pence",
    "workspace_share_pence",
)
MAX_PRICE_PENCE = 10_000_000  # £100,000: a typing slip, not a sale


def _require_hub_admin(user: User) -> None:
    if not user.is_hub_admin:
        raise NotAllowed("Only hub admins manage corporate packages")


def list_packages() -> list[CorporatePackage]:
    return list(
        db.session.scalars(
            select(CorporatePackage).order_by(CorporatePackage.status, CorporatePackage.name)
        )
    )


def published_packages() -> list[CorporatePackage]:
    return list(
        db.session.scalars(
            select(CorporatePackage)
            .where(CorporatePackage.status == PackageStatus.PUBLISHED)
            .order_by(CorporatePackage.price_pence, CorporatePackage.id)
        )
    )


def get_package(package_id: int, *, published: bool = False) -> CorporatePackage:
    package = db.session.get(CorporatePackage, package_id)
    if package is None or (published and package.status != PackageStatus.PUBLISHED):
        raise NotFound("There is no such package")
    return package


def places_per_unit(kind: PackageKind, team_size: int) -> int:
    return 1 if kind == PackageKind.PER_EMPLOYEE else team_size


def _check(values: dict[str, Any]) -> None:
    if not (values.get("name") or "").strip():
        raise CorporateError("Enter the package's name", "name")
    kind = values["kind"]
    price = values["price_pence"]
    if not isinstance(price, int) or price <= 0:
        raise CorporateError("Enter a price of at least 1p", "price_pence")
    if price > MAX_PRICE_PENCE:
        raise CorporateError("Enter a price of at most £100,000", "price_pence")
    team = values.get("team_size") or 1
    if kind == PackageKind.PER_EMPLOYEE:
        team = values["team_size"] = 1
    elif team < 1 or team > 500:
        raise CorporateError("Enter how many employees one package covers (1 to 500)", "team_size")
    if kind == PackageKind.SKILLS_PROGRAMME:
        if not values.get("months") or not 1 <= values["months"] <= 36:
            raise CorporateError("Enter how many months the programme runs (1 to 36)", "months")
    else:
        values["months"] = None
    low, high = values["min_quantity"], values["max_quantity"]
    if low < 1:
        raise CorporateError("The minimum quantity is at least 1", "min_quantity")
    if high < low:
        raise CorporateError("The maximum quantity cannot be less than the minimum", "max_quantity")
    if not 1 <= values["validity_months"] <= 60:
        raise CorporateError(
            "Unused places expire after 1 to 60 months: enter a number in that range",
            "validity_months",
        )
    hub, workspace = values["hub_share_pence"], values["workspace_share_pence"]
    if hub < 0 or workspace < 0:
        raise CorporateError("Shares cannot be negative", "workspace_share_pence")
    # Each placement (or team day) pays out its shares: together they are the price of it.
    per = price if kind == PackageKind.TEAM_DAY else price // places_per_unit(kind, team)
    if kind == PackageKind.SKILLS_PROGRAMME and price % team:
        raise CorporateError(
            f"The price must divide evenly between the {team} employees, so each placement's "
            "shares are whole pence",
            "price_pence",
        )
    if hub + workspace != per:
        unit = "team day" if kind == PackageKind.TEAM_DAY else "placement"
        raise CorporateError(
            f"The hub's and the workspace's shares must add up to the price per {unit} "
            f"({per}p); they add up to {hub + workspace}p",
            "workspace_share_pence",
        )


def save_package(
    user: User, values: dict[str, Any], package_id: int | None = None
) -> CorporatePackage:
    """Create or change a package. A package already bought keeps its price and shares on
    the purchases that bought it (they are copied when bought)."""
    _require_hub_admin(user)
    values = dict(values)
    values["kind"] = PackageKind(values["kind"])
    values["vat"] = VatTreatment(values["vat"])
    _check(values)
    package = CorporatePackage(status=PackageStatus.DRAFT) if package_id is None else None
    if package is None:
        package = get_package(package_id)
    for name in PACKAGE_FIELDS:
        value = values.get(name)
        setattr(package, name, value.strip() if isinstance(value, str) else value)
    db.session.add(package)
    db.session.flush()
    record(
        "corporate.package_saved",
        f"Saved corporate package {package.name}",
        actor=user,
        package_id=package.id,
    )
    return package


def set_status(user: User, package_id: int, status: PackageStatus) -> CorporatePackage:
    _require_hub_admin(user)
    package = get_package(package_id)
    if package.status == status:
        raise CorporateError(f"{package.name} is {status.label.lower()} already")
    if status == PackageStatus.DRAFT and package.status == PackageStatus.RETIRED:
        raise CorporateError("A retired package cannot go back to draft: publish it again")
    package.status = status
    db.session.flush()
    record(
        "corporate.package_status",
        f"{package.name}: {status.label.lower()}",
        actor=user,
        package_id=package.id,
    )
    return package


@dataclass(frozen=True)
class Figures:
    companies: int
    placed: int
    hours: float
    boroughs: int


def public_figures() -> Figures:
    """What corporate volunteering achieved so far, from the records: companies with a paid
    purchase, employees placed, verified hours on placements, boroughs placed in."""
    companies = db.session.scalar(
        select(func.count(func.distinct(CorporatePurchase.account_id))).where(
            CorporatePurchase.status == PurchaseStatus.PAID
        )
    )
    with hub_scope("corporate volunteering's published figures", audit=False):
        placed, boroughs = db.session.execute(
            select(func.count(), func.count(func.distinct(CorporatePlacement.tenant_id))).where(
                CorporatePlacement.status == PlacementStatus.CONFIRMED
            )
        ).one()
        minutes = db.session.scalar(
            select(func.coalesce(func.sum(VolunteerHours.minutes), 0))
            .select_from(CorporatePlacement)
            .join(
                VolunteerHours,
                (VolunteerHours.tenant_id == CorporatePlacement.tenant_id)
                & (VolunteerHours.opportunity_id == CorporatePlacement.opportunity_id)
                & (VolunteerHours.user_id == CorporatePlacement.user_id),
            )
            .where(
                CorporatePlacement.status == PlacementStatus.CONFIRMED,
                VolunteerHours.status == HoursStatus.VERIFIED,
            )
        )
    return Figures(companies or 0, placed or 0, round((minutes or 0) / 60, 1), boroughs or 0)
