from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from londonhub.platform.core.tenancy import WorkspaceKind


class CreateWorkspaceForm(FlaskForm):
    name = StringField(
        "Workspace name",
        validators=[
            DataRequired("Enter the workspace's name, like Hackney CVS"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    slug = StringField(
        "Web address",
        validators=[
            DataRequired("Enter the web address, like hackney"),
            Length(max=63, message="Web address must be 63 characters or fewer"),
        ],
    )
    borough = StringField(
        "Borough",
        validators=[
            DataRequired("Enter the borough, like Hackney"),
            Length(max=100, message="Borough must be 100 characters or fewer"),
        ],
    )
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in WorkspaceKind])
