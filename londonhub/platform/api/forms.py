"""The API token form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .tokens import TokenScope


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Give the token a name, such as the system that will use it"),
            Length(max=100, message="Keep the name to 100 characters or fewer"),
        ],
    )
    scope = SelectField(
        "What it may do",
        choices=[SelectChoice(s.value, s.label) for s in TokenScope],
        default=TokenScope.READ.value,
    )
