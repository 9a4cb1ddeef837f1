"""Invoice mode: every order that costs something gets a real invoice (numbered per seller
without gaps, the seller's and buyer's details, VAT status, due date, how to pay), both sides
are told, the buyer is reminded before the due date, and when it passes the seller decides.
A refund gets a credit note."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from londonhub.billing import services
from londonhub.billing.document_models import BillingSettings, CreditNote, Invoice
from londonhub.billing.models import OrderStatus
from londonhub.billing.operations import documents
from londonhub.billing.services import Line
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, tenant_context
from londonhub.platform.core.timeutil import utcnow

from .conftest import paid_form, reload

ADDRESS = "Hackney CVS\n1 Mare Street\nLondon E8 1DY"
HOW_TO_PAY = "Bank transfer to sort code 20-00-00, account 12345678"


def _settings(people, **overrides):
    values = {
        "address": ADDRESS,
        "vat_registered": True,
        "vat_number": "GB 123 4567 82",
        "vat_rate_percent": 20,
        "payment_instructions": HOW_TO_PAY,
        "due_days": 14,
        "reminder_days": 3,
    }
    values.update(overrides)
    services.save_settings(people.admin, people.hackney, **values)
    db.session.commit()


def _invoice(order) -> Invoice:
    db.session.rollback()
    with tenant_context(order.tenant_id):
        found = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
        db.session.expunge(found)
    return found


def _notes(workspace_id: int) -> list[tuple[int, int, str]]:
    db.session.rollback()
    with tenant_context(workspace_id):
        return [
            (n.number, n.amount_pence, n.source)
            for n in db.session.scalars(select(CreditNote).order_by(CreditNote.number))
        ]


def _clock(monkeypatch, days: int) -> None:
    """Move billing's clock `days` ahead (what 'today' is for due dates and reminders)."""
    later = utcnow() + timedelta(days=days)
    monkeypatch.setattr(documents, "utcnow", lambda: later)


def test_an_invoice_order_is_invoiced_numbered_and_both_sides_told(people, make_order, outbox):
    _settings(people)
    first = make_order(people.hackney, people.buyer, lines=[Line("Main hall, 2 hours", 6000)])
    second = make_order(people.hackney, people.other_buyer, fulfilment_ref="booking-2")
    assert first.status == OrderStatus.AWAITING_PAYMENT
    assert first.expires_at is None  # nothing lapses by itself in invoice mode
    invoice = _invoice(first)
    assert (invoice.number, _invoice(second).number) == (1, 2)
    assert invoice.issued_on == documents.london_today()
    assert invoice.due_on == documents.london_today() + timedelta(days=14)
    assert invoice.seller_name == "Hackney CVS" and invoice.seller_address == ADDRESS
    assert (invoice.vat_registered, invoice.vat_number) == (True, "GB123456782")
    assert invoice.vat_pence == 1000  # £60 including VAT at 20%: £10 of it is VAT
    assert invoice.payment_instructions == HOW_TO_PAY
    assert (invoice.buyer_name, invoice.buyer_email) == ("Bea Buyer", "buyer@example.com")
    [to_buyer] = outbox.to("buyer@example.com")
    assert "Provisionally confirmed: invoice INV-00001" in to_buyer["Subject"]
    body = outbox.body(to_buyer)
    assert HOW_TO_PAY in body and "/account/invoices/" in body
    seller_mail = [m["Subject"] for m in outbox.to("admin@hackney.example.org")]
    assert "New invoice INV-00001: Room hire" in seller_mail


def test_the_due_date_comes_before_the_service_when_that_is_sooner(people, make_order):
    _settings(people, due_days=30)
    soon = utcnow() + timedelta(days=5)
    order = make_order(people.hackney, people.buyer, due_before=soon)
    assert _invoice(order).due_on == documents.london_date(soon) - timedelta(days=1)
    tomorrow = make_order(
        people.hackney, people.buyer, fulfilment_ref="b2", due_before=utcnow() + timedelta(hours=3)
    )
    assert _invoice(tomorrow).due_on == documents.london_today()  # never in the past


def test_vat_numbers_are_checked_and_settings_need_an_address(people, client, auth):
    assert documents.normalise_vat_number("gb123456782") == "GB123456782"
    for bad in ("GB123456789", "12345", "GB 12345678X"):
        with pytest.raises(services.BillingError):
            documents.normalise_vat_number(bad)
    auth.login("admin@hackney.example.org")
    page = client.get("/b/hackney/admin/billing/settings")
    assert page.status_code == 200 and b"Days to pay" in page.data
    form = {
        "settings-address": ADDRESS,
        "settings-vat_registered": "y",
        "settings-vat_number": "GB123456789",
        "settings-vat_rate_percent": "20",
        "settings-payment_instructions": HOW_TO_PAY,
        "settings-due_days": "14",
        "settings-reminder_days": "3",
    }
    refused = client.post("/b/hackney/admin/billing/settings", data=form)
    assert refused.status_code == 400
    assert b"check digits do not match" in refused.data
    no_address = client.post(
        "/b/hackney/admin/billing/settings", data=dict(form, **{"settings-address": ""})
    )
    assert no_address.status_code == 400
    saved = client.post(
        "/b/hackney/admin/billing/settings",
        data=dict(form, **{"settings-vat_number": "GB 123 4567 82"}),
    )
    assert saved.status_code == 302
    settings = services.settings_for(people.hackney)
    assert (settings.vat_number, settings.due_days) == ("GB123456782", 14)
    auth.login("staff@hackney.example.org")
    assert client.get("/b/hackney/admin/billing/settings").status_code == 403


@pytest.mark.postgres
def test_simultaneous_invoices_get_consecutive_numbers(app, people, feature):
    """Eight orders made at the same moment, each in its own session and transaction: the
    numbers are 1 to 8, none twice, none missing."""
    seller_id, buyer_id = people.hackney.id, people.buyer.id
    count = 8
    barrier = threading.Barrier(count)
    errors: list[str] = []

    def attempt(i: int) -> None:
        with app.app_context():
            try:
                seller = db.session.get(Workspace, seller_id)
                buyer = db.session.get(User, buyer_id)
                barrier.wait(timeout=30)
                with app.test_request_context():
                    services.create_order(
                        seller,
                        kind="test_item",
                        fulfilment_ref=f"race-{i}",
                        lines=[Line("Desk", 1000)],
                        buyer=buyer,
                        description=f"Desk {i}",
                    )
                    time.sleep(0.05)  # hold the number while the others wait for it
                    db.session.commit()
            except Exception as exc:  # report, do not hide
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.rollback()
    with tenant_context(seller_id):
        numbers = sorted(db.session.scalars(select(Invoice.number)))
        counter = db.session.scalar(select(BillingSettings.next_invoice_number))
    assert numbers == list(range(1, count + 1))
    assert counter == count + 1


def test_a_rolled_back_invoice_leaves_no_gap(people, make_order, feature):
    first = make_order(people.hackney, people.buyer)
    with pytest.raises(RuntimeError):
        services.create_order(
            people.hackney,
            kind="test_item",
            fulfilment_ref="x",
            lines=[Line("Desk", 1000)],
            buyer=people.buyer,
            description="Desk",
        )
        raise RuntimeError("the request failed after the invoice was numbered")
    db.session.rollback()
    again = make_order(people.hackney, people.buyer, fulfilment_ref="again")
    assert (_invoice(first).number, _invoice(again).number) == (1, 2)


def test_a_reminder_goes_once_before_the_due_date_and_never_after_payment(
    people, make_order, outbox, monkeypatch
):
    _settings(people, due_days=14, reminder_days=3)
    order = make_order(people.hackney, people.buyer)
    paid = make_order(people.hackney, people.other_buyer, fulfilment_ref="paid")
    services.mark_paid(people.admin, people.hackney, paid.id, "BACS 9")
    db.session.commit()
    services.remind_due()
    db.session.commit()
    assert not [m for m in outbox.to("buyer@example.com") if "Reminder" in m["Subject"]]

    _clock(monkeypatch, 11)  # three days before the due date
    for _ in range(2):  # the sweep is safe to repeat
        services.remind_due()
        db.session.commit()
    reminders = [m for m in outbox.to("buyer@example.com") if "Reminder" in m["Subject"]]
    assert len(reminders) == 1
    assert "INV-00001" in reminders[0]["Subject"]
    assert not [m for m in outbox.to("other@example.com") if "Reminder" in m["Subject"]]
    assert _invoice(order).reminder_sent_at is not None


def test_an_overdue_invoice_waits_for_the_sellers_decision(
    people, make_order, feature, outbox, signed_in, monkeypatch
):
    _settings(people, due_days=14)
    order = make_order(people.hackney, people.buyer)
    invoice = _invoice(order)
    _clock(monkeypatch, 15)  # the due date has passed
    for _ in range(2):
        services.remind_due()
        db.session.commit()
    assert reload(order).status == OrderStatus.AWAITING_PAYMENT  # nothing silent
    assert feature.cancelled == []
    overdue_mail = [m for m in outbox.to("admin@hackney.example.org") if "Overdue" in m["Subject"]]
    assert len(overdue_mail) == 1
    admin = signed_in("admin@hackney.example.org")
    listing = admin.get("/b/hackney/admin/billing/invoices/").get_data(as_text=True)
    assert "INV-00001" in listing and "Decide" in listing

    # Keep waiting: recorded, and no more overdue notices.
    url = f"/b/hackney/admin/billing/invoices/{invoice.id}"
    assert admin.post(f"{url}/keep").status_code == 302
    assert _invoice(order).decision == "kept"
    assert _invoice(order).decided_by_id == people.admin.id
    assert "Kept waiting" in admin.get("/b/hackney/admin/billing/invoices/").get_data(as_text=True)

    # Extend: a due date in the past is refused; a future one moves it and tells the buyer.
    past = {"extend-due_on": str(documents.london_today() - timedelta(days=1))}
    assert admin.post(f"{url}/extend", data=past).status_code == 400
    new_due = documents.london_today() + timedelta(days=7)
    assert admin.post(f"{url}/extend", data={"extend-due_on": str(new_due)}).status_code == 302
    assert _invoice(order).due_on == new_due
    assert any("More time to pay" in m["Subject"] for m in outbox.to("buyer@example.com"))

    # Cancel and release: the order is cancelled, the feature releases, a credit note cancels.
    assert admin.post(f"{url}/cancel").status_code == 302
    assert reload(order).status == OrderStatus.CANCELLED
    assert feature.cancelled == [order.id]
    assert _notes(people.hackney.id) == [(1, 2500, f"cancel:{order.id}")]
    assert any(m["Subject"].startswith("Cancelled") for m in outbox.to("buyer@example.com"))
    again = admin.post(f"{url}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "nothing to decide" in again
    assert len(_notes(people.hackney.id)) == 1


def test_each_refund_of_an_invoice_gets_its_own_credit_note(people, make_order, signed_in):
    order = make_order(people.hackney, people.buyer, lines=[Line("Main hall", 10000)])
    admin = signed_in("admin@hackney.example.org")
    assert (
        admin.post(
            f"/b/hackney/admin/billing/orders/{order.id}/mark-paid", data=paid_form("BACS 5")
        ).status_code
        == 302
    )
    for amount in ("30.00", "20.00"):
        response = admin.post(
            f"/b/hackney/admin/billing/orders/{order.id}/refund",
            data={"refund-amount": amount, "refund-reason": "Room too cold"},
        )
        assert response.status_code == 302
    notes = _notes(people.hackney.id)
    assert [(number, amount) for number, amount, _ in notes] == [(1, 3000), (2, 2000)]
    invoice = _invoice(order)
    page = admin.get(f"/b/hackney/admin/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "CN-00001" in page and "CN-00002" in page and "Paid on" in page
    buyer = signed_in("buyer@example.com")
    with tenant_context(people.hackney.id):
        note_id = db.session.scalar(select(CreditNote.id).where(CreditNote.number == 1))
    note = buyer.get(f"/account/credit-notes/{note_id}")
    assert note.status_code == 200 and "CN-00001" in note.get_data(as_text=True)
    pdf = buyer.get(f"/account/credit-notes/{note_id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert signed_in("other@example.com").get(f"/account/credit-notes/{note_id}").status_code == 404


def test_the_buyer_and_the_seller_see_the_invoice_and_its_pdf_and_no_one_else(
    people, make_order, make_workspace, quick_user, signed_in
):
    _settings(people)
    order = make_order(people.hackney, people.buyer, lines=[Line("Main hall, 2 hours", 6000)])
    invoice = _invoice(order)
    buyer = signed_in("buyer@example.com")
    page = buyer.get(f"/account/invoices/{invoice.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for expected in ("INV-00001", "1 Mare Street", "GB123456782", HOW_TO_PAY, "Bea Buyer"):
        assert expected in text
    assert "Includes VAT at 20%" in text and "£10.00" in text
    pdf = buyer.get(f"/account/invoices/{invoice.id}/pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert 'filename="INV-00001.pdf"' in pdf.headers["Content-Disposition"]
    assert b"INV-00001" in pdf.data  # the document's title, in its metadata
    order_page = buyer.get(f"/account/orders/{order.id}").get_data(as_text=True)
    assert (
        "Provisionally confirmed" in order_page and f"/account/invoices/{invoice.id}" in order_page
    )

    other = signed_in("other@example.com")
    assert other.get(f"/account/invoices/{invoice.id}").status_code == 404
    assert other.get(f"/account/invoices/{invoice.id}/pdf").status_code == 404

    admin = signed_in("admin@hackney.example.org")
    assert admin.get(f"/b/hackney/admin/billing/invoices/{invoice.id}").status_code == 200
    assert admin.get(f"/b/hackney/admin/billing/invoices/{invoice.id}/pdf").data[:4] == b"%PDF"
    camden = make_workspace("camden", "Camden CVS")
    quick_user("admin@camden.example.org", workspace=camden, role="admin")
    rival = signed_in("admin@camden.example.org")
    assert rival.get(f"/b/camden/admin/billing/invoices/{invoice.id}").status_code == 404
    assert rival.get(f"/b/camden/admin/billing/invoices/{invoice.id}/pdf").status_code == 404
    assert rival.get(f"/b/hackney/admin/billing/invoices/{invoice.id}").status_code == 403


def test_the_remind_due_command_runs_the_sweep_and_is_safe_to_repeat(
    people, make_order, outbox, runner, monkeypatch
):
    make_order(people.hackney, people.buyer)
    _clock(monkeypatch, 20)  # past the due date: the seller is told, once
    first = runner.invoke(args=["billing", "remind-due"])
    assert first.exit_code == 0, first.output
    assert "1 invoice reminder(s) or overdue notice(s) queued" in first.output
    again = runner.invoke(args=["billing", "remind-due"])
    assert "0 invoice reminder(s)" in again.output
    overdue = [m for m in outbox.to("admin@hackney.example.org") if "Overdue" in m["Subject"]]
    assert len(overdue) == 1
