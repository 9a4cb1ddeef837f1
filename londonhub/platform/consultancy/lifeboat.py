"""Lifeboat: organisations in difficulty ask for help without an account; the hub triages,
assigns associates, may offer help from the subsidy pot, and records an orderly transfer plan
where an organisation must close.

Confidential: a request is read by hub admins, by the associates assigned to it, and by a
borough workspace's staff only once the hub shares it with that workspace. Every read names
the reader in its WHERE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.mail import send_email
from londonhub.platform.core.tenancy import Workspace

from .associates import ConsultancyError, NotAllowed, NotFound, associate_of
from .models import (
    BOROUGHS,
    Associate,
    AssociateStatus,
    LifeboatAssignment,
    LifeboatRequest,
    LifeboatSituation,
    LifeboatStatus,
)

URGENCY = {1: "Can wait a month", 2: "Within two weeks", 3: "This week", 4: "Today"}


@dataclass
class RequestDraft:
    organisation: str
    contact_name: str
    contact_email: str
    situation: str
    details: str
    contact_phone: str = ""
    borough: str = ""


def submit(draft: RequestDraft) -> LifeboatRequest:
    """A request from anyone; the hub is told by email (the request's text stays on the site)."""
    if draft.situation not in LifeboatSituation.__members__.values():
        raise ConsultancyError("Choose what is happening", "situation")
    if draft.borough and draft.borough not in BOROUGHS:
        raise ConsultancyError("Choose a London borough", "borough")
    request = LifeboatRequest(
        organisation=draft.organisation.strip()[:200],
        contact_name=draft.contact_name.strip()[:200],
        contact_email=draft.contact_email.strip()[:254],
        contact_phone=draft.contact_phone.strip()[:40],
        borough=draft.borough,
        situation=LifeboatSituation(draft.situation),
        details=draft.details.strip()[:10_000],
    )
    db.session.add(request)
    db.session.flush()
    hub_admins = db.session.scalars(select(User.email).where(User.is_hub_admin.is_(True))).all()
    for email in hub_admins:
        send_email(
            email,
            f"Lifeboat request {request.id}",
            f"A new Lifeboat request ({request.situation.label}) is waiting for triage in "
            "the hub's consultancy pages.\n",
        )
    return request


def _visible(user: Any):
    if user.is_hub_admin:
        return True
    associate = associate_of(user)
    if associate is None:
        return False
    return exists().where(
        LifeboatAssignment.request_id == LifeboatRequest.id,
        LifeboatAssignment.associate_id == associate.id,
    )


def get_request(user: User, request_id: int) -> LifeboatRequest:
    visible = _visible(user)
    if visible is False:
        raise NotFound("No such request")
    query = select(LifeboatRequest).where(LifeboatRequest.id == request_id)
    if visible is not True:
        query = query.where(visible)
    request = db.session.scalar(query)
    if request is None:
        raise NotFound("No such request")
    return request


def list_requests(user: User) -> list[LifeboatRequest]:
    visible = _visible(user)
    if visible is False:
        return []
    query = select(LifeboatRequest).order_by(
        LifeboatRequest.status, LifeboatRequest.urgency.desc(), LifeboatRequest.created_at
    )
    if visible is not True:
        query = query.where(visible)
    return list(db.session.scalars(query))


def assigned(request: LifeboatRequest) -> list[Associate]:
    return list(
        db.session.scalars(
            select(Associate)
            .join(LifeboatAssignment, LifeboatAssignment.associate_id == Associate.id)
            .where(LifeboatAssignment.request_id == request.id)
            .order_by(Associate.name)
        )
    )


def _hub(actor: User) -> None:
    if not actor.is_hub_admin:
        raise NotAllowed("Only hub admins triage Lifeboat requests")


def triage(
    actor: User, request_id: int, urgency: int | None, notes: str, subsidy_pence: int | None
) -> LifeboatRequest:
    _hub(actor)
    request = get_request(actor, request_id)
    if urgency not in URGENCY:
        raise ConsultancyError("Choose how urgent this is", "urgency")
    if subsidy_pence is not None and subsidy_pence < 0:
        raise ConsultancyError("Enter help of £0 or more", "subsidy")
    request.urgency = urgency
    request.triage_notes = notes.strip()[:10_000]
    request.subsidy_pence = subsidy_pence or 0
    if request.status == LifeboatStatus.NEW:
        request.status = LifeboatStatus.TRIAGED
    record("consultancy.lifeboat_triaged", f"Triaged Lifeboat request {request.id}")
    db.session.flush()
    return request


def assign(actor: User, request_id: int, associate_id: int | None) -> LifeboatAssignment:
    _hub(actor)
    request = get_request(actor, request_id)
    associate = db.session.get(Associate, associate_id) if associate_id else None
    if associate is None or associate.status != AssociateStatus.APPROVED:
        raise ConsultancyError("Choose an approved associate", "associate_id")
    already = db.session.scalar(
        select(LifeboatAssignment).where(
            LifeboatAssignment.request_id == request.id,
            LifeboatAssignment.associate_id == associate.id,
        )
    )
    if already is not None:
        raise ConsultancyError(f"{associate.name} is assigned already", "associate_id")
    assignment = LifeboatAssignment(request_id=request.id, associate_id=associate.id)
    db.session.add(assignment)
    request.status = LifeboatStatus.ASSIGNED
    db.session.flush()
    user = db.session.get(User, associate.user_id)
    send_email(
        user.email,
        f"You have been asked to help: Lifeboat request {request.id}",
        "The hub has assigned you to a Lifeboat request. Its details are on your consultancy "
        "page; please keep them confidential.\n",
    )
    record("consultancy.lifeboat_assigned", f"Assigned {associate.name} to request {request.id}")
    return assignment


def share_with_borough(actor: User, request_id: int, share: bool) -> LifeboatRequest:
    """The hub shares a request with the organisation's home borough workspace (or stops)."""
    _hub(actor)
    request = get_request(actor, request_id)
    workspace = None
    if share:
        workspace = db.session.scalar(select(Workspace).where(Workspace.slug == request.borough))
        if workspace is None:
            raise ConsultancyError("The request names no London borough to share it with")
    request.shared_with_workspace_id = workspace.id if workspace else None
    record(
        "consultancy.lifeboat_shared",
        f"{'Shared' if share else 'Stopped sharing'} Lifeboat request {request.id}",
        workspace=workspace,
    )
    db.session.flush()
    return request


def set_transfer_plan(actor: User, request_id: int, plan: str) -> LifeboatRequest:
    """Where an organisation must close: which services go to which organisations. The hub
    or an assigned associate writes it."""
    request = get_request(actor, request_id)
    request.transfer_plan = plan.strip()[:20_000]
    db.session.flush()
    return request


def close(actor: User, request_id: int) -> LifeboatRequest:
    _hub(actor)
    request = get_request(actor, request_id)
    request.status = LifeboatStatus.CLOSED
    db.session.flush()
    return request


def shared_with(workspace: Workspace) -> list[LifeboatRequest]:
    """The requests the hub shared with this workspace (for its staff)."""
    return list(
        db.session.scalars(
            select(LifeboatRequest)
            .where(LifeboatRequest.shared_with_workspace_id == workspace.id)
            .order_by(LifeboatRequest.created_at.desc())
        )
    )
