"""Invoice mode cannot be used to pay a workspace money that never arrived: marking an order
paid records how, with what reference and when (audited), and what the hub holds for the seller
from it is paid out only after a hub admin confirms the money came in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from londonhub.billing import services
from londonhub.billing.models import LedgerKind, OrderStatus
from londonhub.billing.operations.invoices import london_today
from londonhub.billing.services import Line
from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db

from .conftest import entries, paid_form, reload

BIG_ROOM = [Line("Main hall, a week", 100000)]  # £1,000


def _audit(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_marking_paid_needs_a_reference_a_method_and_a_date(people, make_order, client, auth):
    order = make_order(people.hackney, people.buyer)
    auth.login("admin@hackney.example.org")
    url = f"/b/hackney/admin/billing/orders/{order.id}/mark-paid"

    no_reference = client.post(url, data=paid_form(reference=""))
    assert no_reference.status_code == 400
    assert b"Enter the payment reference" in no_reference.data
    future = dict(paid_form(), **{"paid-received_on": str(london_today() + timedelta(days=1))})
    in_future = client.post(url, data=future)
    assert in_future.status_code == 400
    assert b"cannot be in the future" in in_future.data
    nonsense = client.post(url, data=dict(paid_form(), **{"paid-method": "goodwill"}))
    assert nonsense.status_code == 400
    assert reload(order).status == OrderStatus.AWAITING_PAYMENT
    assert entries(people.hackney.id) == []

    done = client.post(url, data=paid_form("CHQ 000123", method="cheque"))
    assert done.status_code == 302
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert (order.payment_method, order.payment_reference) == ("cheque", "CHQ 000123")
    assert order.payment_received_on == london_today()
    assert order.payment_recorded_by_id == people.admin.id
    assert order.receipt_confirmed_at is None and order.awaits_hub_confirmation
    [audit] = _audit("billing.mark_paid")
    assert audit.actor_email == "admin@hackney.example.org"
    assert audit.details["reference"] == "CHQ 000123"
    assert audit.details["method"] == "cheque"
    assert audit.details["received_on"] == london_today().isoformat()
    page = client.get(f"/b/hackney/admin/billing/orders/{order.id}").get_data(as_text=True)
    assert "CHQ 000123" in page and "Cheque" in page
    assert "Waiting for the hub to confirm the money arrived" in page


def test_a_self_dealt_invoice_is_not_paid_out_until_the_hub_confirms_the_money_arrived(
    people, make_order, signed_in
):
    # The workspace admin prices a room, books it themself and marks it paid.
    order = make_order(people.hackney, people.admin, lines=BIG_ROOM)
    admin = signed_in("admin@hackney.example.org")
    marked = admin.post(
        f"/b/hackney/admin/billing/orders/{order.id}/mark-paid", data=paid_form("MADE UP 1")
    )
    assert marked.status_code == 302
    owed = services.balance(people.hackney)
    assert (owed.held, owed.unconfirmed, owed.payable) == (95000, 95000, 0)
    income = admin.get("/b/hackney/admin/billing/").get_data(as_text=True)
    assert "Waiting for the hub to confirm" in income and "£950.00" in income
    # Only a hub admin can confirm.
    confirm = f"/hub/billing/invoices/hackney/{order.id}/confirm"
    assert admin.post(confirm).status_code == 403

    hub = signed_in("hub@example.org")
    page = hub.get("/hub/billing/").get_data(as_text=True)
    assert "Invoice payments to confirm" in page and "MADE UP 1" in page
    refused = hub.post(
        "/hub/billing/payouts/hackney",
        data={"payout-amount": "950.00", "payout-reference": "BACS-1"},
        follow_redirects=True,
    )
    assert "has not yet confirmed arrived: pay out at most £0.00" in refused.get_data(as_text=True)
    assert [e for e in entries(people.hackney.id) if e.kind == LedgerKind.PAYOUT] == []
    assert _audit("billing.payout") == []

    assert hub.post(confirm).status_code == 302
    order = reload(order)
    assert order.receipt_confirmed_at is not None
    assert order.receipt_confirmed_by_id == people.hub_admin.id
    [confirmed] = _audit("billing.receipt_confirmed")
    assert confirmed.actor_email == "hub@example.org"
    assert confirmed.details["order_id"] == order.id
    notes = [event.note for event in services.order_history(order)]
    assert any("The hub confirmed the payment arrived" in note for note in notes)
    again = hub.post(confirm, follow_redirects=True).get_data(as_text=True)
    assert "was confirmed already" in again
    assert len(_audit("billing.receipt_confirmed")) == 1

    paid_out = hub.post(
        "/hub/billing/payouts/hackney",
        data={"payout-amount": "950.00", "payout-reference": "BACS-1"},
    )
    assert paid_out.status_code == 302
    owed = services.balance(people.hackney)
    assert (owed.held, owed.unconfirmed, owed.payable, owed.payouts) == (0, 0, 0, -95000)
    page = hub.get("/hub/billing/").get_data(as_text=True)
    assert "No invoice payments are waiting for confirmation" in page


def test_confirmed_money_is_payable_while_other_invoices_still_wait(people, make_order):
    first = make_order(people.hackney, people.buyer)
    second = make_order(people.hackney, people.buyer, fulfilment_ref="booking-2")
    services.mark_paid(people.admin, people.hackney, first.id, "BACS 1")
    services.mark_paid(people.admin, people.hackney, second.id, "BACS 2")
    db.session.commit()
    services.confirm_receipt(people.hub_admin, people.hackney, first.id)
    db.session.commit()
    owed = services.balance(people.hackney)
    assert (owed.held, owed.unconfirmed, owed.payable) == (4750, 2375, 2375)
    [row] = [r for r in services.all_balances() if r.workspace.id == people.hackney.id]
    assert (row.held, row.unconfirmed, row.payable) == (4750, 2375, 2375)
    assert [o.id for o, _, _ in services.awaiting_confirmation()] == [second.id]
