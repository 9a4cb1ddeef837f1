"""The annual report's one form: which year."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from .services import published_years


class ReportForm(FlaskForm):
    year = SelectField(
        "Year",
        coerce=int,
        validators=[InputRequired("Choose the year the report is for.")],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.year.choices = [(y, str(y)) for y in published_years()]
