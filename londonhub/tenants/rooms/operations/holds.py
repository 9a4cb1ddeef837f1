"""Limits on unpaid holds, so one account (or one organisation) cannot block rooms across
London by holding many dates and holding them again whenever they lapse.

A hold counts while it is waiting for payment (held, not lapsed), in every workspace. The
limits are settings: ROOM_MAX_HELD_DATES_PER_PERSON and ROOM_MAX_HELD_DATES_PER_ORGANISATION.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, or_, select, text

from londonhub.integrations.oidc.models import PartnerMembership
from londonhub.integrations.oidc.services import partner_of
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import hub_scope
from londonhub.platform.core.timeutil import utcnow

from ..models import Booking, BookingKind, BookingStatus
from .errors import RoomError

PER_PERSON = 12
PER_ORGANISATION = 24


def limits() -> tuple[int, int]:
    """(dates one person may hold at once, dates one organisation may hold at once)."""
    config = current_app.config
    return (
        int(config.get("ROOM_MAX_HELD_DATES_PER_PERSON", PER_PERSON)),
        int(config.get("ROOM_MAX_HELD_DATES_PER_ORGANISATION", PER_ORGANISATION)),
    )


def organisation_key(name: str) -> str:
    """The name as compared between holds: case and spacing do not make another organisation."""
    return " ".join((name or "").split()).lower()


def _serialise_per_person(user: User) -> None:
    """PostgreSQL: one person's bookings are checked and held one after another (a burst of
    requests cannot all pass the count). SQLite serialises every write already."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('room-holds'), CAST(:id AS integer))"),
            {"id": user.id % 2_000_000_000},
        )


def check_hold_limits(user: User, organisation_name: str, dates: int) -> None:
    """Refuse a request that would take the person or their organisation over its limit of
    unpaid holds; raises RoomError on the date (or repeat) field with what to do instead."""
    per_person, per_organisation = limits()
    field = "occurrences" if dates > 1 else "date"
    _serialise_per_person(user)
    partner = partner_of(user)
    now = utcnow()
    live = (
        Booking.kind == BookingKind.BOOKING,
        Booking.status == BookingStatus.HELD,
        # Provisionally confirmed on an invoice (no end) counts too: it is still unpaid.
        or_(Booking.hold_until.is_(None), Booking.hold_until > now),
    )
    same_organisation = [
        func.lower(func.trim(Booking.organisation_name)) == organisation_key(organisation_name)
    ]
    if partner is not None:
        same_organisation.append(
            Booking.buyer_user_id.in_(
                select(PartnerMembership.user_id).where(PartnerMembership.partner_id == partner.id)
            )
        )
    with hub_scope("unpaid holds counted against their limits", audit=False):
        mine = db.session.scalar(
            select(func.count(Booking.id)).where(*live, Booking.buyer_user_id == user.id)
        )
        theirs = db.session.scalar(
            select(func.count(Booking.id)).where(*live, or_(*same_organisation))
        )
    if mine + dates > per_person:
        raise RoomError(
            f"You can hold at most {per_person} dates at a time without paying, and you are "
            f"holding {mine}. Pay for or let go of your held bookings, or book fewer dates.",
            field,
        )
    if theirs + dates > per_organisation:
        raise RoomError(
            f"{organisation_name} can hold at most {per_organisation} dates at a time without "
            f"paying, and is holding {theirs}. Pay for the held bookings first, or book fewer "
            "dates.",
            field,
        )
