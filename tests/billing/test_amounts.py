"""Amounts typed in pounds become exact pence, and anything else is a message for the person
(never an exception that would answer 500)."""

from __future__ import annotations

import pytest

from londonhub.billing.forms import MAX_PENCE, parse_pounds


@pytest.mark.parametrize(
    ("typed", "pence"), [("12.50", 1250), ("£12.5", 1250), ("12", 1200), ("1,234.56", 123456)]
)
def test_pounds_become_exact_pence(typed: str, pence: int) -> None:
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize(
    "typed", ["Infinity", "-Infinity", "NaN", "sNaN", "1e999", "1e-999", "", "twelve", "0", "-5"]
)
def test_what_is_not_an_amount_is_refused_with_a_message(typed: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_pounds(typed)
    assert str(refused.value).startswith("Enter") or "too large" in str(refused.value)


def test_an_amount_over_the_limit_is_too_large() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_pounds(str(MAX_PENCE))
