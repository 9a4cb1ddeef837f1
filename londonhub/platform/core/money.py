"""Money is integer pence in GBP; this formats it for people."""

from __future__ import annotations


def format_pence(pence: int) -> str:
    """1234 -> '£12.34'; -5 -> '-£0.05'."""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"
