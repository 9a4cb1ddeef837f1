"""What the API answers and accepts, as typed models: the one source of both the responses'
shape and the OpenAPI document's schemas (`model_json_schema`)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from londonhub.platform.core.params import EARLIEST, LATEST, MAX_ID

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """Only 2027-03-14: pydantic alone would also take a number of seconds."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date written like 2027-03-14")
    day = date.fromisoformat(value)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be from {EARLIEST} to {LATEST}")
    return day


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": _ISO_DATE.pattern,
            "description": f"A date from {EARLIEST} to {LATEST}.",
        }
    ),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors and paging ---------------------------------------------------------------------


class FieldError(Model):
    name: str = Field(description="The parameter or field at fault.")
    message: str


class Problem(Model):
    """RFC 9457 problem details: every error the API answers has this shape."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="For invalid input: each parameter or field at fault."
    )


class PageQuery(Model):
    """Cursor paging, common to every list."""

    limit: int = Field(default=20, ge=1, le=100, description="How many items, at most 100.")
    cursor: str | None = Field(
        default=None,
        max_length=500,
        description="`next_cursor` of the previous page, as it was given (opaque).",
    )


class Page(Model):
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


# --- workspaces ----------------------------------------------------------------------------


class WorkspaceOut(Model):
    slug: str
    name: str
    kind: Literal["cvs", "volunteer_centre", "both"]
    borough: str
    status: Literal["active", "suspended"]
    description: str
    website: str | None
    address: str | None
    postcode: str | None
    url: str = Field(description="Its public page.")


class WorkspacePage(Page):
    data: list[WorkspaceOut]


# --- rooms ---------------------------------------------------------------------------------


class RoomQuery(PageQuery):
    borough: str | None = Field(
        default=None, max_length=63, pattern=SLUG, description="A workspace's slug."
    )
    capacity: int | None = Field(
        default=None, ge=1, le=100_000, description="At least this many people."
    )


class Prices(Model):
    community_hourly_pence: int
    public_hourly_pence: int
    business_hourly_pence: int


class RoomOut(Model):
    id: int
    workspace: str = Field(description="The slug of the workspace that lets the room.")
    name: str
    venue_name: str
    address: str
    postcode: str
    description: str
    capacity: int = Field(description="The most people in any layout.")
    accessibility: list[str]
    facilities: list[str]
    prices: Prices
    url: str


class RoomPage(Page):
    data: list[RoomOut]


class WindowQuery(Model):
    start: IsoDate | None = Field(
        default=None, description="The window's first day (London time); today if not given."
    )
    end: IsoDate | None = Field(
        default=None,
        description="The window's last day, at most 31 days after `start`; a week from "
        "`start` if not given.",
    )


class Period(Model):
    starts_at: datetime
    ends_at: datetime


class DayOut(Model):
    date: date
    opens: str | None = Field(description="HH:MM, London time; null when closed that day.")
    closes: str | None


class AvailabilityOut(Model):
    room: RoomOut
    start: date
    end: date
    days: list[DayOut]
    busy: list[Period] = Field(description="Times taken (bookings, holds, block-outs, buffers).")


# --- opportunities, associates, resources ----------------------------------------------------


class OpportunityQuery(PageQuery):
    borough: str | None = Field(
        default=None, max_length=63, pattern=SLUG, description="A workspace's slug."
    )


class OpportunityOut(Model):
    id: int
    workspace: str
    title: str
    summary: str
    causes: list[str]
    skills: list[str]
    remote: bool
    url: str


class OpportunityPage(Page):
    data: list[OpportunityOut]


class AssociateOut(Model):
    slug: str
    name: str
    headline: str
    expertise: list[str]
    boroughs: list[str]
    day_rate_pence: int | None
    url: str


class AssociatePage(Page):
    data: list[AssociateOut]


class ResourceOut(Model):
    id: int
    title: str
    summary: str
    resource_type: str
    topics: list[str]
    licence: str
    version: int
    owner: str | None = Field(description="The slug of the workspace that wrote it.")
    url: str


class ResourcePage(Page):
    data: list[ResourceOut]


IdInt = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- a workspace's own data (with its token) ------------------------------------------------


class BookingOut(Model):
    id: int
    room_id: int
    kind: Literal["booking", "blockout"]
    status: str
    starts_at: datetime
    ends_at: datetime
    reference: str
    attendees: int
    organisation_name: str | None
    price_pence: int
    order_id: int | None
    created_at: datetime
    cancelled_at: datetime | None


class BookingPage(Page):
    data: list[BookingOut]


class OrderOut(Model):
    id: int
    kind: str
    status: str
    description: str
    total_pence: int
    platform_fee_pence: int
    refunded_pence: int
    currency: str
    buyer_name: str
    buyer_email: str
    buyer_organisation: str | None
    payment_mode: str
    created_at: datetime
    paid_at: datetime | None


class OrderPage(Page):
    data: list[OrderOut]


class VolunteerOut(Model):
    """One person's response to one of the workspace's opportunities."""

    id: int
    volunteer_id: int = Field(description="The person (the same id across their responses).")
    volunteer_name: str
    opportunity_id: int
    opportunity_title: str
    session_id: int | None
    status: str
    created_at: datetime


class VolunteerPage(Page):
    data: list[VolunteerOut]


class HoursQuery(PageQuery):
    status: Literal["submitted", "verified", "rejected"] | None = None


class HoursOut(Model):
    id: int
    volunteer_id: int
    volunteer_name: str
    opportunity_id: int
    opportunity_title: str
    day: date
    minutes: int
    status: Literal["submitted", "verified", "rejected"]
    verified_at: datetime | None


class HoursPage(Page):
    data: list[HoursOut]


class Verification(Model):
    verified: bool = Field(description="true: verified; false: not verified (rejected).")
