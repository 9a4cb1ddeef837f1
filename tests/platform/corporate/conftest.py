"""Corporate fixtures: the hub's admin and a published per-employee package, a company's
buyer, Hackney and Camden with opportunities suitable for corporate volunteering, and helpers
that buy places, invite and accept employees, and sign people in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.corporate.models import (
    CorporatePackage,
    PackageKind,
    PackageStatus,
    VatTreatment,
)
from londonhub.platform.corporate.operations import accounts, buying, employees, matching
from tests.conftest import PASSWORD
from tests.tenants.volunteering.conftest import add_opportunity

HUB = "hub@example.org"
BUYER = "buyer@acme.example.com"


def package_values(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "Employee volunteering, one year",
        "kind": PackageKind.PER_EMPLOYEE,
        "summary": "A placement near home for each employee.",
        "included": "A match near home\nVerified hours",
        "price_pence": 15000,
        "vat": VatTreatment.STANDARD,
        "team_size": 1,
        "months": None,
        "min_quantity": 2,
        "max_quantity": 50,
        "validity_months": 12,
        "hub_share_pence": 5000,
        "workspace_share_pence": 10000,
    }
    values.update(overrides)
    return values


@pytest.fixture
def hub_admin(make_user) -> User:
    return make_user(HUB, name="Hub Admin", hub_admin=True)


@pytest.fixture
def package(hub_admin) -> CorporatePackage:
    package = CorporatePackage(status=PackageStatus.PUBLISHED, **package_values())
    db.session.add(package)
    db.session.commit()
    return package


@pytest.fixture
def buyer(make_user) -> User:
    return make_user(BUYER, name="Alex Buyer")


ACME = buying.Company("Acme Ltd", "1234567", "1 Finsbury Square\nLondon EC2A 1AE", "PO-1")


@pytest.fixture
def bought(app, hub_admin, package, buyer) -> Callable[..., Any]:
    """Buy `quantity` places in invoice mode and have the hub record the payment."""

    def factory(quantity: int = 5, who: User | None = None, company=ACME, paid: bool = True):
        person = who or buyer
        purchase, order = buying.buy(person, package.id, quantity, company, invoice=True)
        if paid:
            billing.mark_paid(hub_admin, billing.hub_workspace(), order.id, f"BACS-{order.id}")
        db.session.commit()
        return accounts.account_of(person), purchase, order

    return factory


@pytest.fixture
def signed_in(app) -> Callable[[str], Any]:
    def factory(email: str) -> Any:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.data[-500:]
        return client

    return factory


@pytest.fixture
def employee(app, make_user, bought) -> Callable[..., User]:
    """An employee of the buyer's account who accepted, with a profile in `borough`."""
    made: dict[str, Any] = {}

    def factory(email: str, borough: str = "hackney", **profile: Any) -> User:
        if "account" not in made:
            made["account"] = bought(5)[0]
        account = accounts.account_of(db.session.scalar(select(User).where(User.email == BUYER)))
        person = make_user(email, name=email.split("@")[0].replace(".", " ").title())
        invited = employees.invite(person, account, email)
        token = employees.invitation_link(invited).rsplit("/", 1)[1]
        employees.accept(person, token)
        matching.save_profile(person, {"home_borough": borough, **profile})
        db.session.commit()
        return person

    return factory


@pytest.fixture
def boroughs(make_workspace, make_user) -> dict[str, Any]:
    """Hackney, Islington (its neighbour), Camden and Bromley (far from Hackney), each with
    its owner."""
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    bromley = make_workspace("bromley", "Bromley CVS", borough="Bromley")
    islington = make_workspace("islington", "Islington CVS", borough="Islington")
    return {
        "hackney": hackney,
        "camden": camden,
        "bromley": bromley,
        "islington": islington,
        "islington_admin": make_user(
            "admin@islington.example.org", workspace=islington, role="owner", name="Isla Admin"
        ),
        "hackney_admin": make_user(
            "admin@hackney.example.org", workspace=hackney, role="owner", name="Hana Admin"
        ),
        "camden_admin": make_user(
            "admin@camden.example.org", workspace=camden, role="owner", name="Cam Admin"
        ),
        "bromley_admin": make_user(
            "admin@bromley.example.org", workspace=bromley, role="owner", name="Bo Admin"
        ),
    }


def corporate_opportunity(workspace, user, **overrides: Any) -> int:
    """An opportunity suitable for corporate volunteering (for groups), with a session."""
    values = {"group_size": 10, "minimum_age": None}
    values.update(overrides)
    return add_opportunity(workspace, user, **values)
