"""Orders: the hub as a seller, status moves (each recorded), reading and listing orders,
cancelling unpaid ones."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User, has_role
from londonhub.platform.core.tenancy import (
    Workspace,
    WorkspaceKind,
    WorkspaceStatus,
    hub_scope,
    tenant_context,
)

from ..fulfilment import handler_for
from ..models import (
    TRANSITIONS,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from .errors import NotAllowed, OrderNotFound

HUB_SLUG = "london-hub"


@dataclass(frozen=True)
class Line:
    description: str
    unit_pence: int
    quantity: int = 1
    #: For hub sales: the workspace that receives this line's income, less the hub's fee.
    beneficiary: Workspace | None = None

    @property
    def total_pence(self) -> int:
        return self.unit_pence * self.quantity


# --- the hub as a seller ------------------------------------------------------------------------


def hub_workspace() -> Workspace:
    """The hub's own workspace row: the seller of hub-sold items and holder of the fees."""
    workspace = db.session.scalar(select(Workspace).where(Workspace.is_hub.is_(True)))
    if workspace is None:
        workspace = Workspace(
            slug=HUB_SLUG,
            name=current_app.config["HUB_NAME"],
            borough="London",
            kind=WorkspaceKind.BOTH,
            status=WorkspaceStatus.ACTIVE,
            description="",
            is_hub=True,
        )
        db.session.add(workspace)
        db.session.flush()
    return workspace


def platform_fee(total_pence: int) -> int:
    """The hub's fee in whole pence, rounded down (the seller keeps the odd penny)."""
    return total_pence * int(current_app.config["PLATFORM_FEE_PERCENT"]) // 100


# --- orders -----------------------------------------------------------------------------------


def _transition(
    order: Order,
    to: OrderStatus,
    note: str,
    *,
    actor: User | None = None,
    stripe_event_id: str | None = None,
) -> bool:
    """Move an order along; False (and nothing changed) when the move is not allowed."""
    if to != order.status and to not in TRANSITIONS[order.status]:
        return False
    if to == order.status and to != OrderStatus.PARTIALLY_REFUNDED:
        return False
    db.session.add(
        OrderEvent(
            tenant_id=order.tenant_id,
            order_id=order.id,
            from_status=order.status.value if order.status else None,
            to_status=to.value,
            note=note[:300],
            actor_id=actor.id if actor else None,
            stripe_event_id=stripe_event_id,
        )
    )
    order.status = to
    return True


def order_lines(order: Order) -> list[OrderLine]:
    with tenant_context(order.tenant_id):
        return list(
            db.session.scalars(
                select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
            )
        )


def order_history(order: Order) -> list[OrderEvent]:
    with tenant_context(order.tenant_id):
        return list(
            db.session.scalars(
                select(OrderEvent)
                .where(OrderEvent.order_id == order.id)
                .order_by(OrderEvent.created_at, OrderEvent.id)
            )
        )


def lock_order(tenant_id: int, order_id: int) -> Order | None:
    """The order, locked until this transaction ends, and re-read under the lock (a copy
    already in the session may be stale). Whatever is checked against it after this (how much
    is left to refund, say) and the rows written on that check are one serialised step.

    PostgreSQL: SELECT ... FOR UPDATE on the order's row. SQLite ignores FOR UPDATE and lets
    two transactions read before either writes, so the database's write lock is taken first
    with an update that changes nothing: a second writer waits here until the first commits,
    then reads what it wrote."""
    with tenant_context(tenant_id):
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(refunded_pence=Order.refunded_pence)
                .execution_options(synchronize_session=False)
            )
        return db.session.scalar(
            select(Order)
            .where(Order.id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )


def get_seller_order(workspace: Workspace, order_id: int, *, lock: bool = False) -> Order:
    """An order of this workspace; another workspace's id is simply not found."""
    if lock:
        order = lock_order(workspace.id, order_id)
    else:
        with tenant_context(workspace.id):
            order = db.session.scalar(select(Order).where(Order.id == order_id))
    if order is None:
        raise OrderNotFound("No such order")
    return order


def get_buyer_order(user: User, order_id: int) -> Order:
    """One of this person's own orders, whichever workspace sold it."""
    with hub_scope("a buyer's own order", audit=False):
        order = db.session.scalar(
            select(Order).where(Order.id == order_id, Order.buyer_user_id == user.id)
        )
    if order is None:
        raise OrderNotFound("No such order")
    return order


def list_buyer_orders(user: User) -> list[tuple[Order, Workspace]]:
    return _orders_of_buyers([user.id], "a buyer's own orders")


def list_orders_of_buyers(user_ids: list[int]) -> list[tuple[Order, Workspace]]:
    """Every order any of these people bought, in any workspace, newest first (a partner
    organisation's orders, shared with its members)."""
    return _orders_of_buyers(user_ids, "orders of a partner organisation's members")


def _orders_of_buyers(user_ids: list[int], reason: str) -> list[tuple[Order, Workspace]]:
    if not user_ids:
        return []
    with hub_scope(reason, audit=False):
        rows = db.session.execute(
            select(Order, Workspace)
            .join(Workspace, Workspace.id == Order.tenant_id)
            .where(Order.buyer_user_id.in_(user_ids))
            .order_by(Order.created_at.desc(), Order.id.desc())
        ).all()
    return [(order, workspace) for order, workspace in rows]


def list_seller_orders(workspace: Workspace, limit: int = 200) -> list[Order]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(Order).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
            )
        )


def seller_orders_after(workspace: Workspace, after_id: int, limit: int) -> list[Order]:
    """The workspace's sales in id order after `after_id` (the API's keyset page)."""
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(Order)
                .where(Order.tenant_id == workspace.id, Order.id > after_id)
                .order_by(Order.id)
                .limit(limit)
            )
        )


def _require_seller_admin(user: User, workspace: Workspace) -> None:
    # The hub's own sales (corporate packages) are run by hub admins.
    if workspace.is_hub and getattr(user, "is_hub_admin", False):
        return
    if not has_role(user, workspace, Role.ADMIN):
        raise NotAllowed(f"You need the admin role in {workspace.name} to do this")


def cancel_unpaid(
    order: Order, note: str, *, stripe_event_id: str | None = None, actor: User | None = None
) -> bool:
    with tenant_context(order.tenant_id):
        if not _transition(
            order, OrderStatus.CANCELLED, note, actor=actor, stripe_event_id=stripe_event_id
        ):
            return False
        handler_for(order.kind).on_cancelled(order)
        db.session.flush()
    return True
