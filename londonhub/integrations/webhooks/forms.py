"""The webhook endpoint form: an address, what it is for, and the events it receives."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from londonhub.platform.core.events import EVENT_TYPES
from londonhub.platform.core.forms import MultiCheckboxField, choices


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class EndpointForm(FlaskForm):
    url = StringField(
        "Address (URL)",
        filters=[_strip],
        validators=[
            DataRequired("Enter the address that receives the events, starting with https://"),
            Length(max=500, message="Keep the address to 500 characters or fewer"),
        ],
    )
    description = StringField(
        "What it is for (optional)",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=200, message="Keep the description to 200 characters or fewer"),
        ],
    )
    events = MultiCheckboxField(
        "Events to send",
        validators=[DataRequired("Choose at least one event to send")],
    )
    active = BooleanField("Send events to this address", default=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.events.choices = choices(
            (name, f"{name}: {kind.description}") for name, kind in EVENT_TYPES.items()
        )
