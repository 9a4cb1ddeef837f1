"""Corporate volunteering: packages the hub sells, the companies' accounts and what they
bought, their employees, and each employee's placement with a borough workspace.

Packages, accounts, purchases and employees are hub-level (a company is not a workspace);
placements are tenant-owned by the delivering workspace (under RLS, in the isolation matrix)
and reference the workspace's opportunity through `(tenant_id, opportunity_id)`. Money is in
integer pence.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.tenancy import (
    TenantScoped,
    _enum,
    tenant_foreign_key,
    tenant_table_args,
)
from londonhub.platform.core.timeutil import utcnow


class PackageKind(enum.StrEnum):
    TEAM_DAY = "team_day"  # one day for a team of up to `team_size`, priced per package
    PER_EMPLOYEE = "per_employee"  # one employee for a year, priced per employee
    SKILLS_PROGRAMME = "skills_programme"  # `team_size` employees for `months`, per package

    @property
    def label(self) -> str:
        return {
            "team_day": "Team volunteering day",
            "per_employee": "Employee volunteering, per employee per year",
            "skills_programme": "Skills-based programme",
        }[self.value]


class PackageStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"  # no longer sold; stays on the orders that bought it

    @property
    def label(self) -> str:
        return self.value.capitalize()


class VatTreatment(enum.StrEnum):
    STANDARD = "standard"  # 20% added to the price
    ZERO = "zero"
    EXEMPT = "exempt"
    OUTSIDE = "outside"  # outside the scope of VAT

    @property
    def label(self) -> str:
        return {
            "standard": "Standard rate (20% added)",
            "zero": "Zero rated",
            "exempt": "Exempt",
            "outside": "Outside the scope of VAT",
        }[self.value]

    @property
    def rate_percent(self) -> int:
        return 20 if self == VatTreatment.STANDARD else 0


class CorporatePackage(db.Model):
    """What the hub sells companies. Price per package (team day, skills programme) or per
    employee; each placement (or team day) pays the delivering workspace its share."""

    __tablename__ = "corporate_package"
    __table_args__ = (
        CheckConstraint("price_pence > 0", name="price_positive"),
        CheckConstraint("team_size > 0", name="team_size_positive"),
        CheckConstraint("min_quantity > 0 AND max_quantity >= min_quantity", name="quantities"),
        CheckConstraint(
            "hub_share_pence >= 0 AND workspace_share_pence >= 0", name="shares_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PackageKind] = mapped_column(_enum(PackageKind, "corporate_package_kind"))
    status: Mapped[PackageStatus] = mapped_column(
        _enum(PackageStatus, "corporate_package_status"), default=PackageStatus.DRAFT
    )
    summary: Mapped[str] = mapped_column(String(300), default="")
    #: What is included, one item a line.
    included: Mapped[str] = mapped_column(Text, default="")
    #: Per package (team day, skills programme) or per employee (per-employee kind), before VAT.
    price_pence: Mapped[int] = mapped_column(Integer)
    vat: Mapped[VatTreatment] = mapped_column(_enum(VatTreatment, "corporate_vat"))
    #: Employees one package covers (1 for the per-employee kind).
    team_size: Mapped[int] = mapped_column(Integer, default=1)
    #: Skills programmes: how long the programme runs.
    months: Mapped[int | None] = mapped_column(Integer)
    min_quantity: Mapped[int] = mapped_column(Integer, default=1)
    max_quantity: Mapped[int] = mapped_column(Integer, default=100)
    #: Unused places expire this many months after payment.
    validity_months: Mapped[int] = mapped_column(Integer, default=12)
    #: Per placement (per team day for team days): the hub's and the delivering workspace's.
    hub_share_pence: Mapped[int] = mapped_column(Integer)
    workspace_share_pence: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def per_employee(self) -> bool:
        return self.kind == PackageKind.PER_EMPLOYEE

    @property
    def included_items(self) -> list[str]:
        return [line.strip() for line in self.included.splitlines() if line.strip()]

    @property
    def unit_label(self) -> str:
        return "employee" if self.per_employee else "package"


class CorporateAccount(db.Model):
    """A company that bought volunteering: hub-level, seen only by its own admins (and the
    hub). Attached to a partner organisation when the company is one."""

    __tablename__ = "corporate_account"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company_number: Mapped[str] = mapped_column(String(8))
    billing_address: Mapped[str] = mapped_column(Text)
    partner_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("partner_organisation.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CorporateAdmin(db.Model):
    """A person who runs a company's account (the buyer first)."""

    __tablename__ = "corporate_admin"
    __table_args__ = (UniqueConstraint("account_id", "user_id"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("corporate_account.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PurchaseStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for payment (card or invoice)
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for payment",
            "paid": "Paid",
            "cancelled": "Cancelled",
            "refunded": "Refunded",
        }[self.value]


class CorporatePurchase(db.Model):
    """One purchase of a package by an account: its order (sold by the hub) and the places it
    gives once paid, until they expire."""

    __tablename__ = "corporate_purchase"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND places > 0", name="positive"),
        CheckConstraint("places_refunded BETWEEN 0 AND places", name="refunded_places"),
        UniqueConstraint("order_tenant_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("corporate_account.id", ondelete="CASCADE"), index=True
    )
    package_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("corporate_package.id", ondelete="RESTRICT")
    )
    buyer_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    quantity: Mapped[int] = mapped_column(Integer)
    #: Employees this purchase covers, and how many of them were refunded unused.
    places: Mapped[int] = mapped_column(Integer)
    places_refunded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Per place, before VAT, and the shares per placement, fixed when bought.
    place_price_pence: Mapped[int] = mapped_column(Integer)
    hub_share_pence: Mapped[int] = mapped_column(Integer)
    workspace_share_pence: Mapped[int] = mapped_column(Integer)
    total_pence: Mapped[int] = mapped_column(Integer)
    po_number: Mapped[str] = mapped_column(String(40), default="")
    invoice_requested: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PurchaseStatus] = mapped_column(
        _enum(PurchaseStatus, "corporate_purchase_status"), default=PurchaseStatus.PENDING
    )
    #: The hub's order for it (the hub's workspace row is the seller).
    order_tenant_id: Mapped[int | None] = mapped_column(ID_TYPE)
    order_id: Mapped[int | None] = mapped_column(ID_TYPE)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def places_kept(self) -> int:
        return self.places - self.places_refunded


class EmployeeStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"invited": "Invited", "accepted": "Accepted", "cancelled": "Cancelled"}[self.value]


class CorporateEmployee(db.Model):
    """An invitation to an employee, and once accepted, the employee's link to the account.
    One live invitation per email per account (the database refuses a second)."""

    __tablename__ = "corporate_employee"
    __table_args__ = (
        Index(
            "uq_corporate_employee_live_email",
            "account_id",
            "email",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("corporate_account.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[EmployeeStatus] = mapped_column(
        _enum(EmployeeStatus, "corporate_employee_status"), default=EmployeeStatus.INVITED
    )
    user_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PlacementStatus(enum.StrEnum):
    WAITING = "waiting"  # the employee chose an opportunity, or asked for help
    CONFIRMED = "confirmed"  # the workspace confirmed it: the employee volunteers there
    DECLINED = "declined"  # the workspace could not place them here; they may choose again
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "waiting": "Waiting for the Volunteer Centre",
            "confirmed": "Placed",
            "declined": "Not placed: choose again",
            "cancelled": "Cancelled",
        }[self.value]


#: Statuses that hold the employee: at most one such placement per employee.
LIVE_PLACEMENT = ("waiting", "confirmed")


class CorporatePlacement(TenantScoped, db.Model):
    """An employee's placement with the delivering workspace (the row's tenant): waiting,
    then confirmed exactly once (a conditional UPDATE), paying the workspace its share."""

    __tablename__ = "corporate_placement"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["opportunity_id"],
            "volunteering_opportunity",
            ["id"],
            ondelete="RESTRICT",
            name="fk_corporate_placement_opportunity",
        ),
        Index(
            "uq_corporate_placement_live_employee",
            "employee_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'confirmed')"),
            sqlite_where=text("status IN ('waiting', 'confirmed')"),
        ),
        Index("ix_corporate_placement_status", "tenant_id", "status"),
        CheckConstraint(
            "hub_share_pence >= 0 AND workspace_share_pence >= 0", name="shares_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("corporate_account.id", ondelete="RESTRICT"), index=True
    )
    employee_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("corporate_employee.id", ondelete="RESTRICT")
    )
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    #: None while the employee asked their Volunteer Centre for help choosing.
    opportunity_id: Mapped[int | None] = mapped_column(ID_TYPE)
    status: Mapped[PlacementStatus] = mapped_column(
        _enum(PlacementStatus, "corporate_placement_status"), default=PlacementStatus.WAITING
    )
    message: Mapped[str] = mapped_column(Text, default="")
    #: Set when confirmed: the purchase whose place it used and the shares paid.
    purchase_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("corporate_purchase.id", ondelete="RESTRICT")
    )
    hub_share_pence: Mapped[int] = mapped_column(Integer, default=0)
    workspace_share_pence: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
