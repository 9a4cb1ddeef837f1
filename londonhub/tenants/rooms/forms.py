"""Room forms: every field validated, each error a sentence a person can act on."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    SelectChoice,
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

from londonhub.platform.core.forms import POSTCODE, MultiCheckboxField, PoundsField, choices
from londonhub.platform.core.forms import strip as _strip

from .models import ACCESSIBILITY, EVIDENCE_KINDS, FACILITIES, LAYOUTS, WEEKDAYS, CustomerType
from .services import MAX_OCCURRENCES, PRICE_BANDS, SEARCH_SORTS, parse_hhmm

CUSTOMER_CHOICES = [SelectChoice(c.value, c.label) for c in CustomerType]
LAYOUT_CHOICES = [SelectChoice(k, v) for k, v in LAYOUTS.items()]


class ClockField(StringField):
    """A time of day typed as HH:MM (24:00 allowed for closing), kept as minutes in `.minutes`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.minutes: int | None = None

    def process_data(self, value) -> None:
        self.minutes = value
        self.data = "" if value is None else f"{value // 60:02d}:{value % 60:02d}"

    def pre_validate(self, form) -> None:
        text = (self.data or "").strip()
        if not text:
            self.minutes = None
            return
        try:
            self.minutes = parse_hhmm(text)
        except ValueError as exc:
            raise ValidationError(f"{self.label.text}: {exc}") from None


def _count(label: str, maximum: int = 10_000) -> list:
    return [
        Optional(),
        NumberRange(
            min=0, max=maximum, message=f"{label} must be a whole number from 0 to {maximum:,}"
        ),
    ]


class RoomForm(FlaskForm):
    venue_name = StringField(
        "Venue name",
        filters=[_strip],
        validators=[DataRequired("Enter the venue's name"), Length(max=200)],
    )
    address = StringField(
        "Street address",
        filters=[_strip],
        validators=[DataRequired("Enter the venue's street address"), Length(max=300)],
    )
    postcode = StringField(
        "Postcode",
        filters=[_strip],
        validators=[
            DataRequired("Enter the venue's postcode"),
            Regexp(POSTCODE, message="Enter a real postcode, like E8 1DY"),
        ],
    )
    name = StringField(
        "Room name",
        filters=[_strip],
        validators=[DataRequired("Enter the room's name"), Length(max=200)],
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=5000, message="Keep the description to 5,000 characters or fewer")],
    )
    capacity_theatre = IntegerField(
        "Theatre layout (people)", validators=_count("Theatre capacity")
    )
    capacity_boardroom = IntegerField(
        "Boardroom layout (people)", validators=_count("Boardroom capacity")
    )
    capacity_cabaret = IntegerField(
        "Cabaret layout (people)", validators=_count("Cabaret capacity")
    )
    min_minutes = IntegerField(
        "Shortest booking (minutes)",
        default=60,
        validators=[
            InputRequired("Enter the shortest booking in minutes"),
            NumberRange(
                min=15, max=1440, message="The shortest booking must be 15 to 1,440 minutes"
            ),
        ],
    )
    max_minutes = IntegerField(
        "Longest booking (minutes)",
        default=480,
        validators=[
            InputRequired("Enter the longest booking in minutes"),
            NumberRange(
                min=15, max=1440, message="The longest booking must be 15 to 1,440 minutes"
            ),
        ],
    )
    buffer_minutes = IntegerField(
        "Time between bookings (minutes)",
        default=0,
        validators=[
            InputRequired("Enter the time kept free between bookings, or 0"),
            NumberRange(
                min=0, max=240, message="The time between bookings must be 0 to 240 minutes"
            ),
        ],
    )
    cancellation_days = IntegerField(
        "Full refund if cancelled at least this many days before",
        default=7,
        validators=[
            InputRequired("Enter the number of days, or 0"),
            NumberRange(min=0, max=365, message="Enter a number of days from 0 to 365"),
        ],
    )
    community_hourly_pence = PoundsField("Community and voluntary groups: per hour")
    community_day_pence = PoundsField("Community and voluntary groups: per day", required=False)
    public_hourly_pence = PoundsField("Public sector: per hour")
    public_day_pence = PoundsField("Public sector: per day", required=False)
    business_hourly_pence = PoundsField("Businesses: per hour")
    business_day_pence = PoundsField("Businesses: per day", required=False)
    published = BooleanField("Published: anyone can find and book this room")


for _key, _label in {**ACCESSIBILITY, **FACILITIES}.items():
    setattr(RoomForm, _key, BooleanField(_label))
for _day, _name in enumerate(WEEKDAYS):
    setattr(RoomForm, f"opens_{_day}", ClockField(f"{_name} opens"))
    setattr(RoomForm, f"closes_{_day}", ClockField(f"{_name} closes"))


def room_values(form: RoomForm) -> dict:
    """The form's values in the shape services.save_room takes."""
    values = {}
    for name, item in form._fields.items():
        if name == "csrf_token":
            continue
        if isinstance(item, PoundsField):
            values[name] = item.pence
        elif isinstance(item, ClockField):
            values[name] = item.minutes
        elif name.startswith("capacity_"):
            values[name] = item.data or 0
        else:
            values[name] = item.data
    return values


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    date = DateField("Date", validators=[Optional()])
    start = TimeField("From", validators=[Optional()])
    end = TimeField("Until", validators=[Optional()])
    attendees = IntegerField(
        "People",
        validators=[
            Optional(),
            NumberRange(min=1, max=5000, message="Enter a number of people from 1 to 5,000"),
        ],
    )
    borough = SelectField(
        "Borough", choices=[SelectChoice("", "Any borough")], validate_choice=False
    )
    accessibility = MultiCheckboxField("Accessibility", choices=choices(ACCESSIBILITY.items()))
    facilities = MultiCheckboxField("Facilities", choices=choices(FACILITIES.items()))
    # Unknown values fall back to the defaults in the view: a search never fails on them.
    customer = SelectField(
        "Price for", choices=CUSTOMER_CHOICES, default="community", validate_choice=False
    )
    price = SelectField(
        "Price band",
        choices=[SelectChoice(key, label) for key, (label, _) in PRICE_BANDS.items()],
        default="",
        validate_choice=False,
    )
    sort = SelectField(
        "Sort by", choices=choices(SEARCH_SORTS.items()), default="name", validate_choice=False
    )

    def validate_end(self, field: Field) -> None:
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError("The end time must be after the start time")
        if (field.data or self.start.data) and not self.date.data:
            raise ValidationError("Choose a date as well as times")
        if bool(field.data) != bool(self.start.data):
            raise ValidationError("Give both a start and an end time")


class BookingForm(FlaskForm):
    workspace = HiddenField()
    room_id = HiddenField()
    step = HiddenField(default="quote")
    date = DateField("Date", validators=[InputRequired("Enter the date, like 2027-03-14")])
    start = TimeField("Start time", validators=[InputRequired("Enter the start time, like 10:00")])
    end = TimeField("End time", validators=[InputRequired("Enter the end time, like 12:00")])
    attendees = IntegerField(
        "Number of people",
        validators=[
            InputRequired("Enter how many people are coming"),
            NumberRange(min=1, max=5000, message="Enter a number of people from 1 to 5,000"),
        ],
    )
    layout = SelectField("Layout", choices=LAYOUT_CHOICES)
    organisation_name = StringField(
        "Organisation name",
        filters=[_strip],
        validators=[
            DataRequired("Enter the name of your organisation"),
            Length(max=200, message="Organisation name must be 200 characters or fewer"),
        ],
    )
    organisation_type = SelectField("Organisation type", choices=CUSTOMER_CHOICES)
    repeat = SelectField(
        "Repeat",
        choices=choices(
            [
                ("none", "Does not repeat"),
                ("weekly", "Every week"),
                ("fortnightly", "Every two weeks"),
            ]
        ),
        default="none",
    )
    occurrences = IntegerField(
        "How many times in all",
        default=1,
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_OCCURRENCES, message=f"Repeat between 1 and {MAX_OCCURRENCES} times"
            ),
        ],
    )


#: The booking form's fields a quote's address carries (its query string).
BOOKING_FIELDS = (
    "date",
    "start",
    "end",
    "attendees",
    "layout",
    "organisation_name",
    "organisation_type",
    "repeat",
    "occurrences",
)


class BlockoutForm(FlaskForm):
    room = SelectField("Room", coerce=int, validate_choice=True)
    date = DateField("Date", validators=[InputRequired("Enter the date, like 2027-03-14")])
    start = TimeField("From", validators=[InputRequired("Enter the start time, like 09:00")])
    end = TimeField("Until", validators=[InputRequired("Enter the end time, like 17:00")])
    note = StringField(
        "Reason",
        filters=[_strip],
        validators=[
            DataRequired("Say why the room is blocked out, like maintenance"),
            Length(max=300),
        ],
    )

    def validate_end(self, field: Field) -> None:
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError("The end time must be after the start time")


class PhotoForm(FlaskForm):
    photo = FileField("Photo", validators=[FileRequired("Choose a PNG or JPEG photo to upload")])
    alt_text = StringField(
        "Describe the photo",
        filters=[_strip],
        validators=[
            DataRequired("Describe the photo for people who cannot see it"),
            Length(max=300, message="Keep the description of the photo to 300 characters or fewer"),
        ],
    )


class RateClaimForm(FlaskForm):
    """A community or voluntary group asks a workspace for the community rate."""

    workspace = HiddenField()
    organisation_name = StringField(
        "Name of your group",
        filters=[_strip],
        validators=[
            DataRequired("Enter the name of your group"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    evidence_kind = SelectField(
        "Registered as",
        choices=choices(EVIDENCE_KINDS.items()),
        default="charity",
    )
    evidence_number = StringField(
        "Charity or company number",
        filters=[_strip],
        validators=[DataRequired("Enter your charity or company number"), Length(max=20)],
    )


class ClaimDecisionForm(FlaskForm):
    decision = SelectField(
        "Decision", choices=choices([("approve", "Approve"), ("reject", "Do not approve")])
    )
