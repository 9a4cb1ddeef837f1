"""A workspace's own data, with one of its API tokens: bookings, orders, volunteers, hours,
and (with a read-and-write token) verifying hours."""

from __future__ import annotations

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import as_utc
from londonhub.tenants.rooms import services as rooms
from londonhub.tenants.volunteering import services as volunteering

from . import schemas as s
from .paging import page_of
from .problems import ApiProblem
from .tokens import acting_user
from .v1 import api


def _utc(moment):
    return None if moment is None else as_utc(moment)


@api.operation(
    "/workspaces/<slug>/bookings",
    summary="The workspace's room bookings and block-outs",
    tag="workspace data",
    query=s.PageQuery,
    response=s.BookingPage,
    scope="read",
)
def list_bookings(workspace: Workspace, query: s.PageQuery) -> s.BookingPage:
    rows, cursor = page_of(
        lambda after, limit: rooms.bookings_after(workspace, after, limit),
        query.model_dump(),
        key=lambda b: b.id,
    )
    return s.BookingPage(
        data=[
            s.BookingOut(
                id=b.id,
                room_id=b.room_id,
                kind=b.kind.value,
                status=b.status.value,
                starts_at=as_utc(b.starts_at),
                ends_at=as_utc(b.ends_at),
                reference=b.reference,
                attendees=b.attendees,
                organisation_name=b.organisation_name,
                price_pence=b.price_pence,
                order_id=b.order_id,
                created_at=as_utc(b.created_at),
                cancelled_at=_utc(b.cancelled_at),
            )
            for b in rows
        ],
        next_cursor=cursor,
    )


@api.operation(
    "/workspaces/<slug>/orders",
    summary="The workspace's sales",
    tag="workspace data",
    query=s.PageQuery,
    response=s.OrderPage,
    scope="read",
)
def list_orders(workspace: Workspace, query: s.PageQuery) -> s.OrderPage:
    """Amounts are whole pence."""
    rows, cursor = page_of(
        lambda after, limit: billing.seller_orders_after(workspace, after, limit),
        query.model_dump(),
        key=lambda o: o.id,
    )
    return s.OrderPage(
        data=[
            s.OrderOut(
                id=o.id,
                kind=o.kind,
                status=o.status.value,
                description=o.description,
                total_pence=o.total_pence,
                platform_fee_pence=o.platform_fee_pence,
                refunded_pence=o.refunded_pence,
                currency=o.currency,
                buyer_name=o.buyer_name,
                buyer_email=o.buyer_email,
                buyer_organisation=o.buyer_organisation,
                payment_mode=o.payment_mode.value,
                created_at=as_utc(o.created_at),
                paid_at=_utc(o.paid_at),
            )
            for o in rows
        ],
        next_cursor=cursor,
    )


@api.operation(
    "/workspaces/<slug>/volunteers",
    summary="Volunteers' responses to the workspace's opportunities",
    tag="workspace data",
    query=s.PageQuery,
    response=s.VolunteerPage,
    scope="read",
)
def list_volunteers(workspace: Workspace, query: s.PageQuery) -> s.VolunteerPage:
    """One item per response (interest, sign-up, place), naming the person."""
    rows, cursor = page_of(
        lambda after, limit: volunteering.responses_after(workspace, after, limit),
        query.model_dump(),
        key=lambda row: row[0].id,
    )
    return s.VolunteerPage(
        data=[
            s.VolunteerOut(
                id=r.id,
                volunteer_id=r.user_id,
                volunteer_name=name,
                opportunity_id=r.opportunity_id,
                opportunity_title=title,
                session_id=r.session_id,
                status=r.status.value,
                created_at=as_utc(r.created_at),
            )
            for r, title, name in rows
        ],
        next_cursor=cursor,
    )


def _hours_out(h, title: str, name: str) -> s.HoursOut:
    return s.HoursOut(
        id=h.id,
        volunteer_id=h.user_id,
        volunteer_name=name,
        opportunity_id=h.opportunity_id,
        opportunity_title=title,
        day=h.day,
        minutes=h.minutes,
        status=h.status.value,
        verified_at=_utc(h.verified_at),
    )


@api.operation(
    "/workspaces/<slug>/hours",
    summary="Hours volunteers recorded with the workspace",
    tag="workspace data",
    query=s.HoursQuery,
    response=s.HoursPage,
    scope="read",
)
def list_hours(workspace: Workspace, query: s.HoursQuery) -> s.HoursPage:
    status = volunteering.HoursStatus(query.status) if query.status else None
    rows, cursor = page_of(
        lambda after, limit: volunteering.hours_after(workspace, after, limit, status=status),
        query.model_dump(),
        key=lambda row: row[0].id,
    )
    return s.HoursPage(data=[_hours_out(*row) for row in rows], next_cursor=cursor)


@api.operation(
    "/workspaces/<slug>/hours/<int:hours_id>/verification",
    method="PUT",
    summary="Verify (or reject) hours a volunteer recorded",
    tag="workspace data",
    body=s.Verification,
    response=s.HoursOut,
    scope="write",
)
def verify_hours(workspace: Workspace, hours_id: int, body: s.Verification) -> s.HoursOut:
    """Needs a read-and-write token. Acts as the admin who made the token (recorded in the
    workspace's audit log)."""
    try:
        volunteering.verify(acting_user(), workspace, hours_id, body.verified)
    except volunteering.VolunteeringError as exc:
        raise ApiProblem(409, str(exc)) from None
    db.session.commit()
    rows = volunteering.hours_after(workspace, hours_id - 1, 1)
    return _hours_out(*rows[0])
