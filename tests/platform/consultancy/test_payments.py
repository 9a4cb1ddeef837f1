"""Paying for consultancy through billing (the hub sells): the deposit by Stripe Checkout,
milestones, the balance, the ledger's associate share and hub commission, a Connect transfer
when a milestone is accepted, held balances and payouts, paying twice, reviews."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from londonhub.billing.models import Order, OrderStatus
from londonhub.platform.consultancy import engagements, money, reviews
from londonhub.platform.consultancy.associates import ConsultancyError
from londonhub.platform.consultancy.models import (
    Account,
    Engagement,
    EngagementStatus,
    EntryKind,
    LedgerEntry,
    Review,
    ReviewStatus,
)
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import hub_scope
from tests.billing.conftest import StripeDriver


def _order(order_id: int) -> Order:
    db.session.rollback()
    with hub_scope("tests", audit=False):
        return db.session.get(Order, order_id)


def _entries() -> list[tuple[str, str, int]]:
    db.session.rollback()
    return [
        (e.account.value, e.kind.value, e.amount_pence)
        for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
    ]


def _pay(client, driver, fake_stripe, engagement_id: int, part: str) -> int:
    response = client.post(f"/consultancy/engagements/{engagement_id}/pay/{part}")
    assert response.status_code == 303, response.data[-800:]
    session_id = re.search(r"/pay/(cs_[A-Za-z0-9_]+)", response.location).group(1)
    fake_stripe.pay_session(session_id)
    driver.deliver("checkout.session.completed")
    db.session.rollback()
    engagement = db.session.get(Engagement, engagement_id)
    return engagement.deposit_order_id if part == "deposit" else engagement.balance_order_id


def _connect(fake_stripe, associate) -> str:
    account = fake_stripe.client().v1.accounts.create(
        {"type": "express", "country": "GB", "capabilities": {"transfers": {"requested": True}}}
    )
    fake_stripe.complete_onboarding(account["id"])
    associate.stripe_account_id = account["id"]
    db.session.commit()
    return account["id"]


@pytest.mark.stripe
def test_deposit_milestone_balance_review_with_a_transfer_to_the_associate(
    world, quoted, signed_in, fake_stripe, client
):
    account = _connect(fake_stripe, world.associate)
    quote = quoted()  # 2 days x £450 + £200 = £1,100; 25% deposit = £275
    engagement = engagements.accept_quote(world.client, quote.id)
    db.session.commit()
    buyer = signed_in(world.client.email)
    driver = StripeDriver(fake_stripe, client)

    deposit_order = _pay(buyer, driver, fake_stripe, engagement.id, "deposit")
    assert _order(deposit_order).status == OrderStatus.PAID
    assert _order(deposit_order).total_pence == 27_500
    db.session.rollback()
    assert db.session.get(Engagement, engagement.id).status == EngagementStatus.ACTIVE
    # 15% commission: £41.25 to the hub, £233.75 held for the associate
    assert _entries() == [
        ("associate", "share", 23_375),
        ("commission", "commission", 4_125),
    ]

    # Paying the deposit again is refused with a reason.
    again = buyer.post(
        f"/consultancy/engagements/{engagement.id}/pay/deposit", follow_redirects=True
    )
    assert b"The deposit has been paid already" in again.data

    ada = signed_in(world.associate_user.email)
    ada.post(
        f"/consultancy/engagements/{engagement.id}/milestones",
        data={"milestone-title": "Board review done", "milestone-notes": "Report sent"},
    )
    milestone = engagements.milestones_of(db.session.get(Engagement, engagement.id))[0]
    # The balance is not due until the milestone is accepted.
    early = buyer.post(
        f"/consultancy/engagements/{engagement.id}/pay/balance", follow_redirects=True
    )
    assert b"once every milestone" in early.data
    buyer.post(f"/consultancy/engagements/{engagement.id}/milestones/{milestone.id}/accept")
    transfers = [o for o in fake_stripe.all_objects() if o.get("object") == "transfer"]
    assert [(t["amount"], t["destination"]) for t in transfers] == [(23_375, account)]
    assert _entries()[-1] == ("associate", "transfer", -23_375)

    balance_order = _pay(buyer, driver, fake_stripe, engagement.id, "balance")
    assert _order(balance_order).total_pence == 82_500
    db.session.rollback()
    done = db.session.get(Engagement, engagement.id)
    assert done.status == EngagementStatus.COMPLETED
    transfers = [o for o in fake_stripe.all_objects() if o.get("object") == "transfer"]
    assert [t["amount"] for t in transfers] == [23_375, 70_125]
    assert _entries()[-3:] == [
        ("associate", "share", 70_125),
        ("commission", "commission", 12_375),
        ("associate", "transfer", -70_125),
    ]
    assert money.associate_balance(world.associate) == 0
    assert money.account_total(Account.COMMISSION) == 16_500  # 15% of £1,100

    buyer.post(
        f"/consultancy/engagements/{engagement.id}/review",
        data={"review-rating": "5", "review-text": "Clear, kind and practical."},
    )
    review = db.session.scalar(select(Review))
    assert review.status == ReviewStatus.PENDING
    page = client.get(f"/consultancy/{world.associate.slug}")
    assert b"Clear, kind and practical." not in page.data
    hub = signed_in("hub@example.org")
    hub.post(f"/hub/consultancy/reviews/{review.id}/publish")
    assert b"Clear, kind and practical." in client.get(f"/consultancy/{world.associate.slug}").data
    ledger_page = hub.get("/hub/consultancy/money").data
    assert b"Transferred to Ada Adviser" in ledger_page and b"15% commission" in ledger_page


@pytest.mark.stripe
def test_paying_twice_finds_the_same_unpaid_order(world, quoted, signed_in, fake_stripe):
    engagement = engagements.accept_quote(world.client, quoted().id)
    db.session.commit()
    buyer = signed_in(world.client.email)
    first = buyer.post(f"/consultancy/engagements/{engagement.id}/pay/deposit")
    second = buyer.post(f"/consultancy/engagements/{engagement.id}/pay/deposit")
    assert first.location == second.location
    with hub_scope("tests", audit=False):
        assert len(db.session.scalars(select(Order)).all()) == 1


def test_without_stripe_the_deposit_is_an_invoice_and_the_associate_balance_is_held(
    world, quoted, signed_in
):
    engagement = engagements.accept_quote(world.client, quoted().id)
    db.session.commit()
    buyer = signed_in(world.client.email)
    response = buyer.post(f"/consultancy/engagements/{engagement.id}/pay/deposit")
    assert "/account/orders/" in response.location
    db.session.rollback()
    order = _order(db.session.get(Engagement, engagement.id).deposit_order_id)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    order_id = order.id
    money.on_paid(order)  # as billing does when the hub marks the invoice paid
    db.session.commit()
    assert money.associate_balance(world.associate) == 23_375
    with pytest.raises(ConsultancyError, match="owed £233.75"):
        money.record_payout(world.hub, world.associate.id, 30_000, "BACS 1")
    db.session.rollback()
    money.record_payout(world.hub, world.associate.id, 23_375, "BACS 1")
    db.session.commit()
    assert money.associate_balance(world.associate) == 0
    # Billing telling us twice books nothing twice.
    money.on_paid(_order(order_id))
    db.session.commit()
    kinds = [e for e in _entries() if e[1] == EntryKind.SHARE.value]
    assert len(kinds) == 1


def test_you_cannot_review_someone_you_did_not_engage(world, quoted, signed_in):
    engagement = engagements.accept_quote(world.client, quoted().id)
    db.session.commit()
    with pytest.raises(ConsultancyError, match="only review an associate you engaged"):
        reviews.leave_review(world.other_client, engagement.id, 5, "Great")
    db.session.rollback()
    with pytest.raises(ConsultancyError, match="once the work is complete"):
        reviews.leave_review(world.client, engagement.id, 5, "Great")
    db.session.rollback()
    other = signed_in(world.other_client.email)
    response = other.post(
        f"/consultancy/engagements/{engagement.id}/review",
        data={"review-rating": "5", "review-text": "Great"},
    )
    assert response.status_code == 404  # another client's engagement is not theirs to see
    ada = signed_in(world.associate_user.email)
    response = ada.post(
        f"/consultancy/engagements/{engagement.id}/review",
        data={"review-rating": "5", "review-text": "Great"},
        follow_redirects=True,
    )
    assert b"You can only review an associate you engaged" in response.data
    assert db.session.scalar(select(Review)) is None
