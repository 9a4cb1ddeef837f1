"""A company's impact, from the records: places bought, invited, placed and completed;
placements by borough and cause; verified hours; each employee's name and status. Nothing
else about an employee (no profile, no contact) ever reaches the company, and every query
starts from the company's own account."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, hub_scope
from londonhub.tenants.volunteering import services as volunteering

from ..models import (
    CorporateAccount,
    CorporateEmployee,
    CorporatePlacement,
    EmployeeStatus,
    PlacementStatus,
)
from .accounts import Places, places
from .placements import is_completed, verified_minutes


@dataclass
class EmployeeLine:
    name: str
    email: str
    invitation: EmployeeStatus
    status: str
    borough: str
    cause: str
    hours: float


@dataclass
class Impact:
    account: CorporateAccount
    places: Places
    completed: int
    minutes: int
    by_borough: list[tuple[str, int]] = field(default_factory=list)
    by_cause: list[tuple[str, int]] = field(default_factory=list)
    employees: list[EmployeeLine] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def largest(self) -> int:
        return max([n for _, n in self.by_borough + self.by_cause] or [1])


def _placement_status(placement: CorporatePlacement | None, done: bool) -> str:
    if placement is None:
        return "Choosing an opportunity"
    if done:
        return "Completed"
    return placement.status.label


def impact(account: CorporateAccount) -> Impact:
    Opp = volunteering.Opportunity
    query = (
        select(
            CorporateEmployee,
            CorporatePlacement,
            Workspace.borough,
            Opp.cause,
            verified_minutes(),
            is_completed(),
        )
        .outerjoin(
            CorporatePlacement,
            and_(
                CorporatePlacement.employee_id == CorporateEmployee.id,
                CorporatePlacement.status.in_([PlacementStatus.WAITING, PlacementStatus.CONFIRMED]),
            ),
        )
        .outerjoin(Workspace, Workspace.id == CorporatePlacement.tenant_id)
        .outerjoin(
            Opp,
            and_(
                Opp.tenant_id == CorporatePlacement.tenant_id,
                Opp.id == CorporatePlacement.opportunity_id,
            ),
        )
        .where(
            CorporateEmployee.account_id == account.id,
            CorporateEmployee.status != EmployeeStatus.CANCELLED,
        )
        .order_by(func.lower(CorporateEmployee.name), CorporateEmployee.email)
    )
    with hub_scope("a company's own placements and hours", audit=False):
        rows = db.session.execute(query).all()
    result = Impact(account, places(account), 0, 0)
    boroughs: dict[str, int] = {}
    causes: dict[str, int] = {}
    for employee, placement, borough, cause, minutes, done in rows:
        confirmed = placement is not None and placement.status == PlacementStatus.CONFIRMED
        cause_label = volunteering.CAUSES.get(cause or "", "")
        if confirmed:
            boroughs[borough] = boroughs.get(borough, 0) + 1
            causes[cause_label] = causes.get(cause_label, 0) + 1
            result.minutes += minutes or 0
            result.completed += 1 if done else 0
        result.employees.append(
            EmployeeLine(
                employee.name or employee.email,
                employee.email,
                employee.status,
                "Invitation sent"
                if employee.status == EmployeeStatus.INVITED
                else _placement_status(placement, bool(done)),
                (borough or "") if confirmed else "",
                cause_label if confirmed else "",
                round((minutes or 0) / 60, 1) if confirmed else 0,
            )
        )
    result.by_borough = sorted(boroughs.items(), key=lambda kv: (-kv[1], kv[0]))
    result.by_cause = sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))
    return result


def csv_rows(found: Impact) -> list[list[str]]:
    """The impact summary as CSV: totals, by borough, by cause, then each employee."""
    rows: list[list[str]] = [
        ["Impact summary", found.account.name],
        ["Places bought", str(found.places.bought)],
        ["Employees invited", str(found.places.invited)],
        ["Employees placed", str(found.places.placed)],
        ["Placements completed", str(found.completed)],
        ["Verified hours", f"{found.hours:g}"],
        [],
        ["Borough", "Employees placed"],
        *[[b, str(n)] for b, n in found.by_borough],
        [],
        ["Cause", "Employees placed"],
        *[[c, str(n)] for c, n in found.by_cause],
        [],
        ["Employee", "Status", "Borough", "Cause", "Verified hours"],
        *[[e.name, e.status, e.borough, e.cause, f"{e.hours:g}"] for e in found.employees],
    ]
    return rows
