"""A workspace admin's webhook endpoints: subscribe, change, rotate the secret, remove; the
deliveries and their attempts; replay. Every function takes the workspace and names it in
its queries; another workspace's endpoint or delivery is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, func, select

from londonhub.platform.core import http
from londonhub.platform.core.access import require_role
from londonhub.platform.core.audit import record
from londonhub.platform.core.errors import NotFound
from londonhub.platform.core.events import EVENT_TYPES, OutboxEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, User
from londonhub.platform.core.jobs import enqueue
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import utcnow

from . import signing
from .delivery import attempt
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

#: How long the old secret still signs (beside the new one) after a rotation.
ROTATION_GRACE = timedelta(hours=24)
MAX_ENDPOINTS = 20
PAGE_SIZE = 50


class WebhookError(ValueError):
    """Input to fix; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DeliveryView:
    """A delivery with what the list shows beside it."""

    delivery: WebhookDelivery
    endpoint_url: str
    event_uid: str


def check_url(url: str) -> str:
    """https (http only to this machine in development and tests): the guarded client's own
    rules, so an address saved here is one it would try."""
    url = (url or "").strip()
    if len(url) > 500:
        raise WebhookError("Keep the address to 500 characters or fewer", "url")
    try:
        return http.check_url(url)
    except http.OutboundRefused as exc:
        raise WebhookError(str(exc), "url") from exc


def check_events(names: list[str]) -> str:
    chosen = [name for name in EVENT_TYPES if name in set(names or [])]
    if not chosen or len(chosen) != len(set(names)):
        raise WebhookError("Choose at least one of the listed events", "events")
    return ",".join(chosen)


def list_endpoints(workspace: Workspace) -> list[WebhookEndpoint]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.tenant_id == workspace.id)
                .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
            )
        )


def get_endpoint(workspace: Workspace, endpoint_id: int) -> WebhookEndpoint:
    with tenant_context(workspace.id):
        endpoint = db.session.scalar(
            select(WebhookEndpoint).where(
                WebhookEndpoint.tenant_id == workspace.id, WebhookEndpoint.id == endpoint_id
            )
        )
    if endpoint is None:
        raise NotFound("No such webhook endpoint")
    return endpoint


def create_endpoint(
    user: User, workspace: Workspace, *, url: str, description: str, events: list[str]
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned once: only its encryption is kept)."""
    require_role(user, workspace, Role.ADMIN, write=True)
    url, events_value = check_url(url), check_events(events)
    if len(list_endpoints(workspace)) >= MAX_ENDPOINTS:
        raise WebhookError(f"A workspace can have up to {MAX_ENDPOINTS} endpoints", "url")
    secret = signing.new_secret()
    with tenant_context(workspace.id):
        endpoint = WebhookEndpoint(
            tenant_id=workspace.id,
            url=url,
            description=(description or "").strip()[:200],
            events=events_value,
            secret_encrypted=signing.encrypt(secret),
            created_by_id=user.id,
        )
        db.session.add(endpoint)
        db.session.flush()
    record(
        "webhooks.created",
        f"Added webhook endpoint {url}",
        workspace=workspace,
        actor=user,
        endpoint_id=endpoint.id,
        events=events_value,
    )
    return endpoint, secret


def update_endpoint(
    user: User,
    workspace: Workspace,
    endpoint_id: int,
    *,
    url: str,
    description: str,
    events: list[str],
    active: bool,
) -> WebhookEndpoint:
    require_role(user, workspace, Role.ADMIN, write=True)
    endpoint = get_endpoint(workspace, endpoint_id)
    endpoint.url, endpoint.events = check_url(url), check_events(events)
    endpoint.description = (description or "").strip()[:200]
    endpoint.active = bool(active)
    with tenant_context(workspace.id):
        db.session.flush()
    record(
        "webhooks.updated",
        f"Changed webhook endpoint {endpoint.url}" + ("" if endpoint.active else " (turned off)"),
        workspace=workspace,
        actor=user,
        endpoint_id=endpoint.id,
        events=endpoint.events,
    )
    return endpoint


def rotate_secret(user: User, workspace: Workspace, endpoint_id: int) -> str:
    """A new secret, returned once; the old one also signs for `ROTATION_GRACE`."""
    require_role(user, workspace, Role.ADMIN, write=True)
    endpoint = get_endpoint(workspace, endpoint_id)
    secret = signing.new_secret()
    now = utcnow()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_until = now + ROTATION_GRACE
    endpoint.secret_encrypted = signing.encrypt(secret)
    endpoint.secret_rotated_at = now
    with tenant_context(workspace.id):
        db.session.flush()
    record(
        "webhooks.secret_rotated",
        f"Rotated the signing secret of {endpoint.url}",
        workspace=workspace,
        actor=user,
        endpoint_id=endpoint.id,
    )
    return secret


def delete_endpoint(user: User, workspace: Workspace, endpoint_id: int) -> None:
    """Remove the endpoint with its deliveries and attempts (the events themselves stay)."""
    require_role(user, workspace, Role.ADMIN, write=True)
    endpoint = get_endpoint(workspace, endpoint_id)
    url = endpoint.url
    with tenant_context(workspace.id):
        delivery_ids = select(WebhookDelivery.id).where(
            WebhookDelivery.tenant_id == workspace.id,
            WebhookDelivery.endpoint_id == endpoint.id,
        )
        db.session.execute(
            WebhookAttempt.__table__.delete().where(
                WebhookAttempt.tenant_id == workspace.id,
                WebhookAttempt.delivery_id.in_(delivery_ids),
            )
        )
        db.session.execute(
            WebhookDelivery.__table__.delete().where(
                WebhookDelivery.tenant_id == workspace.id,
                WebhookDelivery.endpoint_id == endpoint.id,
            )
        )
        db.session.delete(endpoint)
        db.session.flush()
    record(
        "webhooks.deleted",
        f"Removed webhook endpoint {url}",
        workspace=workspace,
        actor=user,
        endpoint_id=endpoint_id,
    )


def _deliveries(workspace: Workspace) -> Select:
    """The workspace's deliveries with their endpoint's address and event's id, one join."""
    return (
        select(WebhookDelivery, WebhookEndpoint.url, OutboxEvent.uid)
        .join(
            WebhookEndpoint,
            (WebhookEndpoint.tenant_id == WebhookDelivery.tenant_id)
            & (WebhookEndpoint.id == WebhookDelivery.endpoint_id),
        )
        .join(
            OutboxEvent,
            (OutboxEvent.tenant_id == WebhookDelivery.tenant_id)
            & (OutboxEvent.id == WebhookDelivery.event_id),
        )
        .where(WebhookDelivery.tenant_id == workspace.id)
    )


def list_deliveries(
    workspace: Workspace, *, endpoint_id: int | None = None, page: int = 1
) -> tuple[list[DeliveryView], bool]:
    """Newest first, a page at a time (and whether more follow): one statement per page."""
    query = (
        _deliveries(workspace)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    with tenant_context(workspace.id):
        rows = [DeliveryView(d, url, uid) for d, url, uid in db.session.execute(query)]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def get_delivery(workspace: Workspace, delivery_id: int) -> DeliveryView:
    with tenant_context(workspace.id):
        row = db.session.execute(
            _deliveries(workspace).where(WebhookDelivery.id == delivery_id)
        ).first()
    if row is None:
        raise NotFound("No such delivery")
    return DeliveryView(*row)


def delivery_attempts(workspace: Workspace, delivery_id: int) -> list[WebhookAttempt]:
    with tenant_context(workspace.id):
        return list(
            db.session.scalars(
                select(WebhookAttempt)
                .where(
                    WebhookAttempt.tenant_id == workspace.id,
                    WebhookAttempt.delivery_id == delivery_id,
                )
                .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
            )
        )


def event_payload(workspace: Workspace, event_id: int) -> dict:
    with tenant_context(workspace.id):
        payload = db.session.scalar(
            select(OutboxEvent.payload).where(
                OutboxEvent.tenant_id == workspace.id, OutboxEvent.id == event_id
            )
        )
    if payload is None:
        raise NotFound("No such event")
    return payload


def replay(user: User, workspace: Workspace, delivery_id: int) -> WebhookDelivery:
    """Send the delivery's event to its endpoint again, as a new delivery (same event id, so a
    receiver that already handled it can tell), attempted after the commit."""
    require_role(user, workspace, Role.ADMIN, write=True)
    original = get_delivery(workspace, delivery_id).delivery
    endpoint = get_endpoint(workspace, original.endpoint_id)
    if not endpoint.active:
        raise WebhookError("Turn the endpoint on before replaying to it")
    with tenant_context(workspace.id):
        sequence = db.session.scalar(
            select(func.max(WebhookDelivery.sequence)).where(
                WebhookDelivery.tenant_id == workspace.id,
                WebhookDelivery.endpoint_id == original.endpoint_id,
                WebhookDelivery.event_id == original.event_id,
            )
        )
        copy = WebhookDelivery(
            tenant_id=workspace.id,
            endpoint_id=original.endpoint_id,
            event_id=original.event_id,
            event_type=original.event_type,
            sequence=(sequence or 0) + 1,
            status=DeliveryStatus.PENDING,
            next_attempt_at=utcnow(),
            replayed_by_id=user.id,
        )
        db.session.add(copy)
        db.session.flush()
        enqueue(attempt, copy.id)
    record(
        "webhooks.replayed",
        f"Replayed {original.event_type} to {endpoint.url}",
        workspace=workspace,
        actor=user,
        delivery_id=original.id,
        replay_id=copy.id,
    )
    return copy
