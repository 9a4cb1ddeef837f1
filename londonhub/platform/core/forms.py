"""Sign-in and account forms. Every message says what to fix."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from .identity import MIN_PASSWORD_LENGTH

COMMON_PASSWORDS = {"password1234", "123456789012", "qwertyuiopas", "london123456"}


def strong_password(form: FlaskForm, field: StringField) -> None:
    value = field.data or ""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(value) > 200:
        raise ValidationError("Password must be 200 characters or fewer")
    if value.lower() in COMMON_PASSWORDS or len(set(value)) < 5:
        raise ValidationError("Choose a less common password")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


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
