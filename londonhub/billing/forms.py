"""Billing forms. Amounts are typed in pounds and stored in pence."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .models import PaymentMethod

MAX_PENCE = 10_000_000_00  # ten million pounds: anything above is a typing mistake


def parse_pounds(text: str) -> int:
    """'12.50', '£12.5' or '12' -> pence; ValueError with a message for a person."""
    cleaned = (text or "").strip().replace("£", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("Enter an amount in pounds, like 12.50") from exc
    # Decimal also reads "Infinity", "NaN" and "1e999", which quantize() cannot take.
    if not amount.is_finite():
        raise ValueError("Enter an amount in pounds, like 12.50")
    if amount * 100 > MAX_PENCE:
        raise ValueError("That amount is too large")
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


class InvoiceSettingsForm(FlaskForm):
    """What a seller's invoices say, and when they fall due."""

    address = TextAreaField(
        "Address printed on your invoices",
        validators=[
            DataRequired("Enter the address to print on your invoices"),
            Length(max=1000, message="Keep the address to 1,000 characters"),
        ],
    )
    vat_registered = BooleanField("We are registered for VAT")
    vat_number = StringField(
        "VAT number",
        validators=[Optional(), Length(max=20, message="Keep the VAT number to 20 characters")],
    )
    vat_rate_percent = SelectField(
        "VAT rate included in your prices",
        choices=[
            SelectChoice("20", "20% (standard)"),
            SelectChoice("5", "5% (reduced)"),
            SelectChoice("0", "0% (zero-rated)"),
        ],
        default="20",
        coerce=int,
    )
    payment_instructions = TextAreaField(
        "How to pay",
        validators=[
            DataRequired("Say how to pay: for example your bank's sort code and account number"),
            Length(max=2000, message="Keep the instructions to 2,000 characters"),
        ],
    )
    due_days = IntegerField(
        "Days to pay",
        validators=[
            InputRequired("Enter the number of days buyers have to pay"),
            NumberRange(1, 90, "Give between 1 and 90 days to pay"),
        ],
    )
    reminder_days = IntegerField(
        "Remind the buyer this many days before the due date",
        validators=[
            InputRequired("Enter how many days before the due date to remind (0 for none)"),
            NumberRange(0, 30, "Remind between 0 and 30 days before the due date"),
        ],
    )


class ExtendForm(FlaskForm):
    due_on = DateField(
        "New due date", validators=[InputRequired("Enter the new due date, like 2026-12-31")]
    )
