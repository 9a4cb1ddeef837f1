"""The subsidy pot: a ledger account topped up by hub admins and drawn on by approved discounts
for small groups (annual income under £100,000). Never overdrawn: every draw and top-up takes
one lock first (a PostgreSQL advisory lock; SQLite's write lock), then checks the balance."""

from __future__ import annotations

from sqlalchemy import func, select, text, update

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.timeutil import utcnow

from .associates import ConsultancyError, NotAllowed, NotFound
from .models import SUBSIDY_BANDS, Account, Engagement, Enquiry, EntryKind, LedgerEntry
from .money import _book, _book_payment, account_total
from .scope import lock_row

#: Serialises every draw on and top-up of the subsidy pot (PostgreSQL advisory lock key).
POT_LOCK = 1_400_014


def _lock_pot() -> None:
    """One draw or top-up at a time, so two draws cannot both pass the balance check."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POT_LOCK})
    else:  # SQLite: take the write lock before reading
        db.session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.id == -1)
            .values(amount_pence=LedgerEntry.amount_pence)
            .execution_options(synchronize_session=False)
        )


def top_up_pot(actor: User, amount: int | None, reference: str) -> None:
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins top up the subsidy pot")
    if amount is None or amount <= 0:
        raise ConsultancyError("Enter an amount of at least 1p", "amount")
    _lock_pot()
    count = db.session.scalar(select(func.count(LedgerEntry.id))) or 0
    _book(
        Account.SUBSIDY_POT,
        EntryKind.TOP_UP,
        amount,
        f"top-up:{count + 1}:{utcnow().isoformat()}",
        f"Topped up by the hub{': ' + reference if reference else ''}",
    )
    record("consultancy.pot_top_up", f"Topped up the subsidy pot by {format_pence(amount)}")


def approve_subsidy(actor: User, engagement_id: int, amount: int | None) -> Engagement:
    """A discount for a small group, paid from the pot: never more than the pot holds, and
    only before the client has paid anything."""
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins approve discounts")
    engagement = lock_row(Engagement, engagement_id)
    if engagement is None:
        raise NotFound("No such engagement")
    enquiry = db.session.get(Enquiry, engagement.enquiry_id)
    if enquiry.income_band not in SUBSIDY_BANDS:
        raise ConsultancyError(
            "Discounts are for small groups (annual income under £100,000)", "amount"
        )
    if engagement.deposit_paid_at or engagement.subsidy_pence:
        raise ConsultancyError("A discount is agreed before anything is paid, once", "amount")
    if amount is None or amount <= 0:
        raise ConsultancyError("Enter a discount of at least 1p", "amount")
    if amount > engagement.total_pence - engagement.deposit_pence:
        raise ConsultancyError("The discount cannot be more than the balance", "amount")
    _lock_pot()
    available = account_total(Account.SUBSIDY_POT)
    if amount > available:
        raise ConsultancyError(
            f"The subsidy pot holds {format_pence(available)}: top it up first", "amount"
        )
    source = f"subsidy:{engagement.id}"
    _book(
        Account.SUBSIDY_POT,
        EntryKind.DRAW,
        -amount,
        source,
        f"Discount for engagement {engagement.id}",
        engagement_id=engagement.id,
    )
    engagement.subsidy_pence = amount
    _book_payment(engagement, amount, source, f"Subsidy for engagement {engagement.id}")
    db.session.flush()
    return engagement
