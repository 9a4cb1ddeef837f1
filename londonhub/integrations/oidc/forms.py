"""Forms: the work email that picks the organisation, and the hub admin's partner form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from londonhub.platform.core.forms import email_field

from .models import DEFAULT_SCOPES, PartnerKind


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SsoStartForm(FlaskForm):
    email = email_field("Work email address")


class PartnerForm(FlaskForm):
    name = StringField(
        "Organisation name",
        filters=[_strip],
        validators=[
            DataRequired("Enter the organisation's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    kind = SelectField(
        "Type of organisation", choices=[SelectChoice(k.value, k.label) for k in PartnerKind]
    )
    domains = TextAreaField(
        "Email domains",
        validators=[DataRequired("Enter at least one email domain, like council.gov.uk")],
    )
    issuer = StringField(
        "Issuer",
        filters=[_strip],
        validators=[
            DataRequired("Enter the provider's issuer, like https://login.example.org"),
            Length(max=300, message="Issuer must be 300 characters or fewer"),
        ],
    )
    discovery_url = StringField(
        "Discovery document address (optional)",
        filters=[_strip],
        validators=[Optional(), Length(max=300, message="Must be 300 characters or fewer")],
    )
    allow_foreign_endpoints = BooleanField("Allow the provider's endpoints at other web addresses")
    client_id = StringField(
        "Client ID",
        filters=[_strip],
        validators=[
            DataRequired("Enter the client ID from the organisation's provider"),
            Length(max=255, message="Client ID must be 255 characters or fewer"),
        ],
    )
    #: Never pre-filled: a saved secret is not shown again.
    client_secret = PasswordField(
        "Client secret",
        validators=[Length(max=500, message="Client secret must be 500 characters or fewer")],
    )
    scopes = StringField(
        "Scopes",
        default=DEFAULT_SCOPES,
        filters=[_strip],
        validators=[
            DataRequired("Enter the scopes, like openid email profile"),
            Length(max=300, message="Scopes must be 300 characters or fewer"),
        ],
    )
    role_rules = TextAreaField("Claim-to-role rules (optional)")
    is_enabled = BooleanField("Sign-in is turned on", default=True)
