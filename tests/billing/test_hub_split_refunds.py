"""Refunding a hub sale shared with workspaces takes each workspace's share back in proportion:
a connected workspace's transfer is reversed at Stripe (once, by idempotency key), a held share
is taken back by ledger rows alone; partial refunds adding up to the whole take back the whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from londonhub.billing import services
from londonhub.billing.models import LedgerKind, OrderStatus
from londonhub.billing.services import Line
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace

from .conftest import entries, kinds, reload
from .test_connect import connected_account


@dataclass
class Split:
    hub: Workspace
    camden: Workspace  # connected: its share was a Stripe transfer
    hackney: Workspace  # not connected: the hub holds its share
    treasurer: Any  # an admin of the hub's own workspace


@pytest.fixture
def split(people, make_workspace, quick_user) -> Split:
    camden = make_workspace("camden", "Camden CVS")
    hub = services.hub_workspace()
    db.session.commit()
    treasurer = quick_user("treasurer@hub.example.org", workspace=hub, role="admin")
    return Split(
        hub=db.session.get(Workspace, hub.id),
        camden=db.session.get(Workspace, camden.id),
        hackney=db.session.get(Workspace, people.hackney.id),
        treasurer=treasurer,
    )


def split_lines(split: Split) -> list[Line]:
    return [
        Line("Governance training, delivered by Camden", 10000, beneficiary=split.camden),
        Line("Governance training, delivered by Hackney", 6000, beneficiary=split.hackney),
        Line("Hub materials", 1000),
    ]


def refund(split: Split, order: Any, amount: int) -> None:
    refund_id = services.request_refund(split.treasurer, split.hub, order.id, amount).id
    db.session.commit()
    services.perform_refund(db.session.get(Workspace, split.hub.id), refund_id)
    db.session.commit()


def reversal_calls(fake_stripe: Any, transfer_id: str) -> list[dict]:
    return [
        c for c in fake_stripe.api_calls if c["path"] == f"/v1/transfers/{transfer_id}/reversals"
    ]


def rows(workspace_id: int, order_id: int | None = None) -> list[tuple[str, int, bool, str]]:
    return [
        (e.kind.value, e.amount_pence, e.held_by_hub, e.source_id)
        for e in entries(workspace_id, order_id)
    ]


def line_ids(order: Any) -> dict[int | None, int]:
    """Each line's id, by its beneficiary's workspace id (None: the hub's own line)."""
    ids = {line.beneficiary_workspace_id: line.id for line in services.order_lines(order)}
    db.session.rollback()
    return ids


def transfer_of(fake_stripe: Any, account_id: str) -> str:
    [transfer] = [
        o
        for o in fake_stripe.all_objects()
        if o["object"] == "transfer" and o["destination"] == account_id
    ]
    return transfer["id"]


@pytest.mark.stripe
def test_full_refund_takes_back_each_share(
    split, checkout, fake_stripe, stripe_driver, feature, capsys
):
    camden_account = connected_account(fake_stripe, split.camden)
    order, _ = checkout(split.hub, split_lines(split), description="Governance training")
    transfer_id = transfer_of(fake_stripe, camden_account)

    refund(split, order, 17000)
    order = reload(order)
    assert order.status == OrderStatus.REFUNDED
    [call] = reversal_calls(fake_stripe, transfer_id)
    [refund_row] = [e for e in entries(split.hub.id, order.id) if e.kind == LedgerKind.REFUND]
    refund_id = refund_row.source_id
    ids = line_ids(order)
    assert call["idempotency_key"] == f"reversal:{refund_id}:{ids[split.camden.id]}"
    assert call["params"]["amount"] == 9500
    assert call["params"]["metadata"]["order_id"] == str(order.id)
    transfer = fake_stripe.get(transfer_id)
    assert (transfer["amount_reversed"], transfer["reversed"]) == (9500, True)
    reversal_id = transfer["reversals"]["data"][0]["id"]
    assert reversal_id.startswith("trr_")

    # Stripe tells the webhook of the refund, more than once: nothing more is reversed or booked.
    stripe_driver.deliver()
    stripe_driver.post(stripe_driver.last("charge.refunded"), times=2)
    assert len(reversal_calls(fake_stripe, transfer_id)) == 1
    assert len([c for c in fake_stripe.api_calls if "/reversals" in c["path"]]) == 1

    held_source = f"{refund_id}:line:{ids[split.hackney.id]}"
    hub_rows = rows(split.hub.id, order.id)
    assert hub_rows == [
        ("charge", 17000, True, order.stripe_charge_id),
        ("transfer", -9500, True, transfer_id),
        ("transfer", -5700, True, f"order:{order.id}:line:{ids[split.hackney.id]}"),
        ("refund", -17000, True, refund_id),
        ("transfer", 9500, True, reversal_id),
        ("transfer", 5700, True, held_source),
    ]
    assert rows(split.camden.id) == [
        ("transfer", 9500, False, transfer_id),
        ("transfer", -9500, False, reversal_id),
    ]
    assert [r[:3] for r in rows(split.hackney.id)] == [
        ("transfer", 5700, True),
        ("transfer", -5700, True),
    ]
    assert rows(split.hackney.id)[1][3] == held_source
    assert services.balance(split.hub).held == 0
    assert services.balance(split.hackney).held == 0
    assert services.balance(split.camden).transfers == 0
    assert feature.refunded == [(order.id, 17000, True)]
    with capsys.disabled():
        print(f"\nLedger of hub order {order.id} (£170.00 split to Camden and Hackney, refunded):")
        for name, workspace_id in (
            ("london-hub", split.hub.id),
            ("camden", split.camden.id),
            ("hackney", split.hackney.id),
        ):
            for e in entries(workspace_id):
                print(
                    f"  {name:<10} {e.kind.value:<9} {e.amount_pence:>6} "
                    f"held_by_hub={e.held_by_hub!s:<5} source={e.source_id}"
                )


@pytest.mark.stripe
def test_partial_then_rest_takes_back_the_whole_share(split, checkout, fake_stripe, stripe_driver):
    camden_account = connected_account(fake_stripe, split.camden)
    order, _ = checkout(split.hub, split_lines(split), description="Governance training")
    transfer_id = transfer_of(fake_stripe, camden_account)

    refund(split, order, 5000)
    stripe_driver.deliver()
    assert reload(order).status == OrderStatus.PARTIALLY_REFUNDED
    # 9500 × 5000 / 17000 = 2794.1 and 5700 × 5000 / 17000 = 1676.5, rounded down.
    assert [c["params"]["amount"] for c in reversal_calls(fake_stripe, transfer_id)] == [2794]
    assert [r[:3] for r in rows(split.camden.id)] == [
        ("transfer", 9500, False),
        ("transfer", -2794, False),
    ]
    assert [r[:3] for r in rows(split.hackney.id)] == [
        ("transfer", 5700, True),
        ("transfer", -1676, True),
    ]
    assert services.balance(split.hackney).held == 4024
    # The hub: 17000 in, shares out, 5000 refunded, shares' part back.
    assert services.balance(split.hub).held == 17000 - 9500 - 5700 - 5000 + 2794 + 1676

    refund(split, order, 12000)
    stripe_driver.deliver()
    stripe_driver.post(stripe_driver.last("charge.refunded"), times=2)
    assert reload(order).status == OrderStatus.REFUNDED
    calls = reversal_calls(fake_stripe, transfer_id)
    assert [c["params"]["amount"] for c in calls] == [2794, 6706]
    assert len({c["idempotency_key"] for c in calls}) == 2
    assert fake_stripe.get(transfer_id)["reversed"] is True
    assert [r[1] for r in rows(split.camden.id)] == [9500, -2794, -6706]
    assert [r[1] for r in rows(split.hackney.id)] == [5700, -1676, -4024]
    assert services.balance(split.hackney).held == 0
    assert services.balance(split.hub).held == 0
    assert services.balance(split.camden).transfers == 0


@pytest.mark.stripe
def test_refund_made_in_stripe_reverses_through_the_webhook_once(
    split, checkout, fake_stripe, stripe_driver
):
    camden_account = connected_account(fake_stripe, split.camden)
    order, _ = checkout(split.hub, split_lines(split), description="Governance training")
    transfer_id = transfer_of(fake_stripe, camden_account)
    stripe_refund = fake_stripe.client().v1.refunds.create(
        {"charge": order.stripe_charge_id, "amount": 8500}
    )
    refunded = stripe_driver.last("charge.refunded")
    stripe_driver.post(refunded, times=3)
    [call] = reversal_calls(fake_stripe, transfer_id)
    assert call["idempotency_key"].startswith(f"reversal:{stripe_refund.id}:")
    assert call["params"]["amount"] == 4750
    assert [r[1] for r in rows(split.camden.id)] == [9500, -4750]
    assert [r[1] for r in rows(split.hackney.id)] == [5700, -2850]
    assert reload(order).refunded_pence == 8500


@pytest.mark.stripe
def test_a_failing_reversal_books_nothing_until_the_webhook_retries(
    split, checkout, fake_stripe, stripe_driver, signed_in
):
    camden_account = connected_account(fake_stripe, split.camden)
    order, _ = checkout(split.hub, split_lines(split), description="Governance training")
    transfer_id = transfer_of(fake_stripe, camden_account)
    for _ in range(3):  # the client's own retries as well
        fake_stripe.fail_next("POST", f"/v1/transfers/{transfer_id}/reversals", status=500)
    refund(split, order, 17000)  # Stripe refunded; the share could not be taken back yet
    assert reload(order).refunded_pence == 0
    assert [r[1] for r in rows(split.hackney.id)] == [5700]
    assert [e.kind for e in entries(split.hub.id, order.id)].count(LedgerKind.REFUND) == 0
    stripe_driver.deliver()
    assert reload(order).status == OrderStatus.REFUNDED
    assert [r[1] for r in rows(split.camden.id)] == [9500, -9500]
    assert [r[1] for r in rows(split.hackney.id)] == [5700, -5700]
    assert services.balance(split.hub).held == 0
    assert fake_stripe.get(transfer_id)["amount_reversed"] == 9500


def test_invoice_split_refund_takes_back_held_shares(split, make_order, feature):
    order = make_order(split.hub, split.treasurer, split_lines(split), description="Training")
    services.mark_paid(split.treasurer, split.hub, order.id, "BACS 12")
    db.session.commit()
    assert [r[:3] for r in rows(split.camden.id)] == [("transfer", 9500, True)]
    for amount in (5000, 12000):
        refund(split, order, amount)
    order = reload(order)
    assert order.status == OrderStatus.REFUNDED
    assert kinds(entries(split.hub.id, order.id)) == [
        ("charge", 17000, True),
        ("transfer", -9500, True),
        ("transfer", -5700, True),
        ("refund", -5000, True),
        ("transfer", 2794, True),
        ("transfer", 1676, True),
        ("refund", -12000, True),
        ("transfer", 6706, True),
        ("transfer", 4024, True),
    ]
    assert [r[:3] for r in rows(split.camden.id)] == [
        ("transfer", 9500, True),
        ("transfer", -2794, True),
        ("transfer", -6706, True),
    ]
    hackney_line = line_ids(order)[split.hackney.id]
    first, second = (
        e.source_id for e in entries(split.hub.id, order.id) if e.kind == LedgerKind.REFUND
    )
    assert [r[3] for r in rows(split.hackney.id)] == [
        f"order:{order.id}:line:{hackney_line}",
        f"{first}:line:{hackney_line}",
        f"{second}:line:{hackney_line}",
    ]
    for workspace in (split.hub, split.camden, split.hackney):
        assert services.balance(workspace).held == 0
    assert feature.refunded == [(order.id, 5000, False), (order.id, 12000, True)]
