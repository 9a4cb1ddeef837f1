"""The webhooks page answers in the same number of statements with 3 deliveries as with 60."""

from __future__ import annotations

from londonhub.integrations.webhooks import services
from londonhub.integrations.webhooks.models import DeliveryStatus, WebhookDelivery
from londonhub.platform.core.events import OutboxEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from tests.conftest import PASSWORD
from tests.tenants.rooms.conftest import ADMIN


def _deliveries(workspace, endpoint_id: int, count: int, start: int) -> None:
    with tenant_context(workspace.id):
        for n in range(start, start + count):
            event = OutboxEvent(
                tenant_id=workspace.id,
                uid=f"evt_{n:024d}",
                type="booking.confirmed",
                payload={"id": n},
            )
            db.session.add(event)
            db.session.flush()
            db.session.add(
                WebhookDelivery(
                    tenant_id=workspace.id,
                    endpoint_id=endpoint_id,
                    event_id=event.id,
                    event_type="booking.confirmed",
                    status=DeliveryStatus.DELIVERED,
                    attempts=1,
                    last_status_code=200,
                )
            )
        db.session.commit()


def _statements(client, count_queries, path: str) -> int:
    count_queries.clear()
    assert client.get(path).status_code == 200
    return len(count_queries)


def test_the_page_reads_a_constant_number_of_statements(
    client, auth, hackney, admin, count_queries
) -> None:
    endpoint, _ = services.create_endpoint(
        admin,
        hackney,
        url="https://crm.example.org/hooks",
        description="",
        events=["booking.confirmed"],
    )
    endpoint_id = endpoint.id
    db.session.commit()
    auth.login(ADMIN, PASSWORD)
    _deliveries(hackney, endpoint_id, 3, 0)
    few = _statements(client, count_queries, "/b/hackney/admin/webhooks/")
    few_endpoint = _statements(client, count_queries, f"/b/hackney/admin/webhooks/{endpoint_id}")
    _deliveries(hackney, endpoint_id, 57, 3)
    assert _statements(client, count_queries, "/b/hackney/admin/webhooks/") == few
    assert (
        _statements(client, count_queries, f"/b/hackney/admin/webhooks/{endpoint_id}")
        == few_endpoint
    )
