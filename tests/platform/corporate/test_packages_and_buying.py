"""Packages at /hub/packages, the public catalogue at /corporate, and buying: by invoice or by
card through Stripe Checkout (the hub is the seller), creating the company's account with the
buyer as its admin, and topping it up later. Bad input: a clear message, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import hub_scope
from londonhub.platform.corporate.models import (
    CorporateAccount,
    CorporateAdmin,
    CorporatePackage,
    CorporatePurchase,
    PackageStatus,
    PurchaseStatus,
)
from londonhub.platform.corporate.operations import accounts
from tests.billing.conftest import StripeDriver

from .conftest import BUYER, HUB


def package_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Team volunteering day",
        "kind": "team_day",
        "summary": "A day for your team",
        "included": "A coordinator\nLunch",
        "price_pence": "1200",
        "vat": "standard",
        "team_size": "15",
        "months": "",
        "min_quantity": "1",
        "max_quantity": "10",
        "validity_months": "12",
        "hub_share_pence": "400",
        "workspace_share_pence": "800",
    }
    form.update(overrides)
    return form


def count(model) -> int:
    with hub_scope("test counts"):
        return db.session.scalar(select(func.count()).select_from(model))


def test_hub_admin_drafts_publishes_and_retires_a_package(hub_admin, signed_in, client):
    hub = signed_in(HUB)
    response = hub.post("/hub/packages/new", data=package_form())
    assert response.status_code == 302
    package = db.session.scalar(select(CorporatePackage))
    assert (package.status, package.price_pence, package.team_size) == (
        PackageStatus.DRAFT,
        120000,
        15,
    )
    assert "Team volunteering day" not in client.get("/corporate").get_data(as_text=True)

    hub.post(f"/hub/packages/{package.id}/status", data={"status": "publish"})
    page = client.get("/corporate").get_data(as_text=True)
    assert "Team volunteering day" in page and "£1,200.00 per package plus VAT" in page

    hub.post(f"/hub/packages/{package.id}/status", data={"status": "retire"})
    db.session.expire_all()
    assert db.session.get(CorporatePackage, package.id).status == PackageStatus.RETIRED
    assert "Team volunteering day" not in client.get("/corporate").get_data(as_text=True)


def test_shares_that_do_not_add_up_to_the_price_are_refused(hub_admin, signed_in):
    hub = signed_in(HUB)
    response = hub.post("/hub/packages/new", data=package_form(hub_share_pence="100"))
    assert response.status_code == 400
    assert "must add up to the price per team day (120000p)" in response.get_data(as_text=True)
    skills = package_form(kind="skills_programme", team_size="7", months="6")
    response = hub.post("/hub/packages/new", data=skills)
    assert response.status_code == 400
    assert "must divide evenly between the 7 employees" in response.get_data(as_text=True)
    response = hub.post("/hub/packages/new", data=package_form(min_quantity="5", max_quantity="2"))
    assert response.status_code == 400
    assert "maximum quantity cannot be less than the minimum" in response.get_data(as_text=True)
    assert count(CorporatePackage) == 0


def test_only_hub_admins_manage_packages(buyer, package, signed_in):
    company = signed_in(BUYER)
    assert company.get("/hub/packages").status_code == 403
    assert company.post("/hub/packages/new", data=package_form()).status_code == 403
    assert (
        company.post(f"/hub/packages/{package.id}/status", data={"status": "retire"}).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(CorporatePackage, package.id).status == PackageStatus.PUBLISHED


def buy_form(package, **overrides: str) -> dict[str, str]:
    form = {
        "package_id": str(package.id),
        "quantity": "5",
        "company_name": "Acme Ltd",
        "company_number": "1234567",
        "billing_address": "1 Finsbury Square\nLondon EC2A 1AE",
        "po_number": "PO-77",
        "payment": "invoice",
    }
    form.update(overrides)
    return form


def test_buying_by_invoice_opens_an_account_whose_places_count_once_paid(
    package, buyer, hub_admin, signed_in
):
    company = signed_in(BUYER)
    assert company.get(f"/corporate/buy?package={package.id}").status_code == 200
    response = company.post("/corporate/buy", data=buy_form(package))
    assert response.status_code == 302 and response.headers["Location"] == "/corporate/account"
    account = db.session.scalar(select(CorporateAccount))
    assert (account.name, account.company_number) == ("Acme Ltd", "01234567")
    assert db.session.scalar(select(CorporateAdmin.user_id)) == buyer.id
    purchase = db.session.scalar(select(CorporatePurchase))
    assert (purchase.places, purchase.status, purchase.total_pence) == (
        5,
        PurchaseStatus.PENDING,
        90000,  # 5 x £150 plus 20% VAT
    )
    order = billing.get_buyer_order(buyer, purchase.order_id)
    assert order.tenant_id == billing.hub_workspace().id
    assert order.payment_mode == billing.PaymentMode.INVOICE
    assert [(line.description, line.total_pence) for line in billing.order_lines(order)] == [
        ("Employee volunteering, one year (employee)", 75000),
        ("VAT at 20%", 15000),
    ]
    assert accounts.places(account).usable == 0
    page = company.get("/corporate/account").get_data(as_text=True)
    assert "5 more places are waiting for payment" in page

    billing.mark_paid(hub_admin, billing.hub_workspace(), order.id, "BACS 991")
    db.session.commit()
    places = accounts.places(account)
    assert (places.bought, places.usable, places.free) == (5, 5, 5)

    # A second purchase tops up the same account (company details are the account's).
    response = company.post(
        "/corporate/buy", data=buy_form(package, quantity="3", company_name="", po_number="")
    )
    assert response.status_code == 302
    assert count(CorporateAccount) == 1 and count(CorporatePurchase) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity": "51"}, "sold up to 50 at a time"),
        ({"quantity": "1"}, "Buy at least 2 of"),
        ({"company_number": "ABC"}, "Enter the company number as Companies House shows it"),
        ({"company_name": ""}, "Enter the company&#39;s name"),
        ({"billing_address": ""}, "Enter the billing address"),
        ({"quantity": "five"}, "Quantity must be a whole number"),
    ],
)
def test_bad_purchases_are_refused_and_nothing_is_written(
    package, buyer, signed_in, overrides, message
):
    company = signed_in(BUYER)
    response = company.post("/corporate/buy", data=buy_form(package, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(CorporateAccount) == 0 and count(CorporatePurchase) == 0
    assert count(billing.Order) == 0


def test_a_retired_package_cannot_be_bought_but_stays_on_its_purchases(
    package, bought, hub_admin, buyer, signed_in
):
    account, purchase, _ = bought(4)
    package.status = PackageStatus.RETIRED
    db.session.commit()
    company = signed_in(BUYER)
    assert company.get(f"/corporate/buy?package={package.id}").status_code == 404
    assert company.post("/corporate/buy", data=buy_form(package)).status_code == 404
    assert accounts.places(account).usable == 4


def test_a_company_that_is_a_partner_organisation_gets_its_account_attached(package, buyer, bought):
    from londonhub.integrations.oidc import services as oidc

    partner = oidc.create_partner(
        name="Acme Ltd",
        kind="business",
        domains=["acme.example.com"],
        issuer="https://login.acme.example.com",
        client_id="acme",
        client_secret="secret",
    )
    db.session.commit()
    account, _, _ = bought(2)
    assert account.partner_id == partner.id


def test_catalogue_figures_come_from_the_records(package, bought, client):
    bought(3)
    page = client.get("/corporate").get_data(as_text=True)
    assert "<strong>1</strong> company" in page
    assert "<strong>0</strong> employees placed" in page


@pytest.mark.stripe
def test_paying_by_card_goes_through_checkout_and_the_webhook_settles_the_places(
    package, buyer, signed_in, fake_stripe, client
):
    company = signed_in(BUYER)
    response = company.post("/corporate/buy", data=buy_form(package, payment="card"))
    assert response.status_code == 303
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    purchase = db.session.scalar(select(CorporatePurchase))
    assert purchase.status == PurchaseStatus.PENDING
    fake_stripe.pay_session(session_id)
    StripeDriver(fake_stripe, client).deliver()
    db.session.expire_all()
    purchase = db.session.scalar(select(CorporatePurchase))
    assert purchase.status == PurchaseStatus.PAID and purchase.expires_on is not None
    account = db.session.get(CorporateAccount, purchase.account_id)
    assert accounts.places(account).usable == 5
    hub_rows = [(e.kind.value, e.amount_pence) for e in billing.ledger(billing.hub_workspace())]
    assert hub_rows == [("charge", 90000)]
