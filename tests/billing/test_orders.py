"""Orders and invoice mode: lines in pence, the hub's fee, status history, marking paid,
buyer and seller pages, payouts, the ledger's CSV and receipts. No Stripe keys here."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from londonhub.billing import services
from londonhub.billing.models import LedgerKind, OrderStatus, PaymentMode
from londonhub.billing.services import BillingError, Line, NotAllowed
from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

from .conftest import entries, history, kinds, paid_form, reload


def test_order_has_lines_in_pence_a_fee_and_a_history(people, make_order, app):
    order = make_order(
        people.hackney,
        people.buyer,
        lines=[Line("Main hall, 2 hours", 2500, quantity=2), Line("Tea and coffee", 399)],
        organisation="Hackney Food Bank",
        organisation_type="charity",
    )
    order = reload(order)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.payment_mode == PaymentMode.INVOICE
    assert order.total_pence == 5399
    assert isinstance(order.total_pence, int)
    assert order.platform_fee_pence == 5399 * 5 // 100 == 269  # rounded down: seller keeps 1p
    assert order.currency == "gbp"
    assert order.buyer_email == "buyer@example.com"
    assert order.buyer_organisation == "Hackney Food Bank"
    lines = services.order_lines(order)
    assert [(li.description, li.quantity, li.unit_pence, li.total_pence) for li in lines] == [
        ("Main hall, 2 hours", 2, 2500, 5000),
        ("Tea and coffee", 1, 399, 399),
    ]
    # Invoice mode: the invoice is issued with the order, and said so in its history.
    assert history(order) == [(None, "awaiting_payment"), ("awaiting_payment", "awaiting_payment")]
    assert services.order_history(order)[0].created_at is not None
    assert "Invoice INV-00001 issued" in services.order_history(order)[1].note


def test_platform_fee_follows_the_setting(app, people, make_order):
    app.config["PLATFORM_FEE_PERCENT"] = 10
    order = make_order(people.hackney, people.buyer, lines=[Line("Desk", 1999)])
    assert order.platform_fee_pence == 199


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one line"),
        ([Line("Hall", -1)], "zero or more"),
        ([Line("Hall", 100, quantity=0)], "zero or more"),
    ],
)
def test_bad_lines_are_refused(people, feature, lines, message):
    with pytest.raises(BillingError, match=message):
        services.create_order(
            people.hackney,
            kind="test_item",
            fulfilment_ref="1",
            lines=lines,
            buyer=people.buyer,
            description="x",
        )


def test_an_order_kind_nobody_fulfils_is_refused(people):
    with pytest.raises(LookupError):
        services.create_order(
            people.hackney,
            kind="nobody",
            fulfilment_ref="1",
            lines=[Line("x", 100)],
            buyer=people.buyer,
            description="x",
        )


def test_a_free_order_is_paid_at_once_without_money_moving(people, make_order, feature):
    order = reload(make_order(people.hackney, people.buyer, lines=[Line("Free event", 0)]))
    assert order.status == OrderStatus.PAID
    assert feature.paid == [order.id]
    assert entries(people.hackney.id) == []


def test_seller_admin_marks_an_invoice_order_paid(
    people, make_order, client, auth, feature, outbox
):
    order = make_order(people.hackney, people.buyer)
    auth.login("admin@hackney.example.org")
    page = client.get(f"/b/hackney/admin/billing/orders/{order.id}")
    assert page.status_code == 200
    assert b"Mark as paid" in page.data
    response = client.post(
        f"/b/hackney/admin/billing/orders/{order.id}/mark-paid", data=paid_form("BACS 123")
    )
    assert response.status_code == 302
    order = reload(order)
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert history(order) == [
        (None, "awaiting_payment"),
        ("awaiting_payment", "awaiting_payment"),  # the invoice issued
        ("awaiting_payment", "paid"),
    ]
    assert kinds(entries(people.hackney.id, order.id)) == [
        ("charge", 2500, True),
        ("platform_fee", -125, True),
    ]
    hub = services.hub_workspace()
    assert kinds(entries(hub.id)) == [("platform_fee", 125, True)]
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "billing.mark_paid")
    ).all()
    assert len(audit) == 1
    assert audit[0].actor_email == "admin@hackney.example.org"
    assert audit[0].details["reference"] == "BACS 123"
    assert feature.paid == [order.id]
    # The buyer had the invoice when the order was made; now the receipt.
    [receipt] = [m for m in outbox.to("buyer@example.com") if "Receipt" in m["Subject"]]
    assert f"Receipt for order {order.id}" in receipt["Subject"]
    assert "£25.00" in outbox.body(receipt)
    assert f"/account/orders/{order.id}" in outbox.body(receipt)


def test_marking_an_order_paid_twice_says_so_and_changes_nothing(people, make_order, client, auth):
    order = make_order(people.hackney, people.buyer)
    services.mark_paid(people.admin, people.hackney, order.id, "first")
    db.session.commit()
    before = (history(order), kinds(entries(people.hackney.id)))
    auth.login("admin@hackney.example.org")
    response = client.post(
        f"/b/hackney/admin/billing/orders/{order.id}/mark-paid",
        data=paid_form(),
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert f"Order {order.id} is paid: it cannot be marked paid".encode() in response.data
    assert (history(order), kinds(entries(people.hackney.id))) == before


def test_a_stale_copy_of_the_order_cannot_mark_it_paid_twice(
    people, make_order, client, auth, feature
):
    order = make_order(people.hackney, people.buyer)
    stale = services.get_seller_order(people.hackney, order.id)  # in the session: awaiting
    assert stale.status == OrderStatus.AWAITING_PAYMENT
    auth.login("admin@hackney.example.org")
    client.post(  # another request
        f"/b/hackney/admin/billing/orders/{order.id}/mark-paid", data=paid_form()
    )
    with pytest.raises(BillingError, match="cannot be marked paid"):
        services.mark_paid(people.admin, people.hackney, order.id, "BACS 1")
    db.session.rollback()
    assert feature.paid == [order.id]
    assert len(history(order)) == 3  # made, invoiced, paid: once


def test_staff_cannot_mark_paid(people, make_order, client, auth):
    order = make_order(people.hackney, people.buyer)
    auth.login("staff@hackney.example.org")
    response = client.post(f"/b/hackney/admin/billing/orders/{order.id}/mark-paid")
    assert response.status_code == 403
    assert reload(order).status == OrderStatus.AWAITING_PAYMENT
    with pytest.raises(NotAllowed):
        services.mark_paid(people.staff, people.hackney, order.id, "BACS 1")


def test_another_workspaces_order_is_not_found(
    people, make_order, make_workspace, quick_user, client, auth
):
    camden = make_workspace("camden", "Camden CVS")
    quick_user("admin@camden.example.org", workspace=camden, role="admin")
    order = make_order(people.hackney, people.buyer)
    auth.login("admin@camden.example.org")
    assert client.get(f"/b/camden/admin/billing/orders/{order.id}").status_code == 404
    response = client.post(f"/b/camden/admin/billing/orders/{order.id}/mark-paid")
    assert response.status_code == 404
    assert client.post(f"/b/hackney/admin/billing/orders/{order.id}/mark-paid").status_code == 403
    assert client.get("/b/camden/admin/billing/orders/999999").status_code == 404
    assert reload(order).status == OrderStatus.AWAITING_PAYMENT


def test_invoice_refund_is_booked_and_the_feature_told(people, make_order, client, auth, feature):
    order = make_order(people.hackney, people.buyer)
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 1")
    db.session.commit()
    auth.login("admin@hackney.example.org")
    response = client.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund",
        data={"refund-amount": "10.00", "refund-reason": "Shorter booking"},
    )
    assert response.status_code == 302
    order = reload(order)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_pence == 1000
    assert feature.refunded == [(order.id, 1000, False)]
    rows = kinds(entries(people.hackney.id, order.id))
    assert rows[2:] == [("refund", -1000, True), ("fee_refund", 50, True)]
    response = client.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund", data={"refund-amount": "15.01"}
    )
    assert response.status_code == 400
    assert b"You can refund at most \xc2\xa315.00 now" in response.data
    assert reload(order).refunded_pence == 1000


def test_refund_respects_the_cancellation_policy(people, make_order, client, auth, feature):
    feature.refund_cap = 0
    order = make_order(people.hackney, people.buyer)
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 1")
    db.session.commit()
    auth.login("admin@hackney.example.org")
    page = client.get(f"/b/hackney/admin/billing/orders/{order.id}")
    assert b"Refund</button>" not in page.data
    response = client.post(
        f"/b/hackney/admin/billing/orders/{order.id}/refund", data={"refund-amount": "1.00"}
    )
    assert response.status_code == 400
    assert b"cannot be refunded under the cancellation policy" in response.data
    assert reload(order).refunded_pence == 0


def test_fee_returned_with_refunds_adds_up_to_the_fee(people, make_order, feature):
    order = make_order(people.hackney, people.buyer, lines=[Line("Desk", 999)])
    assert order.platform_fee_pence == 49
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 1")
    for amount in (500, 499):
        refund_id = services.request_refund(people.admin, people.hackney, order.id, amount).id
        db.session.commit()
        services.perform_refund(people.hackney, refund_id)
        db.session.commit()
    order = reload(order)
    assert order.status == OrderStatus.REFUNDED
    rows = entries(people.hackney.id, order.id)
    assert sum(r.amount_pence for r in rows) == 0
    hub = services.hub_workspace()
    assert sum(r.amount_pence for r in entries(hub.id)) == 0
    assert feature.refunded == [(order.id, 500, False), (order.id, 499, True)]


def test_buyer_sees_only_their_own_orders(people, make_order, make_workspace, client, auth):
    camden = make_workspace("camden", "Camden CVS")
    mine = make_order(people.hackney, people.buyer, description="Hall in Hackney")
    mine_too = make_order(camden, people.buyer, description="Room in Camden")
    theirs = make_order(people.hackney, people.other_buyer, description="Someone else's hall")
    auth.login("buyer@example.com")
    page = client.get("/account/orders").get_data(as_text=True)
    assert "Hall in Hackney" in page and "Room in Camden" in page
    assert "Someone else" not in page
    assert client.get(f"/account/orders/{mine.id}").status_code == 200
    assert client.get(f"/account/orders/{mine_too.id}").status_code == 200
    assert client.get(f"/account/orders/{theirs.id}").status_code == 404
    assert client.get(f"/account/orders/{theirs.id}/return").status_code == 404
    assert client.post(f"/account/orders/{theirs.id}/pay").status_code == 404
    assert client.get("/account/orders/999999").status_code == 404
    invoice = client.get(f"/account/orders/{mine.id}").get_data(as_text=True)
    assert "Provisionally confirmed" in invoice and "INV-00001" in invoice
    assert "Pay £25.00 by card" not in invoice


def test_orders_pages_need_sign_in(client):
    assert client.get("/account/orders").status_code == 302
    assert client.get("/b/hackney/admin/billing/").status_code in (302, 404)


def test_paying_online_in_invoice_mode_is_refused_with_a_message(people, make_order, client, auth):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    response = client.post(f"/account/orders/{order.id}/pay", follow_redirects=True)
    assert b"cannot be paid online now" in response.data
    assert reload(order).status == OrderStatus.AWAITING_PAYMENT


def test_ledger_csv_has_only_the_workspaces_rows_and_is_formula_safe(
    people, make_order, make_workspace, quick_user, client, auth
):
    camden = make_workspace("camden", "Camden CVS")
    quick_user("admin@camden.example.org", workspace=camden, role="admin")
    evil = make_order(people.hackney, people.buyer, description='=HYPERLINK("http://x")')
    other = make_order(camden, people.buyer, description="Camden secret")
    tabbed = make_order(people.hackney, people.buyer, description="\t=1+1")
    services.mark_paid(people.admin, people.hackney, evil.id, "BACS 1")
    services.mark_paid(people.admin, people.hackney, tabbed.id, "BACS 1")
    camden_admin = db.session.scalar(select(User).where(User.email == "admin@camden.example.org"))
    services.mark_paid(camden_admin, camden, other.id, "BACS 1")
    db.session.commit()
    auth.login("admin@hackney.example.org")
    response = client.get("/b/hackney/admin/billing/ledger.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "hackney-ledger.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["date", "kind", "amount_pence"]
    body = rows[1:]
    assert len(body) == 4  # two charges and two fees, Hackney's only
    assert {row[4] for row in body} == {str(evil.id), str(tabbed.id)}
    assert "Camden" not in response.get_data(as_text=True)
    for row in body:
        for cell in row:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r") and not cell.startswith("-="), row
    staff_view = client.get("/b/camden/admin/billing/ledger.csv")
    assert staff_view.status_code == 403


def test_workspace_income_page_and_staff_refused(people, make_order, client, auth):
    order = make_order(people.hackney, people.buyer)
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 1")
    db.session.commit()
    auth.login("admin@hackney.example.org")
    page = client.get("/b/hackney/admin/billing/").get_data(as_text=True)
    assert "£25.00" in page and "£23.75" in page  # sales, and held for them after the fee
    auth.logout()
    auth.login("staff@hackney.example.org")
    assert client.get("/b/hackney/admin/billing/").status_code == 403


def test_hub_admin_records_a_payout_within_the_held_balance(people, make_order, client, auth):
    order = make_order(people.hackney, people.buyer)
    services.mark_paid(people.admin, people.hackney, order.id, "BACS 1")
    db.session.commit()
    assert services.balance(people.hackney).held == 2375
    auth.login("hub@example.org")
    page = client.get("/hub/billing/")
    assert page.status_code == 200
    assert "£23.75" in page.get_data(as_text=True)
    too_much = client.post(
        "/hub/billing/payouts/hackney", data={"payout-amount": "1"}, follow_redirects=True
    )
    assert "is owed £23.75, of which £23.75 is from invoice payments" in too_much.get_data(
        as_text=True
    )
    assert client.post(f"/hub/billing/invoices/hackney/{order.id}/confirm").status_code == 302
    too_much = client.post(
        "/hub/billing/payouts/hackney", data={"payout-amount": "23.76"}, follow_redirects=True
    )
    assert "is owed £23.75: pay out at most £23.75" in too_much.get_data(as_text=True)
    assert services.balance(people.hackney).held == 2375
    client.post(
        "/hub/billing/payouts/hackney",
        data={"payout-amount": "20", "payout-reference": "BACS-77"},
    )
    db.session.rollback()
    balance = services.balance(people.hackney)
    assert balance.held == 375
    assert balance.payouts == -2000
    [payout] = [e for e in entries(people.hackney.id) if e.kind == LedgerKind.PAYOUT]
    assert payout.amount_pence == -2000 and "BACS-77" in payout.description
    assert (
        client.post("/hub/billing/payouts/nowhere", data={"payout-amount": "1"}).status_code == 404
    )
    hub_payout = client.post(
        "/hub/billing/payouts/london-hub", data={"payout-amount": "1"}, follow_redirects=True
    )
    assert "The hub does not pay itself out" in hub_payout.get_data(as_text=True)
    assert services.balance(services.hub_workspace()).payouts == 0


def test_only_hub_admins_see_hub_billing_and_record_payouts(people, client, auth):
    auth.login("owner@hackney.example.org")
    assert client.get("/hub/billing/").status_code == 403
    assert (
        client.post("/hub/billing/payouts/hackney", data={"payout-amount": "1"}).status_code == 403
    )
    with pytest.raises(NotAllowed):
        services.record_payout(people.owner, people.hackney, 100, "")
