"""Resource forms. Field checks that need the domain (types, topics, sizes) live in services,
whose messages come back onto the right field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .models import AUDIENCES, CHECKLIST, LICENCES, RESOURCE_TYPES, TOPICS


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ResourceForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[_strip],
        validators=[
            DataRequired("Enter a title"),
            Length(max=200, message="The title must be 200 characters or fewer"),
        ],
    )
    summary = TextAreaField(
        "Summary",
        filters=[_strip],
        validators=[Length(max=600, message="The summary must be 600 characters or fewer")],
    )
    body = TextAreaField("Text", validators=[Length(max=100_000)])
    resource_type = SelectField("Type of resource", choices=_choices(RESOURCE_TYPES.items()))
    topics = MultiCheckboxField("Topics", choices=_choices(TOPICS.items()), validate_choice=False)
    audience = SelectField("Who it is for", choices=_choices(AUDIENCES.items()))
    licence = SelectField(
        "Licence", choices=_choices((slug, label) for slug, (label, _url) in LICENCES.items())
    )


class FileForm(FlaskForm):
    file = FileField("File", validators=[FileRequired("Choose a file to upload")])


class PublishForm(FlaskForm):
    change_note = TextAreaField(
        "What changed in this version",
        filters=[_strip],
        validators=[Length(max=500, message="Keep the note to 500 characters or fewer")],
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search resources", filters=[_strip])
    type = SelectField("Type", choices=_choices([("", "Any type"), *RESOURCE_TYPES.items()]))
    topic = SelectField("Topic", choices=_choices([("", "Any topic"), *TOPICS.items()]))
    audience = SelectField("Who it is for", choices=_choices([("", "Anyone"), *AUDIENCES.items()]))
    checked = BooleanField("Only quality-checked resources")
    owner = SelectField("From", choices=[])


class ReviewForm(FlaskForm):
    accurate = BooleanField(CHECKLIST["accurate"])
    up_to_date = BooleanField(CHECKLIST["up_to_date"])
    plain_english = BooleanField(CHECKLIST["plain_english"])
    accessible = BooleanField(CHECKLIST["accessible"])
    legally_sound = BooleanField(CHECKLIST["legally_sound"])
    decision = RadioField(
        "Your decision",
        choices=_choices([("approve", "Approve it"), ("changes", "Ask for changes")]),
        validators=[DataRequired("Choose approve or ask for changes")],
    )
    comments = TextAreaField(
        "Comments for the authors",
        filters=[_strip],
        validators=[Length(max=5000, message="Keep comments to 5,000 characters or fewer")],
    )


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Your local note",
        filters=[_strip],
        validators=[Length(max=1000, message="Keep the local note to 1,000 characters or fewer")],
    )
