"""Placements, as the delivering workspace sees them: employees waiting in its area, whom it
confirms onto one of its opportunities exactly once (a conditional UPDATE: two staff, or two
clicks, confirming at once make one placement), paying the workspace its share through
billing; and what it has placed and earned. A placement is complete once hours on it are
verified (read from the volunteering hours, never copied)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, update

from londonhub.billing import services as billing
from londonhub.platform.core.access import require_role
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.money import format_pence
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_today, utcnow
from londonhub.tenants.volunteering import services as volunteering

from ..models import (
    CorporateAccount,
    CorporateEmployee,
    CorporatePlacement,
    CorporatePurchase,
    PlacementStatus,
    PurchaseStatus,
)
from . import CorporateError, NotFound, events
from .accounts import lock_account


def verified_minutes():
    """Verified minutes on a placement's opportunity by its employee (correlated)."""
    Hours = volunteering.VolunteerHours
    return (
        select(func.coalesce(func.sum(Hours.minutes), 0))
        .where(
            Hours.tenant_id == CorporatePlacement.tenant_id,
            Hours.opportunity_id == CorporatePlacement.opportunity_id,
            Hours.user_id == CorporatePlacement.user_id,
            Hours.status == volunteering.HoursStatus.VERIFIED,
        )
        .correlate(CorporatePlacement)
        .scalar_subquery()
    )


def is_completed():
    Hours = volunteering.VolunteerHours
    return and_(
        CorporatePlacement.status == PlacementStatus.CONFIRMED,
        exists().where(
            Hours.tenant_id == CorporatePlacement.tenant_id,
            Hours.opportunity_id == CorporatePlacement.opportunity_id,
            Hours.user_id == CorporatePlacement.user_id,
            Hours.status == volunteering.HoursStatus.VERIFIED,
        ),
    )


@dataclass
class Row:
    placement: CorporatePlacement
    employee_name: str
    company: str
    opportunity_title: str | None
    causes: list[str]
    skills: list[str]
    availability: list[str]
    minutes: int
    completed: bool

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _rows(workspace: Workspace, statuses: tuple[PlacementStatus, ...]) -> list[Row]:
    Opp = volunteering.Opportunity
    Profile = volunteering.VolunteerProfile
    query = (
        select(
            CorporatePlacement,
            CorporateEmployee.name,
            CorporateAccount.name,
            Opp.title,
            Profile,
            verified_minutes(),
            is_completed(),
        )
        .join(CorporateEmployee, CorporateEmployee.id == CorporatePlacement.employee_id)
        .join(CorporateAccount, CorporateAccount.id == CorporatePlacement.account_id)
        .outerjoin(
            Opp,
            and_(
                Opp.tenant_id == CorporatePlacement.tenant_id,
                Opp.id == CorporatePlacement.opportunity_id,
            ),
        )
        .outerjoin(Profile, Profile.user_id == CorporatePlacement.user_id)
        .where(
            CorporatePlacement.tenant_id == workspace.id, CorporatePlacement.status.in_(statuses)
        )
        .order_by(CorporatePlacement.created_at, CorporatePlacement.id)
    )
    with tenant_context(workspace.id):
        rows = db.session.execute(query).all()
    return [
        Row(
            placement,
            name,
            company,
            title,
            profile.cause_labels if profile else [],
            profile.skill_labels if profile else [],
            profile.availability_labels if profile else [],
            minutes or 0,
            bool(done),
        )
        for placement, name, company, title, profile, minutes, done in rows
    ]


def waiting_in(workspace: Workspace) -> list[Row]:
    """Employees waiting for this workspace: they chose one of its opportunities, or live in
    its borough and asked for help. The workspace sees their name, company, causes, skills
    and availability (what they gave for matching), nothing else of their profile."""
    return _rows(workspace, (PlacementStatus.WAITING,))


def placed_in(workspace: Workspace) -> list[Row]:
    return _rows(workspace, (PlacementStatus.CONFIRMED,))


def income(workspace: Workspace) -> int:
    with tenant_context(workspace.id):
        return db.session.scalar(
            select(func.coalesce(func.sum(CorporatePlacement.workspace_share_pence), 0)).where(
                CorporatePlacement.tenant_id == workspace.id,
                CorporatePlacement.status == PlacementStatus.CONFIRMED,
            )
        )


def get_placement(workspace: Workspace, placement_id: int) -> CorporatePlacement:
    with tenant_context(workspace.id):
        placement = db.session.scalar(
            select(CorporatePlacement).where(
                CorporatePlacement.tenant_id == workspace.id, CorporatePlacement.id == placement_id
            )
        )
    if placement is None:
        raise NotFound("There is no such placement here")
    return placement


def suitable_opportunities(workspace: Workspace) -> list:
    """The workspace's open opportunities it could place an employee on."""
    Opp = volunteering.Opportunity
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(Opp)
                .where(
                    Opp.tenant_id == workspace.id,
                    Opp.status == volunteering.OpportunityStatus.PUBLISHED,
                )
                .order_by(Opp.title, Opp.id)
            )
        )


def _purchase_with_room(account: CorporateAccount) -> CorporatePurchase | None:
    """The paid, unexpired purchase with a place left that expires first (account locked)."""
    with hub_scope("a company's used places", audit=False):
        used = dict(
            db.session.execute(
                select(CorporatePlacement.purchase_id, func.count())
                .where(
                    CorporatePlacement.account_id == account.id,
                    CorporatePlacement.status == PlacementStatus.CONFIRMED,
                )
                .group_by(CorporatePlacement.purchase_id)
            ).all()
        )
    for purchase in db.session.scalars(
        select(CorporatePurchase)
        .where(
            CorporatePurchase.account_id == account.id,
            CorporatePurchase.status == PurchaseStatus.PAID,
            CorporatePurchase.expires_on >= london_today(),
        )
        .order_by(CorporatePurchase.expires_on, CorporatePurchase.id)
    ):
        if purchase.places_kept - used.get(purchase.id, 0) > 0:
            return purchase
    return None


def confirm(
    actor: User, workspace: Workspace, placement_id: int, opportunity_id: int | None = None
) -> CorporatePlacement:
    """Confirm a waiting employee onto one of the workspace's open opportunities (the one they
    chose, or another the workspace proposes): exactly once. Takes a place from the company's
    purchases, pays the workspace its share (billing), and accepts the employee on the
    opportunity so they record hours like any volunteer."""
    require_role(actor, workspace, Role.STAFF, write=True)
    placement = get_placement(workspace, placement_id)
    if placement.status != PlacementStatus.WAITING:
        raise CorporateError("This placement was confirmed or closed already")
    chosen = opportunity_id or placement.opportunity_id
    if chosen is None:
        raise CorporateError("Choose the opportunity to place them on", "opportunity_id")
    try:
        opportunity, _group = volunteering.get_public_opportunity(workspace, chosen)
    except volunteering.NotFound:
        raise CorporateError(
            "Choose one of your published opportunities", "opportunity_id"
        ) from None
    if not volunteering.is_open(opportunity):
        raise CorporateError(
            f"{opportunity.title} is closed: choose another opportunity", "opportunity_id"
        )
    sessions = volunteering.upcoming_sessions(workspace, opportunity.id)
    if sessions and all(s.places_left <= 0 for s in sessions):
        raise CorporateError(
            f"Every session of {opportunity.title} is full: choose another opportunity",
            "opportunity_id",
        )
    account = db.session.get(CorporateAccount, placement.account_id)
    lock_account(account)
    with tenant_context(workspace.id):
        changed = db.session.execute(
            update(CorporatePlacement)
            .where(
                CorporatePlacement.tenant_id == workspace.id,
                CorporatePlacement.id == placement.id,
                CorporatePlacement.status == PlacementStatus.WAITING,
            )
            .values(
                status=PlacementStatus.CONFIRMED,
                opportunity_id=opportunity.id,
                confirmed_at=utcnow(),
                confirmed_by_id=actor.id,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    if changed != 1:
        raise CorporateError("This placement was confirmed or closed already")
    purchase = _purchase_with_room(account)
    if purchase is None:
        raise CorporateError(
            f"{account.name} has no places left to use: they need to buy more before this "
            "placement can be confirmed"
        )
    with tenant_context(workspace.id):
        db.session.refresh(placement)
        placement.purchase_id = purchase.id
        placement.hub_share_pence = purchase.hub_share_pence
        placement.workspace_share_pence = purchase.workspace_share_pence
        db.session.flush()
    order = _order_of(purchase)
    employee = db.session.get(CorporateEmployee, placement.employee_id)
    billing.pay_share(
        order,
        workspace,
        purchase.workspace_share_pence,
        f"corporate-placement:{workspace.id}:{placement.id}",
        f"corporate placement of {employee.name or 'an employee'} ({account.name})",
    )
    person = db.session.get(User, placement.user_id)
    volunteering.accept_onto(
        workspace, opportunity.id, person, f"Corporate volunteering placement ({account.name})"
    )
    with tenant_context(workspace.id):
        events.placement_confirmed(workspace, placement, account, opportunity.title)
    record(
        "corporate.placed",
        f"Placed {employee.name or person.name} of {account.name} on {opportunity.title} "
        f"({format_pence(purchase.workspace_share_pence)} to {workspace.name})",
        workspace=workspace,
        actor=actor,
        placement_id=placement.id,
    )
    send_email(
        person.email,
        f"Your volunteering placement: {opportunity.title}",
        f"Hello {person.name},\n\n{workspace.name} has confirmed your placement: "
        f"{opportunity.title}.\nThey will be in touch about when to start. Record your hours "
        "on your volunteer pages once you have volunteered.\n",
    )
    return placement


def _order_of(purchase: CorporatePurchase) -> billing.Order:
    with tenant_context(purchase.order_tenant_id):
        return db.session.scalar(select(billing.Order).where(billing.Order.id == purchase.order_id))


def decline(actor: User, workspace: Workspace, placement_id: int, reason: str) -> None:
    """The workspace cannot place them here: the employee is told why and chooses again."""
    require_role(actor, workspace, Role.STAFF, write=True)
    reason = (reason or "").strip()
    if not reason:
        raise CorporateError("Say why, so the employee can choose again", "reason")
    placement = get_placement(workspace, placement_id)
    with tenant_context(workspace.id):
        changed = db.session.execute(
            update(CorporatePlacement)
            .where(
                CorporatePlacement.tenant_id == workspace.id,
                CorporatePlacement.id == placement.id,
                CorporatePlacement.status == PlacementStatus.WAITING,
            )
            .values(status=PlacementStatus.DECLINED, message=reason[:1000])
            .execution_options(synchronize_session=False)
        ).rowcount
    if changed != 1:
        raise CorporateError("This placement was confirmed or closed already")
    person = db.session.get(User, placement.user_id)
    send_email(
        person.email,
        f"{workspace.name} could not confirm your volunteering choice",
        f"Hello {person.name},\n\n{workspace.name} could not place you there: {reason[:1000]}\n\n"
        "Please choose another opportunity on your corporate volunteering page.\n",
    )
    record(
        "corporate.declined",
        "Declined a corporate placement",
        workspace=workspace,
        actor=actor,
        placement_id=placement.id,
    )
