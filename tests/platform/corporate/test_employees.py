"""Employees: invitations one by one and from a spreadsheet in whatever encoding it exports,
with or without a header row, each row accepted or refused with its reason, never past the
places bought; resend and cancel; accepting with the invited address, then a volunteer profile
with a required home borough."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.corporate.models import CorporateEmployee, EmployeeStatus
from londonhub.platform.corporate.operations import accounts
from londonhub.platform.corporate.operations.spreadsheet import read_rows
from londonhub.tenants.volunteering.services import get_profile

from .conftest import BUYER


def upload(client, data: bytes, name: str = "staff.csv"):
    return client.post(
        "/corporate/account/employees/upload",
        data={"upload-file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def live_emails() -> list[str]:
    return sorted(
        db.session.scalars(
            select(CorporateEmployee.email).where(
                CorporateEmployee.status != EmployeeStatus.CANCELLED
            )
        )
    )


SIX_ROWS = (
    "Email,Name\r\n"
    "zoë.adams@acme.example.com,Zoë Adams\r\n"
    "bola.ade@acme.example.com,Bola Adé\r\n"
    "not-an-email,Nobody\r\n"
    "chen.li@acme.example.com,Chen Li\r\n"
    "BOLA.ADE@acme.example.com,Bola again\r\n"
    "dan.ng@acme.example.com,Dan Ng\r\n"
)


@pytest.mark.parametrize(
    "data",
    [
        SIX_ROWS.encode("utf-8"),
        b"\xef\xbb\xbf" + SIX_ROWS.encode("utf-8"),  # Excel's "CSV UTF-8": a BOM first
        SIX_ROWS.encode("utf-16"),  # Excel's "Unicode text" (with a BOM)
        SIX_ROWS.replace("ë", "e").encode("cp1252"),
        SIX_ROWS.replace(",", ";").encode("latin-1", errors="replace"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "cp1252", "latin1-semicolons"],
)
def test_a_spreadsheet_in_any_encoding_invites_the_good_rows_and_says_why_others_were_refused(
    bought, signed_in, outbox, data
):
    bought(3)
    response = upload(signed_in(BUYER), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 invited, 3 refused" in page
    assert "Refused: Not an email address" in page
    assert "Refused: Duplicate: already in this list" in page
    assert "Refused: Over the places bought" in page
    assert len(live_emails()) == 3
    assert "bola.ade@acme.example.com" in live_emails()
    invitations = [m for m in outbox.messages if "invites you to volunteer" in m["Subject"]]
    assert len(invitations) == 3


def test_rows_without_a_header_and_names_split_in_two_columns_are_read():
    assert read_rows(b"ann@example.org,Ann Lee\nbob@example.org\n") == [
        (1, "ann@example.org", "Ann Lee"),
        (2, "bob@example.org", ""),
    ]
    assert read_rows(b"First name\tSurname\tWork email\nAnn\tLee\tann@example.org\n") == [
        (2, "ann@example.org", "Ann Lee")
    ]
    with pytest.raises(ValueError, match="save the spreadsheet as CSV"):
        read_rows(b"PK\x03\x04\x00\x00binary")


def test_an_empty_or_unreadable_file_is_refused_with_a_message(bought, signed_in):
    bought(3)
    company = signed_in(BUYER)
    response = upload(company, b"\n\n")
    assert response.status_code == 400
    assert "The file has no email addresses in it" in response.get_data(as_text=True)
    response = upload(company, b"PK\x03\x04\x00\x00")
    assert response.status_code == 400
    assert live_emails() == []


def test_inviting_one_by_one_stops_at_the_places_bought(bought, signed_in):
    bought(2)
    company = signed_in(BUYER)
    for email in ("a@acme.example.com", "b@acme.example.com"):
        response = company.post("/corporate/account/employees", data={"invite-email": email})
        assert response.status_code == 302
    response = company.post(
        "/corporate/account/employees", data={"invite-email": "c@acme.example.com"}
    )
    assert response.status_code == 400
    assert "Over the places bought" in response.get_data(as_text=True)
    response = company.post(
        "/corporate/account/employees", data={"invite-email": "A@acme.example.com"}
    )
    assert "already invited" in response.get_data(as_text=True)
    assert live_emails() == ["a@acme.example.com", "b@acme.example.com"]


def test_places_waiting_for_payment_cannot_be_given_out(bought, signed_in):
    bought(3, paid=False)
    response = signed_in(BUYER).post(
        "/corporate/account/employees", data={"invite-email": "a@acme.example.com"}
    )
    assert response.status_code == 400
    assert live_emails() == []


def test_cancelling_frees_the_place_and_resending_emails_again(bought, signed_in, outbox):
    account, _, _ = bought(2)
    company = signed_in(BUYER)
    company.post("/corporate/account/employees", data={"invite-email": "a@acme.example.com"})
    invited = db.session.scalar(select(CorporateEmployee))
    assert company.post(f"/corporate/account/employees/{invited.id}/resend").status_code == 302
    assert len(outbox.to("a@acme.example.com")) == 2
    assert company.post(f"/corporate/account/employees/{invited.id}/cancel").status_code == 302
    assert accounts.places(account).free == 2
    page = company.post(f"/corporate/account/employees/{invited.id}/resend", follow_redirects=True)
    assert "has cancelled already" in page.get_data(as_text=True)
    assert len(outbox.to("a@acme.example.com")) == 2


def test_an_employee_accepts_with_the_invited_address_then_names_their_home_borough(
    bought, make_user, signed_in, outbox, boroughs
):
    account, _, _ = bought(2)
    company = signed_in(BUYER)
    company.post(
        "/corporate/account/employees",
        data={"invite-email": "priya@acme.example.com", "invite-name": "Priya Shah"},
    )
    path = outbox.link(outbox.to("priya@acme.example.com")[0]).lstrip("/")
    make_user("someone.else@acme.example.com")
    other = signed_in("someone.else@acme.example.com")
    assert other.get(f"/{path}").status_code == 403
    assert other.post(f"/{path}").status_code == 403

    make_user("priya@acme.example.com", name="Priya Shah")
    priya = signed_in("priya@acme.example.com")
    assert "Accept my place" in priya.get(f"/{path}").get_data(as_text=True)
    response = priya.post(f"/{path}")
    assert response.headers["Location"] == "/corporate/me/profile"
    assert accounts.places(account).accepted == 1

    response = priya.post(
        "/corporate/me/profile", data={"home_borough": "", "causes": ["environment"]}
    )
    assert response.status_code == 400
    assert "Choose the borough you live in" in response.get_data(as_text=True)
    response = priya.post(
        "/corporate/me/profile", data={"home_borough": "atlantis", "causes": ["environment"]}
    )
    assert response.status_code == 400
    response = priya.post(
        "/corporate/me/profile",
        data={"home_borough": "hackney", "causes": ["environment"], "skills": ["digital"]},
    )
    assert response.status_code == 302
    person = db.session.scalar(select(CorporateEmployee)).user_id
    profile = get_profile(db.session.get(type(boroughs["hackney_admin"]), person))
    assert (profile.home_borough, profile.causes, profile.skills) == (
        "hackney",
        ",environment,",
        ",digital,",
    )
