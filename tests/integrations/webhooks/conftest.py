"""Fixtures: the rooms area's workspaces, people and rooms (bookings emit the events), a real
receiver on 127.0.0.1, and endpoints subscribed through the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from londonhub.integrations.webhooks import services
from londonhub.platform.core.extensions import db
from tests.tenants.rooms.conftest import (  # noqa: F401 - fixtures
    admin,
    buyer,
    camden,
    hackney,
    make_room,
    request_context,
)

from .receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def subscribe(app) -> Callable[..., tuple[int, str]]:
    """Subscribe a receiver to events as a workspace admin; returns (endpoint id, secret) and
    tells the receiver its secret."""

    def factory(user, workspace, receiver: Receiver, events=("booking.confirmed",)):
        endpoint, secret = services.create_endpoint(
            user, workspace, url=receiver.url, description="Our CRM", events=list(events)
        )
        endpoint_id = endpoint.id
        db.session.commit()
        receiver.secret = secret
        return endpoint_id, secret

    return factory
