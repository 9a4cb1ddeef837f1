"""Billing forms. Amounts are typed in pounds and stored in pence."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from .models import PaymentMethod

MAX_PENCE = 10_000_000_00  # ten million pounds: anything above is a typing mistake


def parse_pounds(text: str) -> int:
    """'12.50', '£12.5' or '12' -> pence; ValueError with a message for a person."""
    cleaned = (text or "").strip().replace("£", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("Enter an amount in pounds, like 12.50") from exc
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Enter an amount with no more than 2 decimal places")
    pence = int(amount * 100)
    if pence <= 0:
        raise ValueError("Enter an amount of at least £0.01")
    if pence > MAX_PENCE:
        raise ValueError("That amount is too large")
    return pence


def pounds_field(label: str) -> StringField:
    def validate(form: FlaskForm, field: StringField) -> None:
        try:
            field.pence = parse_pounds(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    return StringField(label, validators=[DataRequired("Enter an amount in pounds"), validate])


class RefundForm(FlaskForm):
    amount = pounds_field("Amount to refund (£)")
    reason = StringField(
        "Reason", validators=[Length(max=300, message="Keep the reason to 300 characters")]
    )


class MarkPaidForm(FlaskForm):
    """What the hub needs to find the money: how it was paid, its reference, and when."""

    method = SelectField(
        "How was it paid?",
        choices=[SelectChoice(m.value, m.label) for m in PaymentMethod],
        default=PaymentMethod.BANK_TRANSFER.value,
        validators=[InputRequired("Choose how the order was paid")],
    )
    reference = StringField(
        "Payment reference",
        validators=[
            DataRequired("Enter the payment reference, so the hub can find the money"),
            Length(max=100, message="Keep the reference to 100 characters"),
        ],
    )
    received_on = DateField(
        "Date the money arrived",
        validators=[InputRequired("Enter the date the money arrived, like 2026-12-01")],
    )


class PayoutForm(FlaskForm):
    amount = pounds_field("Amount paid out (£)")
    reference = StringField(
        "Bank reference",
        validators=[Length(max=100, message="Keep the reference to 100 characters")],
    )
