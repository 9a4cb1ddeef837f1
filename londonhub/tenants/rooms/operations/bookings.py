"""Quote, hold and book a room (all dates or none). The buyer's own bookings and their
cancellation are in `cancellations`.

Plain functions: each takes the workspace explicitly, checks permission first when a person
acts, raises a domain error with a message for a person, and flushes; the caller commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from londonhub.billing import services as billing
from londonhub.billing.models import Order
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceStatus,
    tenant_context,
)
from londonhub.platform.core.timeutil import utcnow

from ..models import (
    LAYOUTS,
    Booking,
    BookingKind,
    BookingStatus,
    CustomerType,
    Room,
)
from . import notices
from .conflicts import (
    find_clashes,
    is_exclusion_violation,
    lapse_stale_holds,
    occupying,
    serialise_writes,
)
from .errors import RoomError, SlotTaken
from .holds import check_hold_limits
from .pricing import Quote, quote
from .rates import rate_for
from .rooms import get_public_room, get_room
from .search import taken
from .slots import Slot, check_slot, london

ORDER_KIND = "room_booking"


def check_attendees(room: Room, attendees: int, layout: str) -> None:
    if layout not in LAYOUTS or not room.capacity(layout):
        raise RoomError(f"{room.name} is not offered in that layout", "layout")
    if attendees < 1:
        raise RoomError("Enter how many people are coming", "attendees")
    if attendees > room.capacity(layout):
        raise RoomError(
            f"{room.name} holds at most {room.capacity(layout)} people in the "
            f"{LAYOUTS[layout].lower()} layout",
            "attendees",
        )


def last_bookable_day(workspace: Workspace, now: datetime | None = None) -> date:
    """The last day (London time) the workspace takes bookings for: its booking horizon."""
    return london(now or utcnow()).date() + timedelta(days=workspace.booking_horizon_days)


def check_horizon(workspace: Workspace, slots: list[Slot], now: datetime | None = None) -> None:
    """Refuse dates past how far ahead the workspace takes bookings (issue 10, item 12)."""
    last = last_bookable_day(workspace, now)
    late = [slot for slot in slots if london(slot.starts_at).date() > last]
    if late:
        first = london(late[0].starts_at)
        raise RoomError(
            f"{workspace.name} takes bookings up to {last.day} {last:%B %Y}: "
            f"{first.day} {first:%B %Y} is too far ahead",
            "date" if len(late) == len(slots) else "occurrences",
        )


def hold_minutes() -> int:
    return int(current_app.config.get("ROOM_HOLD_MINUTES", 15))


@dataclass
class BookingRequest:
    slots: list[Slot]
    attendees: int
    layout: str
    organisation_name: str
    #: What the buyer says they are. It never sets the price by itself (see rates.rate_for).
    claimed: CustomerType | None = None


def prepare(
    buyer: User, workspace: Workspace, room_id: int, request: BookingRequest
) -> tuple[Room, Quote]:
    """Check a request against the room and price it at the buyer's own rate; raises
    RoomError naming the field."""
    if workspace.status != WorkspaceStatus.ACTIVE or workspace.is_hub:
        raise RoomError(f"{workspace.name} is not taking bookings at the moment", "date")
    if not request.slots:
        raise RoomError("There are no dates left to book: choose another date", "date")
    room = get_public_room(workspace, room_id)
    check_attendees(room, request.attendees, request.layout)
    for slot in request.slots:
        check_slot(room, slot)
    check_horizon(workspace, request.slots)
    rate = rate_for(buyer, workspace, request.claimed)
    priced = quote(room, request.slots, rate.customer)
    return room, Quote(priced.lines, priced.customer, rate.basis)


@dataclass
class Availability:
    """What a quote shows: the price of the dates that are free, and those that are taken."""

    quote: Quote
    free: list[Slot]
    clashes: list[Slot]


def _held_by(buyer: User, room: Room, slots: list[Slot]) -> list[Slot]:
    """The slots this buyer holds already (unpaid), among those that clash."""
    return [
        slot
        for slot in slots
        if any(
            b.buyer_user_id == buyer.id and b.status == BookingStatus.HELD
            for b in occupying(room, slot.starts_at, slot.ends_at)
        )
    ]


def check_availability(
    buyer: User, workspace: Workspace, room_id: int, request: BookingRequest
) -> Availability:
    """Price only what can be booked now, checked against the room's bookings, holds and
    block-outs (changing nothing). One date that is taken raises SlotTaken with alternatives;
    a series lists its taken dates and prices the rest, or raises when every date is taken."""
    room, priced = prepare(buyer, workspace, room_id, request)
    clashing = set(find_clashes(room, request.slots))
    if not clashing:
        return Availability(priced, list(request.slots), [])
    own = _held_by(buyer, room, [s for s in request.slots if s.starts_at in clashing])
    if own:
        # Back from the order page to this quote: the "clash" is the buyer's own hold.
        raise SlotTaken(
            f"You are already holding {room.name} on "
            f"{', '.join(f'{london(s.starts_at):%d %b %Y}' for s in own)}: pay for it "
            "from your orders",
            sorted(clashing),
            [],
        )
    if len(request.slots) == 1:
        raise taken(room, request.slots, sorted(clashing))
    if len(clashing) == len(request.slots):
        raise SlotTaken(f"{room.name} is taken on every one of those dates", sorted(clashing), [])
    free = [s for s in request.slots if s.starts_at not in clashing]
    rest = quote(room, free, priced.customer)
    return Availability(
        Quote(rest.lines, rest.customer, priced.basis),
        free,
        [s for s in request.slots if s.starts_at in clashing],
    )


def book(
    buyer: User, workspace: Workspace, room_id: int, request: BookingRequest
) -> tuple[Order, list[Booking]]:
    """Hold the slot(s) and open a billing order: all or nothing.

    PostgreSQL: the exclusion constraint refuses an overlapping insert even when two
    requests race; SQLite: the write lock is taken before the check. Either way a lost race
    raises SlotTaken with the clashing dates and alternatives."""
    room, priced = prepare(buyer, workspace, room_id, request)
    if priced.total_pence:  # a free booking is confirmed at once: it holds nothing
        check_hold_limits(buyer, request.organisation_name, len(request.slots))
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        serialise_writes(room)
    lapse_stale_holds(room, request.slots)
    clashes = find_clashes(room, request.slots)
    if clashes:
        raise taken(room, request.slots, clashes)
    reference = uuid.uuid4().hex
    hold_until = utcnow() + timedelta(minutes=hold_minutes())
    buffer = timedelta(minutes=room.buffer_minutes)
    bookings = []
    claimed = (
        request.claimed.value
        if request.claimed is not None and request.claimed != priced.customer
        else None
    )
    # No savepoint: core's RLS hook re-sets the workspace before ROLLBACK TO SAVEPOINT, which
    # PostgreSQL refuses in a failed transaction. A lost race rolls the whole request back.
    try:
        with tenant_context(workspace.id):
            for slot, line in zip(request.slots, priced.lines, strict=True):
                booking = Booking(
                    room_id=room.id,
                    kind=BookingKind.BOOKING,
                    status=BookingStatus.HELD,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    blocked_from=slot.starts_at - buffer,
                    blocked_until=slot.ends_at + buffer,
                    reference=reference,
                    attendees=request.attendees,
                    layout=request.layout,
                    buyer_user_id=buyer.id,
                    organisation_name=request.organisation_name,
                    organisation_type=priced.customer.value,
                    claimed_type=claimed,
                    rate_basis=priced.basis[:300],
                    price_pence=line.pence,
                    hold_until=hold_until,
                )
                db.session.add(booking)
                bookings.append(booking)
            db.session.flush()
    except IntegrityError as exc:
        if not is_exclusion_violation(exc):
            raise
        db.session.rollback()
        room = get_room(workspace, room_id)
        raise taken(room, request.slots, find_clashes(room, request.slots)) from exc
    first = request.slots[0]
    description = f"{room.name} at {room.venue_name}, {first.describe()}"
    if len(request.slots) > 1:
        description += f" and {len(request.slots) - 1} more date(s)"
    order = billing.create_order(
        workspace,
        kind=ORDER_KIND,
        fulfilment_ref=reference,
        lines=[billing.Line(line.description, line.pence) for line in priced.lines],
        buyer=buyer,
        description=description,
        organisation=request.organisation_name,
        organisation_type=priced.customer.value,
        expires_at=hold_until,
        # Invoice mode: payment falls due before the first date, if that is sooner.
        due_before=min(slot.starts_at for slot in request.slots),
    )
    with tenant_context(workspace.id):
        for booking in bookings:
            booking.order_id = order.id
        db.session.flush()
    notices.booked(workspace, room, buyer, bookings, held=bool(priced.total_pence))
    record(
        "rooms.held",
        f"Held {room.name} for {buyer.email}: {description}",
        workspace=workspace,
        actor=buyer,
        order_id=order.id,
    )
    return order, bookings
