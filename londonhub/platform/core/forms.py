"""Sign-in and account forms. Every message says what to fix."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    URLField,
    widgets,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from .identity import MIN_PASSWORD_LENGTH

COMMON_PASSWORDS = {"password1234", "123456789012", "qwertyuiopas", "london123456"}


class PoundsField(StringField):
    """Money typed in pounds ('12.50', '£12', '') and kept as integer pence in `.pence`."""

    def __init__(self, *args, required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        self.pence: int | None = None

    def process_data(self, value) -> None:
        self.pence = value
        self.data = "" if value is None else f"{value / 100:.2f}"

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip().replace("£", "").replace(",", "")
        if not text:
            if self.required:
                raise ValidationError(f"Enter {self.label.text.lower()} in pounds, or 0 if free")
            self.pence = None
            return
        try:
            pounds, _, pennies = text.partition(".")
            if not pounds.isdigit() and pounds != "":
                raise ValueError
            if pennies and (not pennies.isdigit() or len(pennies) > 2):
                raise ValueError
            self.pence = int(pounds or 0) * 100 + int((pennies or "0").ljust(2, "0"))
        except ValueError:
            raise ValidationError(
                f"{self.label.text} must be an amount in pounds, like 25 or 12.50"
            ) from None
        if self.pence > 10_000_000:
            raise ValidationError(f"{self.label.text} must be £100,000 or less")


def strong_password(form: FlaskForm, field: StringField) -> None:
    value = field.data or ""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > 200:
        raise ValidationError("Password must be 200 characters or fewer")
    if value.lower() in COMMON_PASSWORDS or len(set(value)) < 5:
        raise ValidationError("Choose a less common password")


#: A UK postcode, with or without its space (stored upper-case).
POSTCODE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


#: A field filter dropping the spaces people paste around values.
strip = _strip


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_email_field(label: str = "Contact email") -> EmailField:
    """An email address that may be left empty."""
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address like hello@example.org", check_deliverability=False),
        ],
    )


def phone_field(label: str = "Contact phone") -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(r"^[0-9 +()-]{6,40}$", message="Enter a phone number, like 020 7946 0000"),
        ],
    )


def website_field(label: str = "Website") -> URLField:
    """A web address shown as a link: http(s) only, so it can never run script."""
    return URLField(
        label,
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=300, message="Website address must be 300 characters or fewer"),
            URL(require_tld=True, message="Enter a full web address, like https://example.org"),
            Regexp(r"^https?://", message="The web address must start with https:// or http://"),
        ],
    )


def postcode_field(label: str = "Postcode", *, required: str | None = None) -> StringField:
    """A UK postcode; `required` is the message when it is missing (None: optional)."""
    return StringField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(required) if required else Optional(),
            Regexp(POSTCODE, message="Enter a real postcode, like E8 1DY"),
        ],
    )


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        # Pasted addresses often carry spaces; they are never part of the address.
        filters=[_strip],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class RegisterForm(FlaskForm):
    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter your name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    email = email_field()
    password = PasswordField("Create a password", validators=[strong_password])
    confirm = PasswordField(
        "Confirm your password",
        validators=[
            DataRequired("Confirm your password"),
            EqualTo("password", "Passwords do not match"),
        ],
    )


class EmailOnlyForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[strong_password])
    confirm = PasswordField(
        "Confirm your new password",
        validators=[
            DataRequired("Confirm your new password"),
            EqualTo("password", "Passwords do not match"),
        ],
    )


class AccountDetailsForm(FlaskForm):
    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter your name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )
    password = PasswordField("New password", validators=[strong_password])
    confirm = PasswordField(
        "Confirm your new password",
        validators=[
            DataRequired("Confirm your new password"),
            EqualTo("password", "Passwords do not match"),
        ],
    )
