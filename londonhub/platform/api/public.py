"""Public reads: what the hub and its workspaces publish to everyone."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from londonhub.platform.consultancy import services as consultancy
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, WorkspaceStatus
from londonhub.platform.core.timeutil import london_today
from londonhub.platform.resources import services as resources
from londonhub.tenants.rooms import services as rooms
from londonhub.tenants.volunteering import services as volunteering

from . import schemas as s
from .paging import page_of
from .problems import ApiProblem
from .v1 import api

MAX_WINDOW_DAYS = 31


def _link(endpoint: str, **values: object) -> str:
    return url_for(endpoint, _external=True, **values)


# --- workspaces ------------------------------------------------------------------------------


def _workspace_out(workspace: Workspace) -> s.WorkspaceOut:
    return s.WorkspaceOut(
        slug=workspace.slug,
        name=workspace.name,
        kind=workspace.kind.value,
        borough=workspace.borough,
        status=workspace.status.value,
        description=workspace.description or "",
        website=workspace.website,
        address=workspace.address,
        postcode=workspace.postcode,
        url=_link("workspace.home", slug=workspace.slug),
    )


def _workspaces_after(after_id: int, limit: int) -> list[Workspace]:
    return list(
        db.session.scalars(
            select(Workspace)
            .where(
                Workspace.is_hub.is_(False),
                Workspace.status != WorkspaceStatus.ARCHIVED,
                Workspace.id > after_id,
            )
            .order_by(Workspace.id)
            .limit(limit)
        )
    )


@api.operation(
    "/workspaces",
    summary="The borough workspaces",
    tag="workspaces",
    query=s.PageQuery,
    response=s.WorkspacePage,
)
def list_workspaces(query: s.PageQuery) -> s.WorkspacePage:
    """Every borough's CVS or Volunteer Centre on the hub (suspended ones too, marked so)."""
    rows, cursor = page_of(_workspaces_after, query.model_dump(), key=lambda w: w.id)
    return s.WorkspacePage(data=[_workspace_out(w) for w in rows], next_cursor=cursor)


@api.operation(
    "/workspaces/<slug>", summary="One borough workspace", tag="workspaces", response=s.WorkspaceOut
)
def get_workspace(workspace: Workspace) -> s.WorkspaceOut:
    return _workspace_out(workspace)


# --- rooms -----------------------------------------------------------------------------------


def room_out(room: rooms.Room, slug: str) -> s.RoomOut:
    return s.RoomOut(
        id=room.id,
        workspace=slug,
        name=room.name,
        venue_name=room.venue_name,
        address=room.address,
        postcode=room.postcode,
        description=room.description or "",
        capacity=room.capacity_max,
        accessibility=[k for k in rooms.ACCESSIBILITY if getattr(room, k)],
        facilities=[k for k in rooms.FACILITIES if getattr(room, k)],
        prices=s.Prices(
            community_hourly_pence=room.community_hourly_pence,
            public_hourly_pence=room.public_hourly_pence,
            business_hourly_pence=room.business_hourly_pence,
        ),
        url=_link("rooms_public.room", slug=slug, room_id=room.id),
    )


@api.operation(
    "/rooms",
    summary="Every published room in London",
    tag="rooms",
    query=s.RoomQuery,
    response=s.RoomPage,
)
def list_rooms(query: s.RoomQuery) -> s.RoomPage:
    """Rooms of active workspaces, optionally in one borough or for at least `capacity`."""
    filters = query.model_dump()
    rows, cursor = page_of(
        lambda after, limit: rooms.published_after(
            after, limit, borough=query.borough, capacity=query.capacity
        ),
        filters,
        key=lambda row: row[0].id,
    )
    return s.RoomPage(data=[room_out(room, slug) for room, slug in rows], next_cursor=cursor)


@api.operation(
    "/workspaces/<slug>/rooms/<int:room_id>/availability",
    summary="A room's opening hours and taken times over a window of days",
    tag="rooms",
    query=s.WindowQuery,
    response=s.AvailabilityOut,
)
def room_availability(
    workspace: Workspace, room_id: int, query: s.WindowQuery
) -> s.AvailabilityOut:
    """Free time is within the opening hours and outside every `busy` period."""
    start = query.start or london_today()
    end = query.end or start + timedelta(days=6)
    if end < start or end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise ApiProblem(
            400,
            f"`end` must be on or after `start`, and at most {MAX_WINDOW_DAYS} days after it.",
            errors=[{"name": "end", "message": "outside the allowed window"}],
        )
    room = rooms.get_public_room(workspace, room_id)
    days, busy = rooms.window_availability(room, start, end)
    return s.AvailabilityOut(
        room=room_out(room, workspace.slug),
        start=start,
        end=end,
        days=[
            s.DayOut(
                date=day,
                opens=rooms.format_minutes(hours[0]) if hours else None,
                closes=rooms.format_minutes(hours[1]) if hours else None,
            )
            for day, hours in days
        ],
        busy=[s.Period(starts_at=a, ends_at=b) for a, b in busy],
    )


# --- opportunities, associates, resources ----------------------------------------------------


@api.operation(
    "/opportunities",
    summary="Open volunteering opportunities across London",
    tag="opportunities",
    query=s.OpportunityQuery,
    response=s.OpportunityPage,
)
def list_opportunities(query: s.OpportunityQuery) -> s.OpportunityPage:
    """Published and not past their closing date, in active workspaces."""
    rows, cursor = page_of(
        lambda after, limit: volunteering.open_opportunities_after(
            after, limit, borough=query.borough
        ),
        query.model_dump(),
        key=lambda row: row[0].id,
    )
    return s.OpportunityPage(
        data=[
            s.OpportunityOut(
                id=o.id,
                workspace=slug,
                title=o.title,
                summary=o.summary,
                causes=[o.cause] if o.cause else [],
                skills=volunteering.unpack(o.skills),
                remote=o.remote,
                url=_link("volunteering_public.opportunity", slug=slug, opportunity_id=o.id),
            )
            for o, slug in rows
        ],
        next_cursor=cursor,
    )


@api.operation(
    "/associates",
    summary="The consultancy pool's approved associates",
    tag="consultancy",
    query=s.PageQuery,
    response=s.AssociatePage,
)
def list_associates(query: s.PageQuery) -> s.AssociatePage:
    """Day rates are whole pence."""
    rows, cursor = page_of(consultancy.listed_associates_after, query.model_dump(), lambda a: a.id)
    return s.AssociatePage(
        data=[
            s.AssociateOut(
                slug=a.slug,
                name=a.name,
                headline=a.headline,
                expertise=consultancy.unpack(a.expertise),
                boroughs=consultancy.unpack(a.boroughs),
                day_rate_pence=a.day_rate_pence,
                url=_link("consultancy.associate_page", associate_slug=a.slug),
            )
            for a in rows
        ],
        next_cursor=cursor,
    )


@api.operation(
    "/resources",
    summary="The shared pool's published resources",
    tag="resources",
    query=s.PageQuery,
    response=s.ResourcePage,
)
def list_resources(query: s.PageQuery) -> s.ResourcePage:
    """Each at its published version (drafts never appear)."""
    rows, cursor = page_of(resources.published_after, query.model_dump(), lambda e: e.resource.id)
    return s.ResourcePage(
        data=[
            s.ResourceOut(
                id=e.resource.id,
                title=e.version.title,
                summary=e.version.summary,
                resource_type=e.version.resource_type,
                topics=resources.unpack_topics(e.version.topics),
                licence=e.version.licence,
                version=e.version.number,
                owner=None if e.owner.is_hub else e.owner.slug,
                url=_link("resources.detail", resource_id=e.resource.id),
            )
            for e in rows
        ],
        next_cursor=cursor,
    )
