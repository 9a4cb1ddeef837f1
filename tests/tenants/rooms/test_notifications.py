"""Issue 10, item 3: staff are told of each booking event, on the site always and by email for
the events their workspace chose (all by default); buyers are told when a hold lapses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from londonhub.billing import services as billing
from londonhub.platform.core import notifications
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import utcnow

from .conftest import ADMIN, BUYER, book, future_day, request_for


def _subjects(outbox, address: str) -> list[str]:
    return [m["Subject"] for m in outbox.to(address)]


def _messages(user) -> list[str]:
    db.session.expire_all()
    return [
        n.message
        for n in db.session.scalars(
            select(notifications.Notification)
            .where(notifications.Notification.user_id == user.id)
            .order_by(notifications.Notification.id)
        )
    ]


def test_staff_are_told_of_a_hold_its_payment_and_a_cancellation(
    make_room, hackney, buyer, admin, outbox
) -> None:
    room = make_room(cancellation_days=7)
    order_id, (booking_id,) = book(buyer, hackney, room.id, request_for(future_day(14)))
    assert "Hackney CVS: Main hall held" in _subjects(outbox, ADMIN)
    assert "Hackney Food Bank (charity@example.org) is holding Main hall" in _messages(admin)[0]
    billing.mark_paid(admin, hackney, order_id, "BACS 1")
    db.session.commit()
    assert "Hackney CVS: Main hall booking paid" in _subjects(outbox, ADMIN)
    from londonhub.tenants.rooms import services

    cancellation = services.cancel_by_buyer(buyer, booking_id)
    db.session.commit()
    services.finish_refund(cancellation)
    db.session.commit()
    assert "Hackney CVS: Main hall booking cancelled" in _subjects(outbox, ADMIN)
    assert "refunding £40.00" in _messages(admin)[-1]
    assert not any(s.startswith("Hackney CVS:") for s in _subjects(outbox, BUYER))


def test_a_lapsed_hold_tells_the_buyer_and_the_staff(
    make_room, hackney, buyer, admin, outbox
) -> None:
    room = make_room()
    order_id, _ = book(buyer, hackney, room.id, request_for(future_day()))
    with tenant_context(hackney.id):
        db.session.get(billing.Order, order_id).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert billing.expire_order(order_id, hackney.id) == "cancelled"
    db.session.commit()
    assert "Your hold on Main hall has ended" in _subjects(outbox, BUYER)
    assert "not paid in time" in _messages(buyer)[-1]
    assert "Hackney CVS: Main hall hold ended unpaid" in _subjects(outbox, ADMIN)


def test_events_turned_off_are_not_emailed_but_still_shown(
    make_room, hackney, buyer, admin, outbox
) -> None:
    room = make_room()
    workspace = db.session.get(Workspace, hackney.id)
    notifications.set_emailed_events(workspace, set(notifications.STAFF_EVENTS) - {"rooms.booked"})
    db.session.commit()
    book(buyer, hackney, room.id, request_for(future_day()))
    assert not any("held" in s for s in _subjects(outbox, ADMIN))
    assert "is holding Main hall" in _messages(admin)[0]


def test_staff_choose_their_emails_and_see_notifications_on_the_site(
    make_room, hackney, buyer, admin, make_user, client, auth
) -> None:
    make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    auth.login(ADMIN)
    page = client.get("/b/hackney/admin/notifications").get_data(as_text=True)
    # Every event (rooms' and any other area's) is emailed by default.
    assert page.count("<input checked") == len(notifications.STAFF_EVENTS) >= 4
    answer = client.post(
        "/b/hackney/admin/notifications", data={"events": ["rooms.paid", "rooms.lapsed"]}
    )
    assert answer.status_code == 302
    stored = db.session.get(Workspace, hackney.id)
    db.session.refresh(stored)
    assert notifications.emailed_events(stored) == {"rooms.paid", "rooms.lapsed"}
    assert (
        client.post("/b/hackney/admin/notifications", data={"events": ["nonsense"]}).status_code
        == 400
    )

    room = make_room()
    book(buyer, hackney, room.id, request_for(future_day()))
    listing = client.get("/account/notifications").get_data(as_text=True)
    assert "is holding Main hall" in listing and "New" in listing
    assert "Notifications (1 new)" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/notifications/read").status_code == 302
    assert "Notifications (1 new)" not in client.get("/account").get_data(as_text=True)

    auth.login("staff@hackney.example.org")
    assert client.get("/b/hackney/admin/notifications").status_code == 403
