"""Corporate forms: every field validated, each error a sentence a person can act on."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from londonhub.platform.core.forms import (
    MultiCheckboxField,
    PoundsField,
    choices,
    email_field,
    strip,
)

from .models import PackageKind, VatTreatment


class WholeNumberField(IntegerField):
    """A whole number; anything else gets the field's own range message, not WTForms'
    "Not a valid integer value"."""

    def __init__(self, *args, message: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.message) from None


def _whole(label: str, low: int, high: int, *, required: bool = True) -> IntegerField:
    message = f"{label} must be a whole number from {low} to {high}"
    return WholeNumberField(
        label,
        message=message,
        validators=[
            InputRequired(message=f"Enter {label.lower()}") if required else Optional(),
            NumberRange(min=low, max=high, message=message),
        ],
    )


class PackageForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired(message="Enter the package's name"),
            Length(max=200, message="The name must be 200 characters or fewer"),
        ],
    )
    kind = SelectField(
        "Kind",
        choices=choices((k.value, k.label) for k in PackageKind),
        validators=[DataRequired(message="Choose the kind of package")],
    )
    summary = StringField(
        "Summary",
        filters=[strip],
        validators=[Optional(), Length(max=300, message="Keep the summary to 300 characters")],
    )
    included = TextAreaField(
        "What is included",
        filters=[strip],
        validators=[Optional(), Length(max=4000, message="Keep this to 4,000 characters")],
    )
    price_pence = PoundsField("Price, before VAT")
    vat = SelectField("VAT", choices=choices((v.value, v.label) for v in VatTreatment))
    team_size = _whole("Employees one package covers", 1, 500)
    months = _whole("Months a skills programme runs", 1, 36, required=False)
    min_quantity = _whole("Minimum quantity", 1, 10000)
    max_quantity = _whole("Maximum quantity", 1, 10000)
    validity_months = _whole("Months before unused places expire", 1, 60)
    hub_share_pence = PoundsField("The hub's share, per placement (per team day)")
    workspace_share_pence = PoundsField(
        "The delivering workspace's share, per placement (per team day)"
    )


class BuyForm(FlaskForm):
    package_id = HiddenField()
    quantity = _whole("Quantity", 1, 10000)
    company_name = StringField(
        "Company name",
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Keep the name to 200 characters")],
    )
    company_number = StringField(
        "Company number",
        filters=[strip],
        validators=[Optional(), Length(max=12, message="A company number has 8 characters")],
    )
    billing_address = TextAreaField(
        "Billing address",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="Keep the address to 1,000 characters")],
    )
    po_number = StringField(
        "Purchase-order number (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=40, message="Keep the PO number to 40 characters")],
    )
    payment = RadioField(
        "How will you pay?",
        choices=choices([("card", "Pay now by card"), ("invoice", "Send us an invoice")]),
        default="card",
        validators=[InputRequired(message="Choose how you will pay")],
    )


class InviteForm(FlaskForm):
    email = email_field("Employee's work email")
    name = StringField(
        "Name (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Keep the name to 200 characters")],
    )


class UploadForm(FlaskForm):
    file = FileField(
        "Spreadsheet of employees (CSV)",
        validators=[FileRequired(message="Choose a CSV file to upload")],
    )


class ProfileForm(FlaskForm):
    home_borough = SelectField(
        "Home borough", validators=[DataRequired(message="Choose the borough you live in")]
    )
    causes = MultiCheckboxField("Causes you care about")
    skills = MultiCheckboxField("Skills you could offer")
    availability = MultiCheckboxField("When you are available")


class ChooseForm(FlaskForm):
    opportunity = HiddenField()
    message = TextAreaField(
        "A note for the Volunteer Centre (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="Keep the note to 1,000 characters")],
    )


class ConfirmForm(FlaskForm):
    opportunity_id = SelectField("Opportunity", coerce=int)
