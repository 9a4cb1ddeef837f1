"""Consultancy forms. Amounts are typed in pounds (billing's parser) and kept in pence; checks
that need the domain (taxonomy, quote rules) live in the services, whose messages come back
onto the right field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
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

from londonhub.billing.forms import parse_pounds
from londonhub.platform.core.forms import (
    MultiCheckboxField,
    choices,
    email_field,
    phone_field,
    strip,
)

from .lifeboat import URGENCY
from .models import (
    BOROUGHS,
    EXPERTISE,
    INCOME_BANDS,
    RATE_BANDS,
    Availability,
    LifeboatSituation,
)

SITUATIONS = {
    "cash_flow": "We are running out of money (cash-flow crisis)",
    "key_staff": "We have lost key staff or volunteers",
    "governance": "Our board or governance has broken down",
    "closure": "We may have to close",
    "other": "Something else",
}
AVAILABILITY = {
    Availability.AVAILABLE.value: "Available for new work",
    Availability.LIMITED.value: "Some days free",
    Availability.BOOKED.value: "Fully booked for now",
}


def pence_of(text: str | None, *, required: bool = True) -> int | None:
    """Pounds typed by a person -> pence, or ValidationError with the parser's message."""
    if not (text or "").strip():
        if required:
            raise ValidationError("Enter an amount in pounds, like 450")
        return None
    if not required and text.strip().lstrip("£") in ("0", "0.0", "0.00"):
        return 0
    try:
        return parse_pounds(text)
    except (ValueError, ArithmeticError) as exc:
        message = str(exc) if isinstance(exc, ValueError) and str(exc) else None
        raise ValidationError(message or "Enter an amount in pounds, like 450") from exc


def pounds(label: str, *, required: bool = True) -> StringField:
    def validate(form: FlaskForm, field: StringField) -> None:
        field.pence = pence_of(field.data, required=required)

    return StringField(label, filters=[strip], validators=[validate])


def _text(label: str, limit: int, required: str | None = None) -> StringField:
    checks = [Length(max=limit, message=f"Keep this to {limit} characters or fewer")]
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(required), *checks] if required else [Optional(), *checks],
    )


def _area(label: str, limit: int, required: str | None = None) -> TextAreaField:
    checks = [Length(max=limit, message=f"Keep this to {limit:,} characters or fewer")]
    return TextAreaField(
        label,
        filters=[strip],
        validators=[DataRequired(required), *checks] if required else [Optional(), *checks],
    )


def _optional_choice(pairs, blank: str) -> list:
    return choices([("", blank), *pairs])


class ProfileForm(FlaskForm):
    name = _text("Your name, as clients will see it", 200, "Enter your name")
    headline = _text("What you do, in one line", 200, "Enter a one-line summary of what you do")
    bio = _area("About you and your work", 10_000)
    expertise = MultiCheckboxField(
        "Areas of expertise", choices=choices(EXPERTISE.items()), validate_choice=False
    )
    boroughs = MultiCheckboxField(
        "Boroughs you work in", choices=choices(BOROUGHS.items()), validate_choice=False
    )
    languages = _text("Languages you work in", 300)
    day_rate = pounds("Your day rate (£)")
    availability = RadioField(
        "Availability", choices=choices(AVAILABILITY.items()), default="available"
    )
    references = _area("References: names and contact details of two referees", 5000)
    photo = FileField("Photo (PNG or JPEG)")
    photo_alt = _text("Describe your photo for people who cannot see it", 300)


class OfferForm(FlaskForm):
    title = _text("Title", 200, "Give the offer a title")
    summary = _area("What the client gets", 5000)
    price = pounds("Fixed price (£)")
    days = IntegerField(
        "Days of work",
        validators=[
            InputRequired("Enter how many days the work takes"),
            NumberRange(1, 100, "Enter from 1 to 100 days"),
        ],
    )


class EnquiryForm(FlaskForm):
    organisation = _text("Your organisation", 200, "Enter the name of your organisation")
    borough = SelectField(
        "Borough", choices=_optional_choice(BOROUGHS.items(), "Choose a borough"), default=""
    )
    income_band = SelectField(
        "Annual income",
        choices=_optional_choice(INCOME_BANDS.items(), "Choose a band"),
        default="",
    )
    needs = _area("What you need help with", 10_000, "Tell us what you need help with")
    budget = pounds("Budget (£, optional)", required=False)
    timescale = _text("Timescale", 200)


class LineForm(Form):
    description = _text("Description", 300)
    days = IntegerField(
        "Days (empty for a fixed item)",
        validators=[Optional(), NumberRange(1, 365, "Enter from 1 to 365 days")],
    )
    price = StringField("Day rate or price (£)", filters=[strip])


class QuoteForm(FlaskForm):
    kind = SelectField(
        "Kind of work",
        choices=choices([("project", "Project"), ("interim", "Interim management (weekly)")]),
    )
    lines = FieldList(FormField(LineForm), min_entries=4, max_entries=20)
    expenses_policy = _area("Expenses policy", 600)
    deposit_percent = IntegerField(
        "Deposit (% of the total)", validators=[InputRequired("Enter a deposit percentage")]
    )
    terms = _area("Terms", 10_000)
    expires_on = DateField("Quote expires on", validators=[InputRequired("Enter a date")])


class MilestoneForm(FlaskForm):
    title = _text("What was delivered", 200, "Say what was delivered")
    notes = _area("Notes", 5000)


class WeekForm(FlaskForm):
    week_starting = DateField("Week starting (Monday)", validators=[InputRequired("Enter a date")])
    half_days = IntegerField(
        "Half days worked", validators=[InputRequired("Enter the half days worked")]
    )
    notes = _area("What you did", 600)


class ReviewForm(FlaskForm):
    rating = RadioField(
        "Rating",
        choices=choices([(str(n), f"{n} out of 5") for n in range(5, 0, -1)]),
        validators=[InputRequired("Choose a rating from 1 to 5")],
    )
    text = _area("Your review", 5000, "Write a few words about the work")


class LifeboatForm(FlaskForm):
    organisation = _text("Name of your organisation", 200, "Tell us your organisation's name")
    contact_name = _text("Your name", 200, "Tell us your name")
    contact_email = email_field("Your email address")
    contact_phone = phone_field("Phone number (optional)")
    borough = SelectField(
        "Borough where you work",
        choices=_optional_choice(BOROUGHS.items(), "Choose a borough"),
        default="",
    )
    situation = RadioField(
        "What is happening?",
        choices=choices(SITUATIONS.items()),
        validators=[InputRequired("Choose what is happening")],
    )
    details = _area("Tell us in your own words", 10_000, "Tell us what is happening")


class DirectoryForm(FlaskForm):
    class Meta:
        csrf = False

    q = _text("Keyword", 200)
    expertise = SelectField(
        "Expertise", choices=_optional_choice(EXPERTISE.items(), "Any expertise"), default=""
    )
    borough = SelectField(
        "Borough", choices=_optional_choice(BOROUGHS.items(), "Any borough"), default=""
    )
    rate = SelectField(
        "Day rate",
        choices=_optional_choice(((k, v[0]) for k, v in RATE_BANDS.items()), "Any day rate"),
        default="",
    )
    available = BooleanField("Taking work now")


class AmountForm(FlaskForm):
    amount = pounds("Amount (£)")
    reference = _text("Reference", 100)


class CommissionForm(FlaskForm):
    commission_percent = IntegerField(
        "Hub commission (%)", validators=[InputRequired("Enter a percentage")]
    )


class AssignForm(FlaskForm):
    associate_id = SelectField("Associate", coerce=int, validate_choice=False)


class TriageForm(FlaskForm):
    urgency = SelectField(
        "Urgency",
        coerce=int,
        choices=choices(sorted(URGENCY.items(), reverse=True)),
        validate_choice=False,
    )
    notes = _area("What is needed", 10_000)
    subsidy = pounds("Help from the subsidy pot (£, optional)", required=False)


class PlanForm(FlaskForm):
    plan = _area("Transfer plan: which services go to which organisations", 20_000)


SITUATION_LABELS = {LifeboatSituation(k): v for k, v in SITUATIONS.items()}
