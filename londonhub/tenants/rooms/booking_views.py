"""Booking a room and the buyer's own bookings: the quote (a GET page of its own, so Back never
resends a form), the hold, the buyer's list and their cancellation, which asks first.

Thin, like views.py (whose blueprint and room page these share): parse, call one service,
render or redirect."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import get_workspace_by_slug

from . import services
from .forms import BOOKING_FIELDS, BookingForm
from .models import CustomerType
from .views import booking_form, bp, room_page

# --- booking -----------------------------------------------------------------------------------


def _booking_room():
    """The workspace and room a booking form names (in its query or its POST), or 404."""
    values = request.form if request.method == "POST" else request.args
    workspace = get_workspace_by_slug(values.get("workspace", ""))
    room_id = values.get("room_id", "")
    if workspace is None or workspace.is_hub or not room_id.isdigit() or len(room_id) > 18:
        abort(404)
    g.tenant = workspace  # the room's workspace banner
    try:
        return workspace, services.get_public_room(workspace, int(room_id))
    except services.NotFound:
        abort(404)


def _booking_request(form: BookingForm, skip: set[date] | None = None):
    slots = services.slots_for(
        form.date.data,
        form.start.data,
        form.end.data,
        form.repeat.data,
        form.occurrences.data or 1,
    )
    return services.BookingRequest(
        slots=[s for s in slots if services.london(s.starts_at).date() not in (skip or set())],
        attendees=form.attendees.data,
        layout=form.layout.data,
        organisation_name=form.organisation_name.data,
        claimed=CustomerType(form.organisation_type.data),
    )


def _refused(workspace, room_id: int, form: BookingForm, exc: Exception):
    """The room page again, the problem on its field (a taken time with alternatives)."""
    db.session.rollback()
    found = services.get_public_room(workspace, room_id)  # reloaded in its workspace
    if isinstance(exc, services.SlotTaken):
        form.date.errors = [*form.date.errors, str(exc)]
        return room_page(found, workspace, form, 409, taken=exc)
    target = getattr(form, getattr(exc, "field", None) or "date", form.date)
    target.errors = [*target.errors, str(exc)]
    return room_page(found, workspace, form, 400)


@bp.get("/rooms/quote")
@login_required
def quote():
    """The price and availability of what the booking form asks for: a page of its own (GET,
    changing nothing), so Back from the next step never asks to resend a form."""
    if not request.args:
        return redirect(url_for(".search"))
    workspace, found = _booking_room()
    form = booking_form(found, workspace, request.args)
    if not form.validate():
        return room_page(found, workspace, form, 400)
    try:
        checked = services.check_availability(
            current_user, workspace, found.id, _booking_request(form)
        )
    except services.RoomError as exc:
        return _refused(workspace, found.id, form, exc)
    return render_template(
        "rooms/quote.html",
        room=found,
        workspace=workspace,
        form=form,
        quote=checked.quote,
        slots=checked.free,
        clashes=checked.clashes,
        hold_minutes=services.hold_minutes(),
        invoice_due_days=billing.invoice_due_days(workspace),
    )


@bp.post("/rooms/book")
@login_required
def book():
    """Hold and order what the quote page showed (step=book), skipping the dates it said were
    taken. The room comes from the form and is checked again; the price is always computed
    here, never taken from the form. Any other step is the quote: redirected to its page."""
    workspace, found = _booking_room()
    form = booking_form(found, workspace, request.form)
    if form.step.data != "book":
        fields = ("workspace", "room_id", *BOOKING_FIELDS)
        query = {name: request.form.get(name, "") for name in fields}
        return redirect(url_for(".quote", **query), 303)
    if not form.validate():
        return room_page(found, workspace, form, 400)
    skip = set()
    for text in request.form.getlist("skip")[: services.MAX_OCCURRENCES]:
        try:
            skip.add(date.fromisoformat(text))
        except ValueError:
            abort(400, description="The dates to leave out are not valid: check the price again.")
    try:
        order, _ = services.book(current_user, workspace, found.id, _booking_request(form, skip))
        # Read before the commit: afterwards the rows would reload outside their workspace.
        order_id, paid, room_name = order.id, order.status.value == "paid", found.name
        invoice = billing.invoice_for_order(order)
        due_on = invoice.due_on if invoice is not None else None
    except services.RoomError as exc:
        return _refused(workspace, found.id, form, exc)
    db.session.commit()
    if paid:
        flash("Your booking is confirmed. We have emailed you the details.", "success")
        return redirect(url_for("rooms.my_bookings"))
    if due_on is not None:  # invoice mode: provisionally confirmed, no timer
        flash(
            f"{room_name} is provisionally booked for you. We have emailed you the invoice: "
            f"pay it by {due_on:%-d %B %Y} to confirm the booking.",
            "success",
        )
        return redirect(url_for("billing.buyer_order", order_id=order_id))
    flash(
        f"We are holding {room_name} for you for {services.hold_minutes()} minutes. "
        "Pay now to confirm the booking.",
        "success",
    )
    return redirect(url_for("billing.buyer_order", order_id=order_id))


# --- the buyer's bookings ----------------------------------------------------------------------


@bp.get("/account/bookings")
@login_required
def my_bookings():
    return render_template(
        "rooms/my_bookings.html", items=services.list_buyer_bookings(current_user)
    )


@bp.route("/account/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(booking_id: int):
    """GET asks first, saying which dates go and what refund follows; only its POST cancels."""
    if request.method == "GET":
        try:
            terms = services.buyer_cancellation_terms(current_user, booking_id)
        except services.NotFound:
            abort(404, description="There is no such booking in your account.")
        except services.RoomError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".my_bookings"))
        return render_template(
            "rooms/confirm_cancel.html",
            terms=terms,
            title=f"Cancel your booking of {terms.room.name}?",
            consequences=_cancel_consequences(terms),
            action=url_for(".cancel_booking", booking_id=booking_id),
            button="Yes, cancel the booking",
            back=url_for(".my_bookings"),
        )
    try:
        cancellation = services.cancel_by_buyer(current_user, booking_id)
    except services.NotFound:
        db.session.rollback()
        abort(404, description="There is no such booking in your account.")
    except services.RoomError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".my_bookings"))
    db.session.commit()  # the refund row exists before Stripe hears of it
    if cancellation.refund_id is not None:
        try:
            services.finish_refund(cancellation)
        except billing.BillingError as exc:
            db.session.commit()
            flash(str(exc), "error")
            return redirect(url_for(".my_bookings"))
        db.session.commit()
        flash(
            f"Your booking is cancelled and {billing.format_pence(cancellation.refund_pence)} "
            "is being refunded.",
            "success",
        )
    else:
        flash("Your booking is cancelled. No refund is due under the room's policy.", "success")
    return redirect(url_for(".my_bookings"))


def _cancel_consequences(terms) -> list[str]:
    count = len(terms.dates)
    lines = [
        f"All {count} dates booked together are cancelled, and the room is free for others."
        if count > 1
        else "The booking is cancelled, and the room is free for others."
    ]
    if terms.refund_pence:
        lines.append(
            f"{billing.format_pence(terms.refund_pence)} is refunded to you, the way you paid."
        )
    elif terms.paid_pence:
        lines.append(
            f"No refund: the booking starts within {terms.room.cancellation_days} "
            f"day{'' if terms.room.cancellation_days == 1 else 's'}, so the "
            f"{billing.format_pence(terms.paid_pence)} you paid is not refunded."
        )
    else:
        lines.append("Nothing was paid, so there is nothing to refund.")
    lines.append("You cannot undo this: to use the room again, book it again.")
    return lines
