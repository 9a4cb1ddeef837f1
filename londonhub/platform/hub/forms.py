from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from londonhub.platform.core.support import DURATIONS, MIN_REASON
from londonhub.platform.core.tenancy import WorkspaceKind


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _owner_email(label: str = "Owner's email address") -> EmailField:
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            DataRequired("Enter the email address of the person who will run the workspace"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )


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
    owner_email = _owner_email()


class InviteOwnerForm(FlaskForm):
    email = _owner_email("Email address of the new owner")


class TransferForm(FlaskForm):
    member = SelectField("New owner", coerce=int, validate_choice=True)


def _duration_label(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


class SupportForm(FlaskForm):
    reason = TextAreaField(
        "Why do you need access?",
        filters=[_strip],
        validators=[
            DataRequired("Say why you need access: the workspace's owners will see it"),
            Length(
                min=MIN_REASON,
                max=500,
                message=f"Give a reason of {MIN_REASON} to 500 characters",
            ),
        ],
    )
    minutes = SelectField(
        "For how long?",
        coerce=int,
        choices=[SelectChoice(m, _duration_label(m)) for m in DURATIONS],
        default=60,
    )


class StatusForm(FlaskForm):
    reason = TextAreaField(
        "Reason (optional, kept in the audit log)",
        filters=[_strip],
        validators=[Length(max=500, message="Keep the reason to 500 characters or fewer")],
    )
