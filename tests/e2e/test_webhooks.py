"""Outbound webhooks in the browser (CSRF on): a workspace admin adds an endpoint, copies the
secret shown once, sees a booking's delivery (a real receiver on 127.0.0.1 verifies it),
opens its attempts and replays it; axe checks every page."""

from __future__ import annotations

import pytest

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.tenants.rooms import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.integrations.webhooks.receiver import Receiver
from tests.tenants.rooms.conftest import approve_community, future_day, request_for, room_values

pytestmark = pytest.mark.e2e

ADMIN = "admin@hackney.example.org"


@pytest.fixture(autouse=True)
def allow_loopback_receiver(app_config: dict) -> dict:
    app_config["OUTBOUND_ALLOW_LOOPBACK"] = True  # the receiver is plain http on 127.0.0.1
    return app_config


def test_an_admin_manages_webhooks_in_the_browser(
    site: Site, app, make_workspace, make_user
) -> None:
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    admin = make_user(ADMIN, name="Hana Admin", workspace=hackney, role="owner")
    buyer = make_user("charity@example.org", name="Chris Charity")
    approve_community(hackney, buyer, admin)
    room_id = services.save_room(admin, hackney, room_values()).id
    db.session.commit()
    receiver = Receiver(answers=[500]).start()
    try:
        site.sign_in(ADMIN, PASSWORD)
        site.goto("/b/hackney/admin/webhooks/")
        site.submit(site.page.get_by_role("link", name="Add an endpoint"))
        # Refused first: plain http to somewhere else; the error is linked and announced.
        site.page.get_by_label("Address (URL)").fill("http://crm.example.org/hooks")
        site.page.get_by_label("booking.confirmed", exact=False).check()
        site.submit(site.page.get_by_role("button", name="Add the endpoint"), status=400)
        assert "must start with https://" in site.page.locator(".error-summary").inner_text()
        site.page.get_by_label("Address (URL)").fill(receiver.url)
        site.submit(site.page.get_by_role("button", name="Add the endpoint"))
        receiver.secret = site.page.get_by_label("Signing secret", exact=False).input_value()
        assert receiver.secret.startswith("whsec_")

        with app.test_request_context():
            order, _ = services.book(buyer, hackney, room_id, request_for(future_day(20)))
            order_id = order.id
            db.session.commit()
            billing.mark_paid(admin, hackney, order_id, "BACS 1")
            db.session.commit()
        assert [r.verdict for r in receiver.received] == ["failed with 500"]

        site.goto("/b/hackney/admin/webhooks/")
        assert "Waiting to retry" in site.page.content()
        site.submit(site.page.get_by_role("link", name="Details of delivery 1"))
        assert "failed with 500" in site.page.content()
        site.submit(site.page.get_by_role("button", name="Replay this event"))
        assert "Delivered" in site.page.content()
        assert [r.verdict for r in receiver.received] == ["failed with 500", "accepted"]

        site.goto("/b/hackney/admin/webhooks/1")
        site.submit(site.page.get_by_role("button", name="Rotate the secret"))
        assert site.page.get_by_label("Signing secret", exact=False).input_value() != (
            receiver.secret
        )
        site.goto("/b/hackney/admin/webhooks/1/delete")
    finally:
        receiver.stop()
