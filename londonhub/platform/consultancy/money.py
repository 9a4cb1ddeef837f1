"""Consultancy money: deposit, balance and weekly orders through billing (the hub sells), the
associates' ledger (each payment books the associate's share and the hub's commission), Stripe
Connect transfers on accepted milestones, payouts of held balances, and the subsidy pot.

Billing owns orders, Checkout, the webhook and its own ledger (the hub's CHARGE); it tells us
a payment settled through the `consultancy` fulfilment handler, inside the same transaction.
Our ledger rows are booked once each (unique account, kind and source).

Over 400 lines for now: the seam to split along next is the subsidy pot (top-ups, draws),
which shares nothing with orders and transfers but the ledger helpers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from sqlalchemy import case, func, select

from londonhub.billing import services as billing
from londonhub.billing.fulfilment import FulfilmentHandler
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.timeutil import utcnow

from .associates import ConsultancyError, NotAllowed, NotFound, associate_of
from .engagements import _as_client, balance_due, milestones_of
from .models import (
    Account,
    Associate,
    Engagement,
    EngagementStatus,
    Enquiry,
    EntryKind,
    LedgerEntry,
    Milestone,
    TimeRecord,
)
from .scope import lock_row

log = logging.getLogger(__name__)
KIND = "consultancy"


# --- booking -----------------------------------------------------------------------------------


def _book(
    account: Account,
    kind: EntryKind,
    amount: int,
    source: str,
    description: str,
    *,
    associate_id: int | None = None,
    engagement_id: int | None = None,
) -> bool:
    """Book one movement once: False when it was booked before."""
    exists = db.session.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.account == account,
            LedgerEntry.kind == kind,
            LedgerEntry.source_id == source,
        )
    )
    if exists is not None:
        return False
    db.session.add(
        LedgerEntry(
            account=account,
            kind=kind,
            amount_pence=amount,
            source_id=source,
            description=description[:300],
            associate_id=associate_id,
            engagement_id=engagement_id,
        )
    )
    db.session.flush()
    return True


def split(associate: Associate, amount: int) -> tuple[int, int]:
    """(associate's share, hub's commission): the hub's part rounded down."""
    commission = amount * associate.commission_percent // 100
    return amount - commission, commission


def _book_payment(engagement: Engagement, amount: int, source: str, what: str) -> None:
    associate = db.session.get(Associate, engagement.associate_id)
    share, commission = split(associate, amount)
    ids = {"associate_id": associate.id, "engagement_id": engagement.id}
    _book(Account.ASSOCIATE, EntryKind.SHARE, share, source, f"{what}: share", **ids)
    if commission:
        _book(
            Account.COMMISSION,
            EntryKind.COMMISSION,
            commission,
            source,
            f"{what}: {associate.commission_percent}% commission",
            **ids,
        )


# --- orders through billing --------------------------------------------------------------------


def _order_for(
    engagement: Engagement, part: str, amount: int, buyer: User, what: str = ""
) -> billing.Order:
    enquiry = db.session.get(Enquiry, engagement.enquiry_id)
    associate = db.session.get(Associate, engagement.associate_id)
    label = f"{(what or part).capitalize()} for work by {associate.name}"
    return billing.create_order(
        billing.hub_workspace(),
        kind=KIND,
        fulfilment_ref=f"engagement:{engagement.id}:{part}",
        lines=[billing.Line(label, amount)],
        buyer=buyer,
        description=f"Consultancy: {label}",
        organisation=enquiry.organisation,
    )


def _existing(order_id: int | None) -> billing.Order | None:
    if order_id is None:
        return None
    hub = billing.hub_workspace()
    try:
        return billing.get_seller_order(hub, order_id)
    except billing.OrderNotFound:
        return None


def start_payment(user: User, engagement_id: int, part: str) -> billing.Order:
    """The deposit or balance order, made once: paying twice is refused, a second click on an
    unpaid one finds the same order. The engagement's row is locked meanwhile."""
    engagement = _as_client(user, engagement_id)
    if part == "deposit":
        if engagement.deposit_paid_at is not None or engagement.deposit_pence == 0:
            raise ConsultancyError("The deposit has been paid already")
        if engagement.status != EngagementStatus.AWAITING_DEPOSIT:
            raise ConsultancyError("There is no deposit to pay")
        amount, column = engagement.deposit_pence, "deposit_order_id"
    elif part.startswith("week-"):
        return _week_payment(engagement, part, user)
    elif part == "balance":
        if engagement.balance_paid_at is not None:
            raise ConsultancyError("The balance has been paid already")
        existing = _existing(engagement.balance_order_id)
        if existing is None and not balance_due(engagement):
            raise ConsultancyError(
                "The balance is due once every milestone of the work has been accepted"
            )
        amount, column = engagement.balance_pence, "balance_order_id"
    else:
        raise NotFound("No such payment")
    order = _existing(getattr(engagement, column))
    if order is not None and order.is_settled:
        raise ConsultancyError(f"The {part} has been paid already")
    if order is None or order.status == billing.OrderStatus.CANCELLED:
        order = _order_for(engagement, part, amount, user)
        setattr(engagement, column, order.id)
        if part == "balance":
            engagement.status = EngagementStatus.AWAITING_BALANCE
        db.session.flush()
    return order


def _week_payment(engagement: Engagement, part: str, user: User) -> billing.Order:
    """An approved week's invoice (made when the client approved it; again if it lapsed)."""
    number = part.removeprefix("week-")
    record = None
    if number.isdigit() and len(number) < 19:
        record = db.session.scalar(
            select(TimeRecord).where(
                TimeRecord.id == int(number), TimeRecord.engagement_id == engagement.id
            )
        )
    if record is None or record.approved_at is None:
        raise NotFound("No such week to pay")
    order = _existing(record.order_id)
    if order is not None and order.is_settled:
        raise ConsultancyError("This week has been paid already")
    if order is None or order.status == billing.OrderStatus.CANCELLED:
        order = invoice_week(engagement, record, user)
        record.order_id = order.id
        db.session.flush()
    return order


def invoice_week(engagement: Engagement, record: TimeRecord, buyer: User) -> billing.Order:
    label = f"week of {record.week_starting:%-d %B %Y}"
    return _order_for(engagement, f"week-{record.id}", record.amount_pence, buyer, label)


def _engagement_of(order: billing.Order) -> tuple[Engagement, str] | None:
    parts = order.fulfilment_ref.split(":")
    if len(parts) != 3 or parts[0] != "engagement":
        return None
    engagement = lock_row(Engagement, int(parts[1]))
    return (engagement, parts[2]) if engagement is not None else None


def on_paid(order: billing.Order) -> None:
    """Billing says an order settled (webhook or invoice marked paid): book the split, move
    the engagement on. Idempotent: the ledger books each source once."""
    found = _engagement_of(order)
    if found is None:
        return
    engagement, part = found
    now = utcnow()
    if part == "deposit" and engagement.deposit_paid_at is None:
        engagement.deposit_paid_at = now
        if engagement.status == EngagementStatus.AWAITING_DEPOSIT:
            engagement.status = EngagementStatus.ACTIVE
    elif part == "balance" and engagement.balance_paid_at is None:
        engagement.balance_paid_at = now
        engagement.status = EngagementStatus.COMPLETED
        engagement.completed_at = now
    _book_payment(engagement, order.total_pence, f"order:{order.id}", f"Order {order.id}")
    if part == "balance" or part.startswith("week-"):
        pay_associate(engagement, f"order-{order.id}")
    db.session.flush()


def on_cancelled(order: billing.Order) -> None:
    """An unpaid order lapsed: the client can start paying again (a new order)."""
    found = _engagement_of(order)
    if found is None:
        return
    engagement, part = found
    if part == "balance" and engagement.balance_paid_at is None:
        engagement.status = EngagementStatus.ACTIVE


HANDLER = FulfilmentHandler(on_paid=on_paid, on_cancelled=on_cancelled)


# --- paying associates -------------------------------------------------------------------------


def held_for(engagement: Engagement) -> int:
    """What the hub holds for this engagement's associate and has not paid them yet."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
                LedgerEntry.account == Account.ASSOCIATE,
                LedgerEntry.engagement_id == engagement.id,
            )
        )
    )


def pay_associate(engagement: Engagement, reason: str) -> str | None:
    """When a milestone is accepted (or the balance settles after the last one): transfer
    what is held for the associate to their connected Stripe account. Without one, the money
    stays as a held balance the hub pays out. Returns the transfer id, if any."""
    associate = db.session.get(Associate, engagement.associate_id)
    amount = held_for(engagement)
    if amount <= 0 or not associate.stripe_account_id or not billing.gateway.stripe_enabled():
        return None
    if any(m.accepted_at is None for m in milestones_of(engagement)):
        return None
    try:
        transfer = billing.gateway.client().v1.transfers.create(
            {
                "amount": amount,
                "currency": "gbp",
                "destination": associate.stripe_account_id,
                "transfer_group": f"consultancy-{engagement.id}",
                "metadata": {"engagement_id": str(engagement.id), "reason": reason},
            },
            options={"idempotency_key": f"consultancy-transfer:{engagement.id}:{reason}"},
        )
    except stripe.StripeError as exc:
        # The money stays held; a hub admin can pay it out (or the next milestone retries).
        log.warning("Transfer to associate %s failed: %s", associate.id, exc)
        return None
    _book(
        Account.ASSOCIATE,
        EntryKind.TRANSFER,
        -amount,
        transfer["id"],
        f"Transferred to {associate.name}'s Stripe account",
        associate_id=associate.id,
        engagement_id=engagement.id,
    )
    return transfer["id"]


def connect_account(user: User, return_url: str, refresh_url: str) -> str:
    """An Express account for the associate (made once) and a link to finish setting it up."""
    associate = associate_of(user)
    if associate is None:
        raise NotFound("You are not an associate")
    if not billing.gateway.stripe_enabled():
        raise ConsultancyError("Online payments are not switched on for the hub yet")
    client = billing.gateway.client()
    try:
        if not associate.stripe_account_id:
            account = client.v1.accounts.create(
                {
                    "type": "express",
                    "country": "GB",
                    "email": user.email,
                    "business_type": "individual",
                    "capabilities": {"transfers": {"requested": True}},
                    "metadata": {"associate_id": str(associate.id)},
                },
                options={"idempotency_key": f"associate-account:{associate.id}"},
            )
            associate.stripe_account_id = account["id"]
            db.session.flush()
        link = client.v1.account_links.create(
            {
                "account": associate.stripe_account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    except stripe.StripeError as exc:
        raise ConsultancyError("We could not reach Stripe. Please try again in a minute.") from exc
    return link["url"]


# --- balances, payouts -------------------------------------------------------------------------


@dataclass(frozen=True)
class AssociateBalance:
    associate: Associate
    earned: int
    transferred: int
    paid_out: int

    @property
    def held(self) -> int:
        return self.earned + self.transferred + self.paid_out


def balances() -> list[AssociateBalance]:
    """Every associate with ledger rows: earned, transferred, paid out, held (one query)."""

    def total(kind: EntryKind):
        return func.coalesce(
            func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_pence), else_=0)), 0
        )

    rows = db.session.execute(
        select(
            Associate,
            total(EntryKind.SHARE),
            total(EntryKind.TRANSFER),
            total(EntryKind.PAYOUT),
        )
        .join(LedgerEntry, LedgerEntry.associate_id == Associate.id)
        .where(LedgerEntry.account == Account.ASSOCIATE)
        .group_by(Associate.id)
        .order_by(Associate.name)
    ).all()
    return [AssociateBalance(a, int(s), int(t), int(p)) for a, s, t, p in rows]


def associate_balance(associate: Associate) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
                LedgerEntry.account == Account.ASSOCIATE,
                LedgerEntry.associate_id == associate.id,
            )
        )
    )


def record_payout(actor: User, associate_id: int, amount: int | None, reference: str) -> None:
    """The hub paid an associate's held balance by bank transfer."""
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins record payouts")
    associate = lock_row(Associate, associate_id)
    if associate is None:
        raise NotFound("No such associate")
    held = associate_balance(associate)
    if amount is None or amount <= 0:
        raise ConsultancyError("Enter an amount of at least 1p", "amount")
    if amount > held:
        raise ConsultancyError(
            f"{associate.name} is owed {format_pence(held)}: pay out at most that", "amount"
        )
    count = db.session.scalar(select(func.count(LedgerEntry.id))) or 0
    _book(
        Account.ASSOCIATE,
        EntryKind.PAYOUT,
        -amount,
        f"payout:{associate.id}:{count + 1}:{reference[:80]}",
        f"Paid out by the hub{': ' + reference if reference else ''}",
        associate_id=associate.id,
    )
    record("consultancy.payout", f"Paid {format_pence(amount)} to {associate.name}")


def ledger(limit: int = 200) -> list[tuple[LedgerEntry, Associate | None]]:
    rows = db.session.execute(
        select(LedgerEntry, Associate)
        .outerjoin(Associate, Associate.id == LedgerEntry.associate_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    ).all()
    return [(e, a) for e, a in rows]


def account_total(account: Account) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
                LedgerEntry.account == account
            )
        )
    )


def milestone_paid(milestone: Milestone) -> bool:
    return milestone.accepted_at is not None
