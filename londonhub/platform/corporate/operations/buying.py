"""Buying a package: the company's details, an order sold by the hub (card through Stripe
Checkout, or an invoice), and a corporate account with the buyer as its admin. A second
purchase tops up the same account. Billing tells us when the order is paid, lapses or is
refunded (the `corporate_package` fulfilment handler).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from londonhub.billing import services as billing
from londonhub.billing.fulfilment import FulfilmentHandler
from londonhub.integrations.oidc.services import partner_for_email
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import hub_scope
from londonhub.platform.core.timeutil import london_today, utcnow

from ..models import (
    CorporateAccount,
    CorporateAdmin,
    CorporatePlacement,
    CorporatePurchase,
    PackageStatus,
    PlacementStatus,
    PurchaseStatus,
)
from . import CorporateError
from .accounts import account_of
from .packages import get_package, places_per_unit

ORDER_KIND = "corporate_package"
#: An unpaid card order lapses after this long (Stripe Checkout lives at most a day).
CARD_HOLD = timedelta(hours=23)
COMPANY_NUMBER = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")


def normalise_company_number(raw: str) -> str:
    """Companies House numbers: 8 characters, digits padded with leading zeros (`1234567`
    -> `01234567`), or two letters and six digits (`SC123456`)."""
    value = re.sub(r"\s+", "", raw or "").upper()
    if value.isdigit() and len(value) < 8:
        value = value.zfill(8)
    if not COMPANY_NUMBER.match(value):
        raise CorporateError(
            "Enter the company number as Companies House shows it, like 01234567 or SC123456",
            "company_number",
        )
    return value


@dataclass(frozen=True)
class Company:
    name: str
    company_number: str
    billing_address: str
    po_number: str = ""


def vat_pence(net_pence: int, rate_percent: int) -> int:
    """VAT on a net amount, to the nearest penny (half up)."""
    return (net_pence * rate_percent + 50) // 100


def _account_for(buyer: User, company: Company) -> tuple[CorporateAccount, bool]:
    account = account_of(buyer)
    if account is not None:
        return account, False
    name = company.name.strip()
    if not name:
        raise CorporateError("Enter the company's name", "company_name")
    address = company.billing_address.strip()
    if not address:
        raise CorporateError("Enter the billing address, with its postcode", "billing_address")
    partner = partner_for_email(buyer.email)
    account = CorporateAccount(
        name=name[:200],
        company_number=normalise_company_number(company.company_number),
        billing_address=address[:1000],
        partner_id=partner.id if partner is not None else None,
    )
    db.session.add(account)
    db.session.flush()
    db.session.add(CorporateAdmin(account_id=account.id, user_id=buyer.id))
    db.session.flush()
    return account, True


def buy(
    buyer: User, package_id: int, quantity: int, company: Company, *, invoice: bool
) -> tuple[CorporatePurchase, billing.Order]:
    """A purchase of `quantity` of a published package and its hub order (flushed, not
    committed). Refuses quantities outside the package's limits before writing anything."""
    package = get_package(package_id)
    if package.status != PackageStatus.PUBLISHED:
        raise CorporateError("This package is no longer on sale: choose another", "package_id")
    if not isinstance(quantity, int) or quantity < package.min_quantity:
        raise CorporateError(f"Buy at least {package.min_quantity} of {package.name}", "quantity")
    if quantity > package.max_quantity:
        raise CorporateError(
            f"{package.name} is sold up to {package.max_quantity} at a time: for more, "
            "contact the hub",
            "quantity",
        )
    po_number = (company.po_number or "").strip()
    if len(po_number) > 40:
        raise CorporateError("Keep the purchase-order number to 40 characters", "po_number")
    account, created = _account_for(buyer, company)
    per_unit = places_per_unit(package.kind, package.team_size)
    net = package.price_pence * quantity
    vat = vat_pence(net, package.vat.rate_percent)
    purchase = CorporatePurchase(
        account_id=account.id,
        package_id=package.id,
        buyer_id=buyer.id,
        quantity=quantity,
        places=quantity * per_unit,
        place_price_pence=package.price_pence // per_unit,
        hub_share_pence=package.hub_share_pence,
        workspace_share_pence=package.workspace_share_pence,
        total_pence=net + vat,
        po_number=po_number,
        invoice_requested=invoice,
        status=PurchaseStatus.PENDING,
    )
    db.session.add(purchase)
    db.session.flush()
    lines = [
        billing.Line(
            f"{package.name} ({package.unit_label})", package.price_pence, quantity=quantity
        )
    ]
    if vat:
        lines.append(billing.Line(f"VAT at {package.vat.rate_percent}%", vat))
    description = f"{package.name} x {quantity} for {account.name}"
    if po_number:
        description += f" (PO {po_number})"
    order = billing.create_order(
        billing.hub_workspace(),
        kind=ORDER_KIND,
        fulfilment_ref=str(purchase.id),
        lines=lines,
        buyer=buyer,
        description=description,
        organisation=account.name,
        organisation_type="company",
        expires_at=None if invoice else utcnow() + CARD_HOLD,
        invoice=invoice,
    )
    purchase.order_tenant_id = order.tenant_id
    purchase.order_id = order.id
    db.session.flush()
    record(
        "corporate.bought",
        f"{buyer.email} ordered {description}" + (" (new account)" if created else " (top-up)"),
        actor=buyer,
        account_id=account.id,
        purchase_id=purchase.id,
        order_id=order.id,
    )
    return purchase, order


# --- what billing tells us ---------------------------------------------------------------------


def purchase_of(order: billing.Order) -> CorporatePurchase | None:
    return db.session.scalar(
        select(CorporatePurchase).where(
            CorporatePurchase.order_tenant_id == order.tenant_id,
            CorporatePurchase.order_id == order.id,
        )
    )


def _add_months(day, months: int):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _on_paid(order: billing.Order) -> None:
    purchase = purchase_of(order)
    if purchase is None or purchase.status != PurchaseStatus.PENDING:
        return
    package = get_package(purchase.package_id)
    purchase.status = PurchaseStatus.PAID
    purchase.paid_at = utcnow()
    purchase.expires_on = _add_months(london_today(), package.validity_months)
    db.session.flush()


def _on_cancelled(order: billing.Order) -> None:
    purchase = purchase_of(order)
    if purchase is not None and purchase.status == PurchaseStatus.PENDING:
        purchase.status = PurchaseStatus.CANCELLED
        db.session.flush()


def used_places(purchase: CorporatePurchase) -> int:
    with hub_scope("a purchase's used places", audit=False):
        return db.session.scalar(
            select(func.count()).where(
                CorporatePlacement.purchase_id == purchase.id,
                CorporatePlacement.status == PlacementStatus.CONFIRMED,
            )
        )


def _refundable_now(order: billing.Order) -> int:
    """Unused places may be refunded at their price (with their VAT); what was earned by a
    placement is never given back."""
    purchase = purchase_of(order)
    if purchase is None:
        return order.refundable_pence
    unused = max(purchase.places - used_places(purchase), 0)
    per_place = purchase.total_pence // purchase.places
    return min(order.refundable_pence, unused * per_place)


def _on_refunded(order: billing.Order, amount_pence: int, fully: bool) -> None:
    """Refunded money takes unused places off the purchase (never a place already used)."""
    purchase = purchase_of(order)
    if purchase is None:
        return
    per_place = max(purchase.total_pence // purchase.places, 1)
    wanted = min(-(-order.refunded_pence // per_place), purchase.places)
    purchase.places_refunded = min(wanted, purchase.places - used_places(purchase))
    if purchase.places_refunded == purchase.places:
        purchase.status = PurchaseStatus.REFUNDED
    db.session.flush()


HANDLER = FulfilmentHandler(
    on_paid=_on_paid,
    on_cancelled=_on_cancelled,
    on_refunded=_on_refunded,
    refundable_now=_refundable_now,
)
