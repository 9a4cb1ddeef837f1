"""Employees: the corporate admin invites them by email, one by one or from a spreadsheet,
up to the places bought; resends or cancels invitations; an employee accepts with the emailed
link, signed in (by password or partner sign-in) with the invited address.

Places are checked with the account's row locked, so two invitations sent at once cannot
both take the last place."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import (
    TokenInvalid,
    User,
    make_token,
    normalise_email,
    read_token,
)
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.core.urls import public_url

from ..models import CorporateAccount, CorporateEmployee, EmployeeStatus
from . import CorporateError, NotFound
from .accounts import lock_account, places
from .spreadsheet import read_rows

INVITE = "corporate-invite"
INVITE_MAX_AGE_SECONDS = 60 * 60 * 24 * 30


def clean_email(raw: str) -> str | None:
    """The address normalised, or None when it is not an email address."""
    try:
        checked = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return normalise_email(checked.normalized)


def list_employees(account: CorporateAccount) -> list[CorporateEmployee]:
    return list(
        db.session.scalars(
            select(CorporateEmployee)
            .where(CorporateEmployee.account_id == account.id)
            .order_by(CorporateEmployee.status, CorporateEmployee.email)
        )
    )


def get_employee(account: CorporateAccount, employee_id: int) -> CorporateEmployee:
    """One of this account's employees; another company's is simply not found."""
    employee = db.session.scalar(
        select(CorporateEmployee).where(
            CorporateEmployee.id == employee_id, CorporateEmployee.account_id == account.id
        )
    )
    if employee is None:
        raise NotFound("There is no such employee in your account")
    return employee


def invitation_link(employee: CorporateEmployee) -> str:
    token = make_token(INVITE, {"aid": employee.account_id, "eid": employee.id})
    return public_url("corporate_me.join", token=token)


def _send(account: CorporateAccount, employee: CorporateEmployee) -> None:
    greeting = f"Hello {employee.name}," if employee.name else "Hello,"
    send_email(
        employee.email,
        f"{account.name} invites you to volunteer in your borough",
        f"{greeting}\n\n{account.name} has a volunteering place for you with "
        f"{current_app.config['HUB_NAME']}: the Volunteer Centre where you live will help you "
        f"find something worth doing near home.\n\nAccept your place here (sign in, or create "
        f"an account with this email address):\n{invitation_link(employee)}\n",
    )


def _live(account: CorporateAccount) -> dict[str, CorporateEmployee]:
    return {
        e.email: e
        for e in db.session.scalars(
            select(CorporateEmployee).where(
                CorporateEmployee.account_id == account.id,
                CorporateEmployee.status != EmployeeStatus.CANCELLED,
            )
        )
    }


def invite(actor: User, account: CorporateAccount, email: str, name: str = "") -> CorporateEmployee:
    """Invite one employee; refuses a bad address, one already invited, or no place left."""
    report = invite_many(actor, account, [(email, name)])
    row = report.rows[0]
    if not row.accepted:
        raise CorporateError(row.reason, "email")
    return row.employee  # type: ignore[return-value]


@dataclass
class RowResult:
    line: int
    email: str
    name: str
    accepted: bool
    reason: str = ""
    employee: CorporateEmployee | None = None


@dataclass
class Report:
    rows: list[RowResult]

    @property
    def accepted(self) -> list[RowResult]:
        return [r for r in self.rows if r.accepted]

    @property
    def refused(self) -> list[RowResult]:
        return [r for r in self.rows if not r.accepted]


def invite_many(
    actor: User, account: CorporateAccount, entries: list[tuple[str, str]], first_line: int = 1
) -> Report:
    """Invite each (email, name) in order, refusing bad addresses, duplicates (in the list or
    already invited) and anything past the free places. Good rows are invited; each refused
    row says why."""
    lock_account(account)
    free = places(account).free
    live = _live(account)
    seen: set[str] = set()
    results: list[RowResult] = []
    for offset, (raw, name) in enumerate(entries):
        line = first_line + offset
        name = (name or "").strip()[:200]
        email = clean_email(raw)
        shown = (raw or "").strip()[:254]
        if email is None:
            results.append(RowResult(line, shown, name, False, "Not an email address"))
            continue
        if email in seen:
            results.append(RowResult(line, email, name, False, "Duplicate: already in this list"))
            continue
        seen.add(email)
        if email in live:
            results.append(
                RowResult(line, email, name, False, "Duplicate: already invited to your account")
            )
            continue
        if free <= 0:
            results.append(
                RowResult(
                    line,
                    email,
                    name,
                    False,
                    "Over the places bought: buy more places or cancel an invitation",
                )
            )
            continue
        employee = CorporateEmployee(account_id=account.id, email=email, name=name)
        db.session.add(employee)
        db.session.flush()
        _send(account, employee)
        free -= 1
        results.append(RowResult(line, email, name, True, employee=employee))
    report = Report(results)
    if report.accepted:
        record(
            "corporate.invited",
            f"{account.name}: invited {len(report.accepted)} employee(s)",
            actor=actor,
            account_id=account.id,
        )
    return report


def invite_csv(actor: User, account: CorporateAccount, data: bytes) -> Report:
    try:
        rows = read_rows(data)
    except ValueError as exc:
        raise CorporateError(str(exc), "file") from None
    if not rows:
        raise CorporateError("The file has no email addresses in it", "file")
    report = invite_many(actor, account, [(email, name) for _, email, name in rows])
    for result, (line, _, _) in zip(report.rows, rows, strict=True):
        result.line = line
    return report


def resend(actor: User, account: CorporateAccount, employee_id: int) -> CorporateEmployee:
    employee = get_employee(account, employee_id)
    if employee.status != EmployeeStatus.INVITED:
        raise CorporateError(f"{employee.email} has {employee.status.label.lower()} already")
    employee.last_sent_at = utcnow()
    _send(account, employee)
    db.session.flush()
    return employee


def cancel(actor: User, account: CorporateAccount, employee_id: int) -> CorporateEmployee:
    """Withdraw an invitation not yet accepted: its place is free again."""
    employee = get_employee(account, employee_id)
    if employee.status != EmployeeStatus.INVITED:
        raise CorporateError(
            f"{employee.email} has {employee.status.label.lower()} already: only invitations "
            "not yet accepted can be cancelled"
        )
    employee.status = EmployeeStatus.CANCELLED
    db.session.flush()
    record(
        "corporate.invitation_cancelled",
        f"{account.name}: cancelled the invitation to {employee.email}",
        actor=actor,
        account_id=account.id,
    )
    return employee


# --- the employee's side -----------------------------------------------------------------------


def resolve(token: str) -> CorporateEmployee:
    """The invitation a link names (whoever holds it), while it can still be accepted."""
    try:
        data = read_token(INVITE, token, INVITE_MAX_AGE_SECONDS)
    except TokenInvalid:
        raise NotFound("This invitation link is not valid or has expired") from None
    employee = db.session.get(CorporateEmployee, data.get("eid"))
    if employee is None or employee.account_id != data.get("aid"):
        raise NotFound("This invitation link is not valid or has expired")
    if employee.status == EmployeeStatus.CANCELLED:
        raise NotFound("This invitation has been withdrawn")
    return employee


def accept(user: User, token: str) -> CorporateEmployee:
    employee = resolve(token)
    if normalise_email(user.email) != employee.email:
        raise CorporateError(
            "This invitation is for another email address: sign in with the address it was sent to"
        )
    if employee.status == EmployeeStatus.ACCEPTED:
        return employee
    employee.status = EmployeeStatus.ACCEPTED
    employee.user_id = user.id
    employee.accepted_at = utcnow()
    if not employee.name:
        employee.name = user.name[:200]
    db.session.flush()
    record("corporate.accepted", "Accepted a corporate volunteering place", actor=user)
    return employee


def employment_of(user: User) -> CorporateEmployee | None:
    """The person's accepted place with a company (the latest, if several)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(CorporateEmployee)
        .where(
            CorporateEmployee.user_id == user.id,
            CorporateEmployee.status == EmployeeStatus.ACCEPTED,
        )
        .order_by(CorporateEmployee.accepted_at.desc(), CorporateEmployee.id.desc())
        .limit(1)
    )
