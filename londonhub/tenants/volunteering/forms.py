"""Volunteering forms: every field validated, each error a sentence a person can act on."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from londonhub.platform.core.forms import (
    MultiCheckboxField,
    choices,
    email_field,
    optional_email_field,
    phone_field,
    postcode_field,
    strip,
    website_field,
)
from londonhub.platform.core.params import EARLIEST, LATEST

from .models import CONSENTS, OpportunityStatus, Schedule
from .vocab import AVAILABILITY, CAUSES, GROUP_KINDS, SKILLS


def _in_range(field) -> None:
    """Dates the site deals in (params.EARLIEST to LATEST): date arithmetic past them fails."""
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(
            f"{field.label.text} must be a date from {EARLIEST:%-d %B %Y} to {LATEST:%-d %B %Y}"
        )


def _address_field() -> StringField:
    return StringField(
        "Street address", filters=[strip], validators=_optional_text("The address", 300)
    )


def _optional_text(label: str, maximum: int) -> list:
    return [
        Optional(),
        Length(max=maximum, message=f"{label} must be {maximum} characters or fewer"),
    ]


class GroupForm(FlaskForm):
    name = StringField(
        "Name of the group",
        filters=[strip],
        validators=[DataRequired("Enter the group's name"), Length(max=200)],
    )
    kind = SelectField(
        "Kind of group",
        choices=choices([("", "Choose one"), *GROUP_KINDS.items()]),
        validators=[DataRequired("Choose what kind of group this is")],
    )
    charity_number = StringField(
        "Charity number",
        filters=[strip],
        validators=[
            Optional(),
            Regexp(r"^[0-9]{6,8}(-[0-9]{1,2})?$", message="Enter a charity number, like 1234567"),
        ],
    )
    company_number = StringField(
        "Company number",
        filters=[strip],
        validators=[
            Optional(),
            Regexp(
                r"^([0-9]{8}|[A-Za-z]{2}[0-9]{6})$",
                message="Enter an 8-character company number, like 01234567 or SC123456",
            ),
        ],
    )
    causes = MultiCheckboxField("Causes", choices=choices(CAUSES.items()))
    contact_name = StringField(
        "Contact person",
        filters=[strip],
        validators=[DataRequired("Enter the name of the group's contact person"), Length(max=200)],
    )
    contact_email = optional_email_field()
    contact_phone = phone_field()
    address = _address_field()
    postcode = postcode_field()
    website = website_field()
    listed_publicly = BooleanField("List this group publicly")


class OpportunityForm(FlaskForm):
    group_id = SelectField(
        "On behalf of",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired("Choose the group this opportunity is for")],
    )
    title = StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired("Enter a title"), Length(max=200)],
    )
    summary = StringField(
        "Summary",
        filters=[strip],
        validators=[
            DataRequired("Enter a one-line summary"),
            Length(max=300, message="Keep the summary to 300 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Description", filters=[strip], validators=_optional_text("The description", 10_000)
    )
    cause = SelectField(
        "Cause",
        choices=choices([("", "Choose one"), *CAUSES.items()]),
        validators=[DataRequired("Choose the cause")],
    )
    skills = MultiCheckboxField("Skills wanted", choices=choices(SKILLS.items()))
    remote = BooleanField("Volunteers can do this remotely")
    address = _address_field()
    postcode = postcode_field()
    schedule = SelectField(
        "When",
        choices=choices((s.value, s.label) for s in Schedule),
        validators=[DataRequired("Choose when volunteers are needed")],
    )
    minimum_age = IntegerField(
        "Minimum age",
        validators=[
            Optional(),
            NumberRange(min=0, max=99, message="Enter a minimum age from 0 to 99"),
        ],
    )
    dbs_needed = BooleanField("A DBS check is needed")
    expenses_paid = BooleanField("Expenses paid")
    training_given = BooleanField("Training given")
    step_free = BooleanField("Step-free access")
    group_size = IntegerField(
        "Suitable for groups of up to",
        validators=[
            Optional(),
            NumberRange(min=2, max=500, message="Enter a group size from 2 to 500"),
        ],
    )
    skills_based = BooleanField("Skills-based (uses a professional skill)")
    status = SelectField("Status", choices=choices((s.value, s.label) for s in OpportunityStatus))
    closing_date = DateField(
        "Closing date",
        validators=[Optional()],
        format="%Y-%m-%d",
    )

    def validate_closing_date(self, field) -> None:
        _in_range(field)


class SessionForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Enter the session's date")])

    def validate_day(self, field) -> None:
        _in_range(field)

    starts = TimeField("Start time", validators=[InputRequired("Enter the start time")])
    ends = TimeField("End time", validators=[InputRequired("Enter the end time")])
    place = StringField(
        "Place, if not the opportunity's address",
        filters=[strip],
        validators=_optional_text("The place", 300),
    )
    places = IntegerField(
        "Places available",
        validators=[
            InputRequired("Enter how many places there are"),
            NumberRange(min=1, max=1000, message="Enter a number of places from 1 to 1,000"),
        ],
    )


class SearchForm(FlaskForm):
    """The London-wide search: a GET form whose URL is the shareable search."""

    class Meta:
        csrf = False

    q = StringField("Keywords", filters=[strip], validators=_optional_text("Keywords", 200))
    cause = SelectField(
        "Cause", choices=choices([("", "Any cause"), *CAUSES.items()]), validate_choice=False
    )
    skill = SelectField(
        "Skill", choices=choices([("", "Any skill"), *SKILLS.items()]), validate_choice=False
    )
    borough = SelectField(
        "Borough", choices=choices([("", "Anywhere in London")]), validate_choice=False
    )
    neighbours = BooleanField("Include neighbouring boroughs")
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("Until", validators=[Optional()])
    remote = BooleanField("Remote")
    groups = BooleanField("Suitable for groups")
    under_18 = BooleanField("Open to under-18s")
    step_free = BooleanField("Step-free access")

    def validate_date_from(self, field) -> None:
        _in_range(field)

    def validate_date_to(self, field) -> None:
        _in_range(field)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end of the date range must be on or after its start")


class AcceptForm(FlaskForm):
    """Accepting an invitation: nothing to fill in but the CSRF token."""


class CoordinatorInviteForm(FlaskForm):
    email = email_field("Coordinator's email address")


class StatusForm(FlaskForm):
    """A coordinator pauses, reopens or closes their group's opportunity."""

    status = SelectField(
        "Status",
        choices=choices(
            [(s.value, s.label) for s in OpportunityStatus if s != OpportunityStatus.DRAFT]
        ),
    )


class DeleteProfileForm(FlaskForm):
    confirm = BooleanField(
        "I understand that my volunteer profile, responses and hours will be deleted",
        validators=[DataRequired("Tick the box to confirm you want to delete your profile")],
    )


class AttendanceForm(FlaskForm):
    """Who came to a session: its choices are the people who held a place."""

    came = MultiCheckboxField("Who came", coerce=int, validate_choice=False)


class GroupFilterForm(FlaskForm):
    """The public groups directory's filters: a GET form, so its URL is shareable."""

    class Meta:
        csrf = False

    cause = SelectField(
        "Cause", choices=choices([("", "Any cause"), *CAUSES.items()]), validate_choice=False
    )
    borough = SelectField(
        "Borough", choices=choices([("", "Anywhere in London")]), validate_choice=False
    )


class ProfileForm(FlaskForm):
    """A person's own volunteer profile, across London."""

    home_borough = SelectField(
        "Home borough", choices=choices([("", "Choose your borough")]), validate_choice=False
    )
    causes = MultiCheckboxField("Causes you care about", choices=choices(CAUSES.items()))
    skills = MultiCheckboxField("Skills you could offer", choices=choices(SKILLS.items()))
    availability = MultiCheckboxField("When you are free", choices=choices(AVAILABILITY.items()))
    adjustments = TextAreaField(
        "Adjustments you need",
        filters=[strip],
        validators=_optional_text("Adjustments", 2000),
    )
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    emergency_name = StringField(
        "Emergency contact's name", filters=[strip], validators=_optional_text("The name", 200)
    )
    emergency_phone = phone_field("Emergency contact's phone")
    share_profile = BooleanField(CONSENTS["share_profile"])
    email_updates = BooleanField(CONSENTS["email_updates"])


class RespondForm(FlaskForm):
    """Sign up for a session (session_id) or say you are interested (no session)."""

    workspace = HiddenField(validators=[DataRequired()])
    opportunity_id = HiddenField(validators=[DataRequired()])
    session_id = HiddenField()
    message = TextAreaField(
        "Anything the organisers should know (optional)",
        filters=[strip],
        validators=_optional_text("Your message", 2000),
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        "Decision",
        choices=choices(
            [("accepted", "Accept"), ("waitlisted", "Waiting list"), ("declined", "Decline")]
        ),
    )


class HoursForm(FlaskForm):
    """Time given to an opportunity the person was accepted on."""

    placement = SelectField(
        "Opportunity",
        validate_choice=False,
        validators=[DataRequired("Choose the opportunity you volunteered for")],
    )
    day = DateField("Date", validators=[InputRequired("Enter the date you volunteered")])

    def validate_day(self, field) -> None:
        _in_range(field)

    hours = DecimalField(
        "Hours",
        places=2,
        validators=[
            InputRequired("Enter the time you gave, like 2 or 1.5 hours"),
            NumberRange(min=0.25, max=24, message="Enter from 0.25 to 24 hours"),
        ],
    )
    note = StringField(
        "What you did (optional)", filters=[strip], validators=_optional_text("The note", 500)
    )


class VerifyForm(FlaskForm):
    verified = SelectField("Verify", choices=choices([("yes", "Verify"), ("no", "Do not verify")]))
