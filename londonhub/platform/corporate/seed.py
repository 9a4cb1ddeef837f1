"""Demo corporate volunteering: three published packages, and Acme Ltd's account run by
buyer@acme.example.com with ten paid places (an invoice the hub recorded as paid) and two
employees invited. Idempotent: packages by name, the account by its admin."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import get_user_by_email
from londonhub.platform.core.seed import register_seeder

from .models import CorporatePackage, PackageKind, PackageStatus, VatTreatment
from .operations import accounts, buying, employees

PACKAGES = [
    {
        "name": "Employee volunteering, one year",
        "kind": PackageKind.PER_EMPLOYEE,
        "summary": "Each employee is placed with a cause in or near their home borough by "
        "that borough's Volunteer Centre, for a year.",
        "included": "A match near home, by cause and skills\nInduction by the local Volunteer "
        "Centre\nHours recorded and verified\nYour impact dashboard and summary",
        "price_pence": 15000,
        "vat": VatTreatment.STANDARD,
        "team_size": 1,
        "months": None,
        "min_quantity": 5,
        "max_quantity": 500,
        "validity_months": 12,
        "hub_share_pence": 5000,
        "workspace_share_pence": 10000,
    },
    {
        "name": "Team volunteering day",
        "kind": PackageKind.TEAM_DAY,
        "summary": "A day for up to 15 colleagues with a local group, arranged by the "
        "borough's Volunteer Centre.",
        "included": "A group opportunity chosen with you\nA coordinator on the day\nPhotos "
        "and a short report for your team",
        "price_pence": 120000,
        "vat": VatTreatment.STANDARD,
        "team_size": 15,
        "months": None,
        "min_quantity": 1,
        "max_quantity": 10,
        "validity_months": 12,
        "hub_share_pence": 40000,
        "workspace_share_pence": 80000,
    },
    {
        "name": "Skills-based programme, six months",
        "kind": PackageKind.SKILLS_PROGRAMME,
        "summary": "Five employees lend their professional skills (finance, digital, legal, "
        "marketing) to small local charities for six months.",
        "included": "Charities matched to each person's skills\nA scoping session and "
        "check-ins\nA report of what changed",
        "price_pence": 250000,
        "vat": VatTreatment.STANDARD,
        "team_size": 5,
        "months": 6,
        "min_quantity": 1,
        "max_quantity": 20,
        "validity_months": 12,
        "hub_share_pence": 20000,
        "workspace_share_pence": 30000,
    },
]


@register_seeder
def seed_corporate() -> None:
    hub_admin = get_user_by_email("hub@example.org")
    for values in PACKAGES:
        package = db.session.scalar(
            select(CorporatePackage).where(CorporatePackage.name == values["name"])
        )
        if package is None:
            package = CorporatePackage(status=PackageStatus.PUBLISHED, **values)
            db.session.add(package)
    db.session.flush()
    buyer = get_user_by_email("buyer@acme.example.com")
    if buyer is None or hub_admin is None or accounts.account_of(buyer) is not None:
        return
    first = db.session.scalar(
        select(CorporatePackage).where(CorporatePackage.name == PACKAGES[0]["name"])
    )
    purchase, order = buying.buy(
        buyer,
        first.id,
        10,
        buying.Company(
            name="Acme Ltd",
            company_number="01234567",
            billing_address="1 Finsbury Square\nLondon\nEC2A 1AE",
            po_number="PO-4471",
        ),
        invoice=True,
    )
    billing.mark_paid(hub_admin, billing.hub_workspace(), order.id, "ACME-PO-4471")
    account = accounts.account_of(buyer)
    employees.invite_many(
        buyer,
        account,
        [
            ("priya.shah@acme.example.com", "Priya Shah"),
            ("tom.okafor@acme.example.com", "Tom Okafor"),
        ],
    )
    db.session.flush()
