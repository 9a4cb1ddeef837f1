"""Enquiries, quotes and engagements, by person: a client sees only their own, an associate
only those addressed to them, hub admins all. Every read names the person in its WHERE.

Quotes are versions: revising makes a new row and marks the old one revised; an accepted
quote is never changed (its price is copied into the engagement). Accepting locks the quote's
row, so two clicks (or a revision racing an acceptance) cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.timeutil import london_today, utcnow

from .associates import ConsultancyError, NotAllowed, NotFound
from .enquiries import get_enquiry
from .models import (
    Associate,
    Engagement,
    EngagementKind,
    EngagementStatus,
    Enquiry,
    EnquiryStatus,
    Milestone,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from .scope import lock_row, mine

MAX_LINES = 20


# --- quotes ------------------------------------------------------------------------------------


@dataclass
class LineDraft:
    description: str
    unit_pence: int | None
    days: int | None = None  # None: a fixed item

    @property
    def amount_pence(self) -> int:
        return (self.unit_pence or 0) * (self.days or 1)


@dataclass
class QuoteDraft:
    lines: list[LineDraft]
    deposit_percent: int | None
    expires_on: date | None
    expenses_policy: str = ""
    terms: str = ""
    kind: str = "project"


def _check_quote(draft: QuoteDraft) -> list[LineDraft]:
    lines = [line for line in draft.lines if line.description.strip() or line.unit_pence]
    if not lines:
        raise ConsultancyError("Add at least one line: days at your rate, or a fixed item", "lines")
    if len(lines) > MAX_LINES:
        raise ConsultancyError(f"A quote can have at most {MAX_LINES} lines", "lines")
    for number, line in enumerate(lines, start=1):
        if not line.description.strip():
            raise ConsultancyError(f"Line {number}: say what the line is for", "lines")
        if line.unit_pence is None or line.unit_pence <= 0:
            raise ConsultancyError(f"Line {number}: enter a price of more than £0", "lines")
        if line.days is not None and line.days <= 0:
            raise ConsultancyError(f"Line {number}: enter at least 1 day", "lines")
        if line.amount_pence > 10_000_000:
            raise ConsultancyError(f"Line {number}: at most £100,000 a line", "lines")
    if draft.deposit_percent is None or not 0 <= draft.deposit_percent <= 100:
        raise ConsultancyError("Enter a deposit from 0 to 100 percent", "deposit_percent")
    if draft.expires_on is None or draft.expires_on <= london_today():
        raise ConsultancyError("Choose an expiry date after today", "expires_on")
    if draft.kind not in (EngagementKind.PROJECT, EngagementKind.INTERIM):
        raise ConsultancyError("Choose the kind of work", "kind")
    return lines


def _quotable(user: User, enquiry: Enquiry) -> Associate:
    associate = db.session.get(Associate, enquiry.associate_id) if enquiry.associate_id else None
    if associate is None:
        raise ConsultancyError("The hub must first match this enquiry with an associate")
    if associate.user_id != user.id and not user.is_hub_admin:
        raise NotAllowed("Only the associate (or the hub) can quote for this enquiry")
    return associate


def _write_quote(user: User, enquiry: Enquiry, associate: Associate, draft, version) -> Quote:
    lines = _check_quote(draft)
    quote = Quote(
        enquiry_id=enquiry.id,
        associate_id=associate.id,
        version=version,
        status=QuoteStatus.SENT,
        kind=draft.kind,
        expenses_policy=draft.expenses_policy.strip()[:600],
        deposit_percent=draft.deposit_percent,
        terms=draft.terms.strip()[:10_000],
        expires_on=draft.expires_on,
        total_pence=sum(line.amount_pence for line in lines),
        created_by_id=user.id,
    )
    db.session.add(quote)
    db.session.flush()
    for line in lines:
        db.session.add(
            QuoteLine(
                quote_id=quote.id,
                description=line.description.strip()[:300],
                days=line.days,
                unit_pence=line.unit_pence,
                amount_pence=line.amount_pence,
            )
        )
    enquiry.status = EnquiryStatus.QUOTED
    db.session.flush()
    return quote


def create_quote(user: User, enquiry_id: int, draft: QuoteDraft) -> Quote:
    enquiry = get_enquiry(user, enquiry_id)
    associate = _quotable(user, enquiry)
    lock_row(Enquiry, enquiry.id)
    live = db.session.scalar(
        select(Quote.id).where(
            Quote.enquiry_id == enquiry.id,
            Quote.status.in_([QuoteStatus.SENT, QuoteStatus.ACCEPTED]),
        )
    )
    if live is not None:
        raise ConsultancyError("This enquiry has a quote already: revise that one instead")
    latest = db.session.scalar(
        select(Quote.version)
        .where(Quote.enquiry_id == enquiry.id)
        .order_by(Quote.version.desc())
        .limit(1)
    )
    return _write_quote(user, enquiry, associate, draft, (latest or 0) + 1)


def revise_quote(user: User, quote_id: int, draft: QuoteDraft) -> Quote:
    """A new version replacing a sent one; an accepted quote's price never changes."""
    quote = get_quote(user, quote_id)
    enquiry = db.session.get(Enquiry, quote.enquiry_id)
    associate = _quotable(user, enquiry)
    quote = lock_row(Quote, quote.id)
    if quote.status == QuoteStatus.ACCEPTED:
        raise ConsultancyError("This quote has been accepted: its price cannot change")
    if quote.status != QuoteStatus.SENT:
        raise ConsultancyError(f"This quote is {quote.status.value}: only a sent quote is revised")
    _check_quote(draft)
    quote.status = QuoteStatus.REVISED
    quote.decided_at = utcnow()
    db.session.flush()
    return _write_quote(user, enquiry, associate, draft, quote.version + 1)


def get_quote(user: User, quote_id: int) -> Quote:
    quote = db.session.scalar(
        select(Quote)
        .join(Enquiry, Enquiry.id == Quote.enquiry_id)
        .where(Quote.id == quote_id, mine(user, Enquiry.client_user_id, Quote.associate_id))
    )
    if quote is None:
        raise NotFound("No such quote")
    return quote


def quote_lines(quote: Quote) -> list[QuoteLine]:
    return list(
        db.session.scalars(
            select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(QuoteLine.id)
        )
    )


def quotes_of(user: User, enquiry: Enquiry) -> list[Quote]:
    return list(
        db.session.scalars(
            select(Quote)
            .join(Enquiry, Enquiry.id == Quote.enquiry_id)
            .where(
                Quote.enquiry_id == enquiry.id,
                mine(user, Enquiry.client_user_id, Quote.associate_id),
            )
            .order_by(Quote.version.desc())
        )
    )


def _client_quote(user: User, quote_id: int) -> Quote:
    quote = get_quote(user, quote_id)
    enquiry = db.session.get(Enquiry, quote.enquiry_id)
    if enquiry.client_user_id != user.id:
        raise NotAllowed("Only the client who asked can accept or decline this quote")
    return lock_row(Quote, quote.id)


def _refuse_unless_open(quote: Quote) -> None:
    if quote.status == QuoteStatus.SENT and quote.expires_on < london_today():
        quote.status = QuoteStatus.EXPIRED
        db.session.flush()
    if quote.status != QuoteStatus.SENT:
        why = {
            QuoteStatus.ACCEPTED: "You have already accepted this quote",
            QuoteStatus.DECLINED: "You declined this quote",
            QuoteStatus.REVISED: "This quote has been replaced by a newer version: see that one",
            QuoteStatus.EXPIRED: "This quote has expired: ask for a new one",
        }[quote.status]
        raise ConsultancyError(why)


def accept_quote(user: User, quote_id: int) -> Engagement:
    """The client accepts: an engagement at the quote's price (deposit to pay next)."""
    quote = _client_quote(user, quote_id)
    _refuse_unless_open(quote)
    quote.status = QuoteStatus.ACCEPTED
    quote.decided_at = utcnow()
    enquiry = db.session.get(Enquiry, quote.enquiry_id)
    enquiry.status = EnquiryStatus.ENGAGED
    deposit = quote.deposit_pence
    engagement = Engagement(
        quote_id=quote.id,
        enquiry_id=enquiry.id,
        associate_id=quote.associate_id,
        client_user_id=user.id,
        kind=EngagementKind(quote.kind),
        status=EngagementStatus.AWAITING_DEPOSIT if deposit else EngagementStatus.ACTIVE,
        total_pence=quote.total_pence,
        deposit_pence=deposit,
        subsidy_pence=0,
    )
    db.session.add(engagement)
    db.session.flush()
    return engagement


def decline_quote(user: User, quote_id: int) -> Quote:
    quote = _client_quote(user, quote_id)
    _refuse_unless_open(quote)
    quote.status = QuoteStatus.DECLINED
    quote.decided_at = utcnow()
    db.session.get(Enquiry, quote.enquiry_id).status = EnquiryStatus.OPEN
    db.session.flush()
    return quote


def expire_quotes(today: date | None = None) -> int:
    """The expiry job: sent quotes past their date become expired."""
    result = db.session.execute(
        update(Quote)
        .where(Quote.status == QuoteStatus.SENT, Quote.expires_on < (today or london_today()))
        .values(status=QuoteStatus.EXPIRED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- engagements -------------------------------------------------------------------------------


def get_engagement(user: User, engagement_id: int) -> Engagement:
    engagement = db.session.scalar(
        select(Engagement).where(
            Engagement.id == engagement_id,
            mine(user, Engagement.client_user_id, Engagement.associate_id),
        )
    )
    if engagement is None:
        raise NotFound("No such engagement")
    return engagement


def list_engagements(user: User) -> list[tuple[Engagement, Associate, Enquiry]]:
    rows = db.session.execute(
        select(Engagement, Associate, Enquiry)
        .join(Associate, Associate.id == Engagement.associate_id)
        .join(Enquiry, Enquiry.id == Engagement.enquiry_id)
        .where(mine(user, Engagement.client_user_id, Engagement.associate_id))
        .order_by(Engagement.created_at.desc(), Engagement.id.desc())
        .limit(200)
    ).all()
    return [(e, a, q) for e, a, q in rows]


def _as_associate(user: User, engagement_id: int) -> Engagement:
    engagement = get_engagement(user, engagement_id)
    associate = db.session.get(Associate, engagement.associate_id)
    if associate.user_id != user.id and not user.is_hub_admin:
        raise NotAllowed("Only the associate records milestones")
    return engagement


def _as_client(user: User, engagement_id: int) -> Engagement:
    engagement = get_engagement(user, engagement_id)
    if engagement.client_user_id != user.id:
        raise NotAllowed("Only the client does this")
    return lock_row(Engagement, engagement.id)


def record_milestone(user: User, engagement_id: int, title: str, notes: str = "") -> Milestone:
    engagement = _as_associate(user, engagement_id)
    if engagement.status != EngagementStatus.ACTIVE:
        raise ConsultancyError("Milestones are recorded while the engagement is under way", "title")
    if not title.strip():
        raise ConsultancyError("Say what was delivered", "title")
    milestone = Milestone(
        engagement_id=engagement.id, title=title.strip()[:200], notes=notes.strip()[:5000]
    )
    db.session.add(milestone)
    db.session.flush()
    return milestone


def milestones_of(engagement: Engagement) -> list[Milestone]:
    return list(
        db.session.scalars(
            select(Milestone)
            .where(Milestone.engagement_id == engagement.id)
            .order_by(Milestone.recorded_at, Milestone.id)
        )
    )


def accept_milestone(user: User, engagement_id: int, milestone_id: int) -> Milestone:
    """The client accepts delivered work; the associate is then paid what is held for it
    (money.pay_associate, called by the view's caller in the same transaction)."""
    engagement = _as_client(user, engagement_id)
    milestone = db.session.scalar(
        select(Milestone).where(
            Milestone.id == milestone_id, Milestone.engagement_id == engagement.id
        )
    )
    if milestone is None:
        raise NotFound("No such milestone")
    if milestone.accepted_at is not None:
        raise ConsultancyError("You have already accepted this milestone")
    milestone.accepted_at = utcnow()
    db.session.flush()
    from .money import pay_associate

    pay_associate(engagement, f"milestone-{milestone.id}")
    return milestone


def balance_due(engagement: Engagement) -> bool:
    """The client may pay the balance: work under way, every milestone accepted."""
    if engagement.status != EngagementStatus.ACTIVE or engagement.balance_pence <= 0:
        return False
    rows = milestones_of(engagement)
    return bool(rows) and all(m.accepted_at for m in rows)
