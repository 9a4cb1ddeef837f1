"""Workspace admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from londonhub.platform.core.forms import (
    MultiCheckboxField,
    optional_email_field,
    phone_field,
    postcode_field,
    website_field,
)
from londonhub.platform.core.identity import Role

#: How far ahead a workspace's rooms can be booked, in days.
HORIZONS = {
    31: "1 month",
    92: "3 months",
    183: "6 months",
    365: "1 year",
    548: "18 months",
    730: "2 years",
}
HORIZON_CHOICES = [SelectChoice(days, label) for days, label in HORIZONS.items()]
ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in (Role.STAFF, Role.ADMIN, Role.OWNER)]


def _strip(value: str | None) -> str | None:
    """Pasted addresses and colours often carry spaces: ignore them rather than refuse."""
    return value.strip() if isinstance(value, str) else value


class ProfileForm(FlaskForm):
    description = TextAreaField(
        "About your organisation",
        validators=[Length(max=5000, message="Keep the description to 5,000 characters or fewer")],
    )
    contact_email = optional_email_field()
    contact_phone = phone_field()
    website = website_field()
    accent_colour = StringField(
        "Accent colour",
        filters=[_strip],
        validators=[DataRequired("Enter an accent colour, like #1d70b8")],
    )
    address = StringField(
        "Street address",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=300, message="Keep the address to 300 characters or fewer"),
        ],
    )
    postcode = postcode_field()
    opening_hours = TextAreaField(
        "Opening hours",
        filters=[_strip],
        validators=[
            Length(max=1000, message="Keep the opening hours to 1,000 characters or fewer")
        ],
    )
    booking_horizon_days = SelectField(
        "How far ahead rooms can be booked",
        choices=HORIZON_CHOICES,
        coerce=int,
        default=365,
    )


class LogoForm(FlaskForm):
    logo = FileField("Logo", validators=[FileRequired("Choose a PNG or JPEG file to upload")])


class InviteForm(FlaskForm):
    email = EmailField(
        "Email address",
        filters=[_strip],
        validators=[
            DataRequired("Enter the email address of the person to invite"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address like name@example.org", check_deliverability=False),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.STAFF.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class StaffEmailForm(FlaskForm):
    """Which events the workspace's staff are emailed about (choices: the registered events)."""

    events = MultiCheckboxField("Email our staff when", choices=[])
