"""Stripe Connect: a workspace owner connects an Express account; its sales are destination
charges with the hub's fee as `application_fee_amount`; hub sales are split by transfers in
one transfer group, or held for workspaces without an account; the hub pays held balances out."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest

from londonhub.billing import services
from londonhub.billing.models import LedgerKind, OrderStatus
from londonhub.billing.services import Line
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace

from .conftest import entries, kinds, reload

pytestmark = pytest.mark.stripe

_NO_REDIRECTS = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    type(
        "NoRedirect", (urllib.request.HTTPRedirectHandler,), {"redirect_request": lambda *a: None}
    ),
)


def _open(url: str, data: dict | None = None) -> tuple[int, str, str | None]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with _NO_REDIRECTS.open(urllib.request.Request(url, data=body), timeout=10) as response:
            return response.status, response.read().decode(), None
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location")
        exc.close()
        return exc.code, "", location


def connected_account(fake_stripe, workspace: Workspace) -> str:
    """A workspace whose Express account finished onboarding (set up directly)."""
    account = fake_stripe.client().v1.accounts.create(
        {"type": "express", "country": "GB", "capabilities": {"transfers": {"requested": True}}}
    )
    fake_stripe.complete_onboarding(account.id)
    workspace = db.session.get(Workspace, workspace.id)
    workspace.stripe_account_id = account.id
    workspace.stripe_charges_enabled = True
    db.session.commit()
    return account.id


def test_owner_connects_the_workspaces_stripe_account(
    people, signed_in, fake_stripe, stripe_driver
):
    admin = signed_in("admin@hackney.example.org")
    assert "Connect a Stripe account" not in admin.get("/b/hackney/admin/billing/").get_data(
        as_text=True
    )
    assert admin.post("/b/hackney/admin/billing/connect").status_code == 403
    owner = signed_in("owner@hackney.example.org")
    page = owner.get("/b/hackney/admin/billing/").get_data(as_text=True)
    assert "Connect a Stripe account" in page
    response = owner.post("/b/hackney/admin/billing/connect")
    assert response.status_code == 303
    onboarding = response.headers["Location"]
    assert onboarding.startswith(fake_stripe.base_url + "/connect/onboard/acct_")
    db.session.rollback()
    hackney = db.session.get(Workspace, people.hackney.id)
    account_id = hackney.stripe_account_id
    assert account_id and not hackney.stripe_charges_enabled
    [create] = [c for c in fake_stripe.api_calls if c["path"] == "/v1/accounts"]
    assert create["idempotency_key"] == f"account:{hackney.id}"
    assert create["params"]["type"] == "express"
    assert create["params"]["metadata"]["workspace_id"] == str(hackney.id)
    [link] = [c for c in fake_stripe.api_calls if c["path"] == "/v1/account_links"]
    assert link["params"]["type"] == "account_onboarding"
    assert link["params"]["return_url"].endswith("/b/hackney/admin/billing/connect/return")

    # Back before finishing: still held by the hub; connecting again reuses the account.
    assert "Stripe is checking your details" in owner.get(
        "/b/hackney/admin/billing/connect/return", follow_redirects=True
    ).get_data(as_text=True)
    again = owner.post("/b/hackney/admin/billing/connect")
    assert account_id in again.headers["Location"]
    assert len([c for c in fake_stripe.api_calls if c["path"] == "/v1/accounts"]) == 1

    # The onboarding page, as the owner's browser sees it.
    status, body, _ = _open(again.headers["Location"])
    assert status == 200 and "Complete onboarding" in body
    token = re.search(r'name="link" value="([^"]+)"', body).group(1)
    status, _, location = _open(
        f"{fake_stripe.base_url}/connect/onboard/{account_id}",
        {"link": token, "action": "complete"},
    )
    assert status == 303 and location.endswith("/b/hackney/admin/billing/connect/return")
    updated = stripe_driver.last("account.updated")
    assert updated["account"] == account_id
    stripe_driver.deliver()
    db.session.rollback()
    assert db.session.get(Workspace, people.hackney.id).stripe_charges_enabled
    # Asked for the transfers capability, so destination charges to it are possible.
    assert fake_stripe.get(account_id)["capabilities"]["transfers"] == "active"
    done = owner.get("/b/hackney/admin/billing/connect/return", follow_redirects=True)
    assert "Your Stripe account is connected" in done.get_data(as_text=True)


def test_connect_errors_say_what_to_do(people, signed_in, fake_stripe):
    owner = signed_in("owner@hackney.example.org")
    fake_stripe.fail_next("POST", "/v1/accounts", status=400)
    response = owner.post("/b/hackney/admin/billing/connect", follow_redirects=True)
    assert "We could not reach Stripe. Please try again in a minute." in response.get_data(
        as_text=True
    )
    db.session.rollback()
    assert db.session.get(Workspace, people.hackney.id).stripe_account_id is None


def test_account_updated_for_an_unknown_account_changes_nothing(people, stripe_driver):
    stripe_driver.post(
        {
            "id": "evt_unknown_account",
            "object": "event",
            "type": "account.updated",
            "account": "acct_nobody",
            "data": {"object": {"id": "acct_nobody", "charges_enabled": True}},
        }
    )
    db.session.rollback()
    assert not db.session.get(Workspace, people.hackney.id).stripe_charges_enabled


def test_connected_sale_is_a_destination_charge_with_the_hubs_fee(
    people, checkout, signed_in, fake_stripe, stripe_driver, feature, capsys
):
    account_id = connected_account(fake_stripe, people.hackney)
    order, session_id = checkout()
    [call] = [c for c in fake_stripe.api_calls if c["path"] == "/v1/checkout/sessions"]
    data = call["params"]["payment_intent_data"]
    assert data["application_fee_amount"] == 125
    assert data["transfer_data"] == {"destination": account_id}
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert order.stripe_destination == account_id
    charge = fake_stripe.get(order.stripe_charge_id)
    assert charge["application_fee_amount"] == 125
    assert fake_stripe.get(charge["transfer"])["amount"] == 2375
    hub = services.hub_workspace()
    assert kinds(entries(people.hackney.id, order.id)) == [
        ("charge", 2500, False),
        ("platform_fee", -125, False),
    ]
    assert kinds(entries(hub.id)) == [("platform_fee", 125, True)]
    assert services.balance(people.hackney).held == 0  # the money is in their own account

    # A partial refund: Stripe reverses the transfer and returns the fee in proportion.
    admin = signed_in("admin@hackney.example.org")
    admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund", data={"refund-amount": "10.00"}
    )
    stripe_driver.deliver()
    [refund_call] = [c for c in fake_stripe.api_calls if c["path"] == "/v1/refunds"]
    assert refund_call["params"]["reverse_transfer"] is True
    assert refund_call["params"]["refund_application_fee"] is True
    order = reload(order)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    seller_rows = entries(people.hackney.id, order.id)
    hub_rows = entries(hub.id)
    assert kinds(seller_rows) == [
        ("charge", 2500, False),
        ("platform_fee", -125, False),
        ("refund", -1000, False),
        ("fee_refund", 50, False),
    ]
    assert kinds(hub_rows) == [("platform_fee", 125, True), ("fee_refund", -50, True)]
    assert sum(r.amount_pence for r in seller_rows) == 1425
    assert sum(r.amount_pence for r in hub_rows) == 75
    # For the note: the ledger of one paid, partly refunded Connect sale.
    with capsys.disabled():
        print(f"\nLedger of Connect order {order.id} (£25.00, 5% fee, £10.00 refunded):")
        for workspace, rows in (("hackney", seller_rows), ("london-hub", hub_rows)):
            for row in rows:
                print(
                    f"  {workspace:<10} {row.kind.value:<12} {row.amount_pence:>6} "
                    f"held_by_hub={row.held_by_hub!s:<5} source={row.source_id}  {row.description}"
                )

    dispute = fake_stripe.create_dispute(order.stripe_charge_id, amount=1500)
    stripe_driver.deliver()
    [booked] = [e for e in entries(people.hackney.id, order.id) if e.kind == LedgerKind.DISPUTE]
    assert (booked.amount_pence, booked.held_by_hub, booked.source_id) == (
        -1500,
        False,
        dispute["id"],
    )


def test_a_workspace_whose_account_is_not_ready_sells_through_the_hub(
    people, checkout, fake_stripe
):
    account = fake_stripe.client().v1.accounts.create({"type": "express", "country": "GB"})
    hackney = db.session.get(Workspace, people.hackney.id)
    hackney.stripe_account_id = account.id  # onboarding not finished: charges not enabled
    db.session.commit()
    order, _ = checkout()
    [call] = [c for c in fake_stripe.api_calls if c["path"] == "/v1/checkout/sessions"]
    assert "transfer_data" not in call["params"]["payment_intent_data"]
    assert kinds(entries(people.hackney.id, order.id)) == [
        ("charge", 2500, True),
        ("platform_fee", -125, True),
    ]
    assert services.balance(people.hackney).held == 2375


def test_hub_sale_is_split_by_transfer_or_held_balance(
    people, make_workspace, checkout, signed_in, fake_stripe, stripe_driver, feature
):
    camden = make_workspace("camden", "Camden CVS")
    camden_account = connected_account(fake_stripe, camden)
    hub = services.hub_workspace()
    db.session.commit()
    hackney = db.session.get(Workspace, people.hackney.id)
    camden = db.session.get(Workspace, camden.id)
    order, _ = checkout(
        hub,
        [
            Line("Governance training, delivered by Camden", 10000, beneficiary=camden),
            Line("Governance training, delivered by Hackney", 6000, beneficiary=hackney),
            Line("Hub materials", 1000),
        ],
        description="Governance training",
    )
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert order.platform_fee_pence == 500 + 300 + 1000
    transfers = [c for c in fake_stripe.api_calls if c["path"] == "/v1/transfers"]
    assert len(transfers) == 1
    params = transfers[0]["params"]
    assert params["destination"] == camden_account
    assert params["amount"] == 9500
    assert params["transfer_group"] == order.transfer_group == f"order-{hub.id}-{order.id}"
    assert params["source_transaction"] == order.stripe_charge_id
    assert transfers[0]["idempotency_key"].startswith(f"transfer:{order.id}:")
    transfer_id = next(
        o["id"]
        for o in fake_stripe.all_objects()
        if o.get("destination") == camden_account and o["object"] == "transfer"
    )

    assert kinds(entries(hub.id, order.id)) == [
        ("charge", 17000, True),
        ("transfer", -9500, True),
        ("transfer", -5700, True),
    ]
    assert [(e.amount_pence, e.held_by_hub, e.source_id) for e in entries(camden.id)] == [
        (9500, False, transfer_id)
    ]
    assert kinds(entries(hackney.id)) == [("transfer", 5700, True)]
    assert services.balance(hub).held == 1800
    assert services.balance(hackney).held == 5700
    assert services.balance(camden).held == 0

    # Replayed: no second transfer, no second booking.
    stripe_driver.post(stripe_driver.last("checkout.session.completed"), times=2)
    assert len([c for c in fake_stripe.api_calls if c["path"] == "/v1/transfers"]) == 1
    assert len(entries(hackney.id)) == 1

    # The hub pays Hackney's held share out, and not a penny more.
    hub_admin = signed_in("hub@example.org")
    hub_admin.post("/hub/billing/payouts/hackney", data={"payout-amount": "57.01"})
    assert services.balance(hackney).held == 5700
    hub_admin.post("/hub/billing/payouts/hackney", data={"payout-amount": "57.00"})
    db.session.rollback()
    assert services.balance(hackney).held == 0
    assert services.balance(hackney).payouts == -5700
    # Camden's income went to its own account: there is nothing for the hub to pay out.
    hub_admin.post("/hub/billing/payouts/camden", data={"payout-amount": "0.01"})
    assert services.balance(camden).payouts == 0


def test_a_failing_transfer_fails_the_event_and_its_retry_transfers_once(
    people, make_workspace, checkout, signed_in, fake_stripe, stripe_driver, feature
):
    camden = make_workspace("camden", "Camden CVS")
    connected_account(fake_stripe, camden)
    hub = services.hub_workspace()
    db.session.commit()
    camden = db.session.get(Workspace, camden.id)
    for _ in range(3):
        fake_stripe.fail_next("POST", "/v1/transfers", status=500)
    order, _ = checkout(
        hub, [Line("Consultancy day", 10000, beneficiary=camden)], description="Day"
    )
    completed = stripe_driver.last("checkout.session.completed")
    assert reload(order).status == OrderStatus.PENDING
    assert entries(camden.id) == []
    signed_in("hub@example.org").post(f"/hub/billing/events/{completed['id']}/retry")
    assert reload(order).status == OrderStatus.PAID
    assert kinds(entries(camden.id)) == [("transfer", 9500, False)]
    made = [o for o in fake_stripe.all_objects() if o["object"] == "transfer"]
    assert len(made) == 1
    assert feature.paid == [order.id]
