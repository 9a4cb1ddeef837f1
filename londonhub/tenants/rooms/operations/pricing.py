"""What a booking costs: the price on the server, in integer pence, never from the form.

Its own module so search (the total for a searched window) and booking share one sum."""

from __future__ import annotations

from dataclasses import dataclass

from londonhub.platform.core.money import format_pence

from ..models import CustomerType, Room
from .slots import Slot, duration


@dataclass(frozen=True)
class QuoteLine:
    description: str
    pence: int


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    customer: CustomerType
    #: Why this rate: shown to the buyer on the quote and kept on the booking for staff.
    basis: str = ""

    @property
    def total_pence(self) -> int:
        return sum(line.pence for line in self.lines)


def quote(room: Room, slots: list[Slot], customer: CustomerType) -> Quote:
    """The price on the server, in pence: hourly by the minute (rounded up to the penny),
    capped at the day rate when there is one."""
    hourly, day_rate = room.hourly_pence(customer), room.day_pence(customer)
    lines = []
    for slot in slots:
        by_time = -(-hourly * slot.minutes // 60)
        if day_rate is not None and day_rate < by_time:
            text, pence = f"{slot.describe()}: day rate", day_rate
        else:
            text = f"{slot.describe()}: {duration(slot.minutes)} at {format_pence(hourly)} an hour"
            pence = by_time
        lines.append(QuoteLine(f"{room.name}, {text}", pence))
    return Quote(lines, customer)


def price_of(room: Room, slots: list[Slot], customer: CustomerType) -> int:
    """The total of `quote`, in pence."""
    return quote(room, slots, customer).total_pence
