"""A workspace admin's webhooks page: subscribe (checked addresses, chosen events), the
secret shown once and rotatable, deliveries with their answers, replay; staff are refused."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from standardwebhooks import Webhook

from londonhub.billing import services as billing
from londonhub.integrations.webhooks.models import DeliveryStatus, WebhookDelivery
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from tests.conftest import PASSWORD
from tests.tenants.rooms.conftest import ADMIN, book, future_day, request_for

from .receiver import Receiver

BASE = "/b/hackney/admin/webhooks"


def _secret(html: str) -> str:
    match = re.search(r'value="(whsec_[^"]+)"', html)
    assert match, "the page shows the secret"
    return match.group(1)


def _add(client, url: str, events=("booking.confirmed",), **extra):
    return client.post(
        f"{BASE}/new", data={"url": url, "description": "CRM", "events": list(events), **extra}
    )


def _confirm(admin, buyer, workspace, room) -> None:
    order_id, _ = book(buyer, workspace, room.id, request_for(future_day(20)))
    billing.mark_paid(admin, workspace, order_id, "BACS 1")
    db.session.commit()


def test_an_admin_subscribes_and_the_secret_shown_once_verifies_deliveries(
    client, auth, hackney, admin, buyer, make_room, receiver: Receiver
) -> None:
    auth.login(ADMIN, PASSWORD)
    response = _add(client, receiver.url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    receiver.secret = _secret(response.get_data(as_text=True))

    _confirm(admin, buyer, hackney, make_room())
    (got,) = receiver.accepted
    assert got.payload["type"] == "booking.confirmed"

    page = client.get(BASE + "/").get_data(as_text=True)
    assert receiver.url in page and "booking.confirmed" in page
    assert "Delivered" in page and "HTTP 200" in page
    assert receiver.secret not in page  # never shown again
    endpoint_page = client.get(f"{BASE}/1").get_data(as_text=True)
    assert receiver.secret not in endpoint_page


def test_addresses_the_guard_would_refuse_are_refused_with_a_reason(
    client, auth, hackney, admin
) -> None:
    auth.login(ADMIN, PASSWORD)
    for url, reason in [
        ("http://crm.example.org/hooks", "must start with https://"),
        ("https://10.1.2.3/hooks", "private address"),
        ("https://169.254.169.254/latest", "metadata address"),
        ("ftp://crm.example.org/", "must be a full web address"),
        ("https://user:pw@crm.example.org/", "user name or password"),
        ("crm.example.org", "must be a full web address"),
    ]:
        response = _add(client, url)
        assert response.status_code == 400, url
        assert reason in response.get_data(as_text=True), url
    response = _add(client, "https://crm.example.org/hooks", events=())
    assert response.status_code == 400
    assert "Choose at least one event" in response.get_data(as_text=True)
    response = _add(client, "https://crm.example.org/hooks", events=("booking.teleported",))
    assert response.status_code == 400
    with tenant_context(hackney.id):
        assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0
    assert "crm.example.org" not in client.get(BASE + "/").get_data(as_text=True)


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
    client, auth, hackney, admin, buyer, make_room, receiver: Receiver
) -> None:
    auth.login(ADMIN, PASSWORD)
    old = _secret(_add(client, receiver.url).get_data(as_text=True))
    response = client.post(f"{BASE}/1/rotate")
    assert response.status_code == 200
    new = _secret(response.get_data(as_text=True))
    assert new != old
    receiver.secret = new
    _confirm(admin, buyer, hackney, make_room())
    (got,) = receiver.accepted
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    # A receiver still on the old secret accepts it too (until the grace period ends).
    Webhook(old).verify(got.body, got.headers)


def test_a_failed_delivery_is_replayed_from_the_admin_page(
    client, auth, hackney, admin, buyer, make_room, receiver: Receiver, subscribe
) -> None:
    subscribe(admin, hackney, receiver)
    receiver.answers = [500]
    _confirm(admin, buyer, hackney, make_room())
    with tenant_context(hackney.id):
        (failed,) = db.session.scalars(select(WebhookDelivery))
        failed_id = failed.id
    auth.login(ADMIN, PASSWORD)
    detail = client.get(f"{BASE}/deliveries/{failed_id}").get_data(as_text=True)
    assert "500" in detail and "failed with 500" in detail  # status code and the answer
    assert "Waiting to retry" in detail

    response = client.post(f"{BASE}/deliveries/{failed_id}/replay")
    assert response.status_code == 302
    assert len(receiver.accepted) == 1
    assert receiver.accepted[0].headers["webhook-id"] == receiver.received[0].headers["webhook-id"]
    db.session.expire_all()
    with tenant_context(hackney.id):
        statuses = list(
            db.session.execute(
                select(WebhookDelivery.sequence, WebhookDelivery.status).order_by(
                    WebhookDelivery.sequence
                )
            )
        )
    assert statuses == [(0, DeliveryStatus.PENDING), (1, DeliveryStatus.DELIVERED)]
    replayed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "replay 1" in replayed and "Delivered" in replayed


def test_staff_cannot_see_or_change_webhooks(client, auth, hackney, make_user) -> None:
    make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    auth.login("staff@hackney.example.org", PASSWORD)
    assert client.get(BASE + "/").status_code == 403
    assert _add(client, "https://crm.example.org/hooks").status_code == 403


def test_a_suspended_workspace_cannot_add_endpoints(client, auth, hackney, admin) -> None:
    from londonhub.platform.core.tenancy import WorkspaceStatus

    hackney.status = WorkspaceStatus.SUSPENDED
    db.session.commit()
    auth.login(ADMIN, PASSWORD)
    assert client.get(BASE + "/").status_code == 200  # read-only, not hidden
    assert _add(client, "https://crm.example.org/hooks").status_code == 403


def test_removing_an_endpoint_asks_first_then_stops_deliveries(
    client, auth, hackney, admin, buyer, make_room, receiver: Receiver
) -> None:
    auth.login(ADMIN, PASSWORD)
    receiver.secret = _secret(_add(client, receiver.url).get_data(as_text=True))
    _confirm(admin, buyer, hackney, make_room())
    assert "Remove the endpoint" in client.get(f"{BASE}/1/delete").get_data(as_text=True)
    assert client.post(f"{BASE}/1/delete").status_code == 302
    assert client.get(f"{BASE}/1").status_code == 404
    _confirm(admin, buyer, hackney, make_room(name="Small room"))
    assert len(receiver.received) == 1
