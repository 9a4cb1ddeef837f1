"""Room pages: London-wide search, room pages and the workspace admin.

Thin: parse a form, call one service, render or redirect. Domain errors map to answers:
not found (and another workspace's object) 404, no permission 403, bad input the form again.

The booking flow and the buyer's bookings are in `booking_views` (on this module's `bp`), the
rate requests in `rate_views`. Still over 400 lines: the workspace admin's views are the next
module to split off.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from londonhub.billing import services as billing
from londonhub.integrations.oidc.services import partner_of
from londonhub.platform.core.access import public, require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role, has_role
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.params import BadParameter, date_arg, int_arg, page_arg
from londonhub.platform.core.tenancy import workspace_blueprint
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.core.uploads import limit_text, upload_form, upload_view

from . import services
from .calendar import room_feed
from .forms import (
    BlockoutForm,
    BookingForm,
    PhotoForm,
    RoomForm,
    SearchForm,
    choices,
    room_values,
)
from .models import ACCESSIBILITY, FACILITIES, LAYOUTS, WEEKDAYS, CustomerType

bp = Blueprint("rooms", __name__, template_folder="templates")
public_bp = workspace_blueprint("rooms_public", __name__, "/rooms", template_folder="templates")
admin_bp = workspace_blueprint("rooms_admin", __name__, "/admin/rooms", template_folder="templates")


@bp.app_template_filter("london")
def london_filter(moment, fmt: str = "%d %b %Y %H:%M") -> str:
    return services.london(moment).strftime(fmt)


def _today() -> date:
    return services.london(utcnow()).date()


# --- public: search ----------------------------------------------------------------------------


@bp.get("/rooms")
@shared_page
def search():
    form = SearchForm(request.args)
    form.borough.choices = choices([("", "Any borough"), *services.boroughs()])
    page = page_arg()
    valid = form.validate() if request.args else True
    criteria = services.Criteria(page=page)
    if valid:
        criteria = services.Criteria(
            day=form.date.data,
            start=form.start.data,
            end=form.end.data,
            attendees=form.attendees.data,
            borough=form.borough.data or None,
            accessibility=form.accessibility.data or [],
            facilities=form.facilities.data or [],
            price_band=form.price.data or "",
            customer=CustomerType(form.customer.data)
            if form.customer.data in set(CustomerType)
            else CustomerType.COMMUNITY,
            sort=form.sort.data or "name",
            page=page,
        )
    results = services.search_rooms(criteria)
    args = {k: v for k, v in request.args.items(multi=True) if k != "page"}
    query = request.args.to_dict(flat=False)
    query.pop("page", None)
    # The room links carry the searched window into the room's booking form.
    carry = {}
    if criteria.window:
        carry = {
            "date": criteria.day.isoformat(),
            "start": criteria.start.strftime("%H:%M"),
            "end": criteria.end.strftime("%H:%M"),
        }
    if criteria.attendees:
        carry["attendees"] = criteria.attendees
    return render_template(
        "rooms/search.html",
        form=form,
        results=results,
        criteria=criteria,
        query=query,
        args=args,
        carry=carry,
        today=_today(),
    ), (200 if valid else 400)


def workspace_section(workspace):
    """The workspace page's rooms (registered in init_app): what it offers for booking."""
    if workspace.is_hub:
        return None
    return "rooms/_workspace_section.html", {"rooms": services.list_published_rooms(workspace)}


# --- public: a room ----------------------------------------------------------------------------


def _week_param() -> date:
    """The week shown: `week`, else the week of the date being booked (a search's or a
    quote's), else this week. A booking date out of range is the form's error, not a 400."""
    week = date_arg("week")
    if week is None:
        try:
            week = date_arg("date")
        except BadParameter:
            week = None
    return week or _today()


def room_page(room, workspace, form: BookingForm, status: int = 200, taken=None):
    week = _week_param()
    monday = week - timedelta(days=week.weekday())
    return render_template(
        "rooms/room.html",
        room=room,
        workspace=workspace,
        form=form,
        days=services.week_availability(room, monday),
        monday=monday,
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        today=_today(),
        weekdays=WEEKDAYS,
        layouts=LAYOUTS,
        customer_types=list(CustomerType),
        format_minutes=services.format_minutes,
        taken=taken,
        bookable=workspace.is_active,
        last_day=services.last_bookable_day(workspace),
        photos=services.list_photos(workspace, room.id),
    ), status


def booking_form(room, workspace, formdata=None) -> BookingForm:
    """The booking form on `formdata` (a quote's query string or the hold's POST); without
    it, prefilled from the search that led here (date, times, people), each only if valid."""
    # Only the hold (a POST) changes anything: the quote and room pages are GETs, no token.
    meta = {} if request.method == "POST" else {"csrf": False}
    form = BookingForm(formdata=formdata, meta=meta)
    form.layout.choices = choices((k, v) for k, v in LAYOUTS.items() if room.capacity(k))
    if formdata is None:
        form.workspace.data = workspace.slug
        form.room_id.data = str(room.id)
        searched = BookingForm(formdata=request.args, meta={"csrf": False})
        for name in ("date", "start", "end", "attendees"):
            if name in request.args and getattr(searched, name).validate(searched):
                getattr(form, name).data = getattr(searched, name).data
        partner = partner_of(current_user)
        if partner is not None:  # booking on the partner organisation's behalf
            form.organisation_name.data = partner.name
            form.organisation_type.data = partner.kind.customer_type or form.organisation_type.data
    return form


@public_bp.get("/<int:room_id>")
@shared_page
@public
def room(room_id: int):
    found = services.get_public_room(g.tenant, room_id)
    return room_page(found, g.tenant, booking_form(found, g.tenant))


@public_bp.get("/<int:room_id>/photos/<int:photo_id>")
@public
def photo(room_id: int, photo_id: int):
    """A photo of a published room (the workspace's admins also see unpublished rooms')."""
    found, image = services.get_photo(g.tenant, room_id, photo_id, current_user)
    response = Response(image.data, mimetype=image.content_type)
    # A photo's bytes never change under its id: cache it, privately while unpublished.
    response.headers["Cache-Control"] = (
        "public, max-age=3600" if found.published else "private, no-store"
    )
    response.headers["Content-Disposition"] = "inline"
    return response


@public_bp.get("/<int:room_id>/feed/<feed_token>.ics")
def feed(room_id: int, feed_token: str):
    """The room's secret iCalendar feed: the token in the address is the only key."""
    found, bookings = services.feed_bookings(g.tenant, room_id, feed_token)
    response = Response(room_feed(found, bookings), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="room-{found.id}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _staff_cancel_consequences(terms) -> list[str]:
    count = len(terms.dates)
    lines = [
        f"All {count} dates booked together are cancelled, and the room is free again."
        if count > 1
        else "The booking is cancelled, and the room is free again."
    ]
    if terms.refund_pence:
        lines.append(
            f"The buyer is refunded {billing.format_pence(terms.refund_pence)} of the "
            f"{billing.format_pence(terms.paid_pence)} they paid."
        )
    elif terms.paid_pence:
        lines.append(
            f"No refund: the cancellation policy gives none now, so the "
            f"{billing.format_pence(terms.paid_pence)} paid is kept. To refund it anyway, "
            "refund the order from Income."
        )
    else:
        lines.append("Nothing was paid: the unpaid order is cancelled.")
    lines.append("Your staff are told; this cannot be undone.")
    return lines


# --- workspace admin ---------------------------------------------------------------------------


require_workspace_role(admin_bp, Role.STAFF, "You are not a member of this workspace.")


def _can_manage() -> bool:
    return has_role(current_user, g.tenant, Role.ADMIN)


@admin_bp.get("/")
def index():
    return render_template(
        "rooms/admin_index.html",
        rooms=services.list_rooms(g.tenant),
        can_manage=_can_manage(),
    )


def _room_form_page(form: RoomForm, room=None, status: int = 200, photo_form=None):
    return render_template(
        "rooms/admin_room.html",
        form=form,
        room=room,
        photos=services.list_photos(g.tenant, room.id) if room else [],
        photo_form=photo_form or PhotoForm(prefix="photo"),
        max_photos=services.MAX_PHOTOS,
        photo_max=limit_text(services.photo_max_bytes()),
        photo_max_pixels=services.PHOTO_MAX_PIXELS,
        weekdays=WEEKDAYS,
        accessibility=ACCESSIBILITY,
        facilities=FACILITIES,
        customer_types=list(CustomerType),
    ), status


def _save(form: RoomForm, room_id: int | None):
    try:
        saved = services.save_room(current_user, g.tenant, room_values(form), room_id)
    except services.RoomError as exc:
        db.session.rollback()
        target = getattr(form, exc.field or "name", form.name)
        target.errors = [*target.errors, str(exc)]
        return None
    db.session.commit()
    return saved


@admin_bp.route("/new", methods=["GET", "POST"])
def new_room():
    services.require_role(current_user, g.tenant, Role.ADMIN)
    form = RoomForm()
    if form.validate_on_submit():
        saved = _save(form, None)
        if saved is not None:
            flash(f"{saved.name} has been added.", "success")
            return redirect(url_for(".index"))
    return _room_form_page(form, status=400 if request.method == "POST" else 200)


@admin_bp.route("/<int:room_id>", methods=["GET", "POST"])
def edit_room(room_id: int):
    found = services.get_room(g.tenant, room_id)
    services.require_role(current_user, g.tenant, Role.ADMIN)
    form = RoomForm(obj=found)
    if form.validate_on_submit():
        saved = _save(form, room_id)
        if saved is not None:
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for(".edit_room", room_id=room_id))
    return _room_form_page(form, found, status=400 if request.method == "POST" else 200)


@admin_bp.post("/<int:room_id>/feed/new")
def rotate_feed(room_id: int):
    services.get_room(g.tenant, room_id)
    services.rotate_feed(current_user, g.tenant, room_id)
    db.session.commit()
    flash("The calendar feed has a new address; the old one no longer works.", "success")
    return redirect(url_for(".edit_room", room_id=room_id))


@admin_bp.post("/<int:room_id>/photos")
@upload_view(services.photo_max_bytes)
def upload_photo(room_id: int):
    found = services.get_room(g.tenant, room_id)
    services.require_role(current_user, g.tenant, Role.ADMIN, write=True)
    photo_form, too_large = upload_form(
        lambda **kw: PhotoForm(prefix="photo", **kw),
        max_bytes=services.photo_max_bytes(),
        field="photo",
        noun="photo",
    )
    if too_large:
        return _room_form_page(RoomForm(formdata=None, obj=found), found, 413, photo_form)
    if photo_form.validate_on_submit():
        try:
            services.add_photo(
                current_user,
                g.tenant,
                room_id,
                photo_form.photo.data.read(),
                photo_form.alt_text.data,
            )
        except services.RoomError as exc:
            db.session.rollback()
            target = getattr(photo_form, exc.field or "photo", photo_form.photo)
            target.errors = [*target.errors, str(exc)]
        else:
            db.session.commit()
            flash("The photo has been added.", "success")
            return redirect(url_for(".edit_room", room_id=room_id))
        found = services.get_room(g.tenant, room_id)  # reloaded after the rollback
    return _room_form_page(RoomForm(obj=found), found, 400, photo_form)


@admin_bp.post("/<int:room_id>/photos/<int:photo_id>/remove")
def remove_photo(room_id: int, photo_id: int):
    services.get_room(g.tenant, room_id)
    services.remove_photo(current_user, g.tenant, room_id, photo_id)
    db.session.commit()
    flash("The photo has been removed.", "success")
    return redirect(url_for(".edit_room", room_id=room_id))


def _calendar_page(blockout: BlockoutForm | None = None, status: int = 200):
    view = "day" if request.args.get("view") == "day" else "week"
    day = date_arg("date", _today())
    first = day if view == "day" else day - timedelta(days=day.weekday())
    days = 1 if view == "day" else 7
    rooms = services.list_rooms(g.tenant)
    room_id = int_arg("room")
    form = blockout or BlockoutForm(prefix="blockout")
    form.room.choices = choices((r.id, f"{r.name}, {r.venue_name}") for r in rooms)
    return render_template(
        "rooms/admin_calendar.html",
        view=view,
        day=day,
        first=first,
        step=timedelta(days=days),
        calendar=services.calendar(g.tenant, first, days, room_id),
        rooms=rooms,
        room_id=room_id,
        blockout=form,
        can_manage=_can_manage(),
    ), status


@admin_bp.get("/calendar")
def calendar():
    return _calendar_page()


@admin_bp.post("/blockouts")
def add_blockout():
    services.require_role(current_user, g.tenant, Role.ADMIN, write=True)
    form = BlockoutForm(prefix="blockout")
    form.room.choices = choices((r.id, r.name) for r in services.list_rooms(g.tenant))
    if not form.validate_on_submit():
        return _calendar_page(form, 400)
    slot = services.Slot(
        services.to_utc(form.date.data, form.start.data),
        services.to_utc(form.date.data, form.end.data),
    )
    try:
        services.add_blockout(current_user, g.tenant, form.room.data, slot, form.note.data)
    except services.RoomError as exc:
        db.session.rollback()
        form.date.errors = [*form.date.errors, str(exc)]
        return _calendar_page(form, 400)
    db.session.commit()
    flash("The time is blocked out.", "success")
    return redirect(url_for(".calendar", date=form.date.data.isoformat()))


@admin_bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
def cancel(booking_id: int):
    """A booking: GET asks first (which dates, what refund); its POST cancels. A block-out is
    removed by its button at once: nobody loses anything."""
    services.get_booking(g.tenant, booking_id)
    if request.method == "GET":
        try:
            terms = services.workspace_cancellation_terms(current_user, g.tenant, booking_id)
        except services.RoomError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".calendar"))
        return render_template(
            "rooms/confirm_cancel.html",
            terms=terms,
            title=f"Cancel {terms.dates[0].organisation_name}'s booking of {terms.room.name}?",
            consequences=_staff_cancel_consequences(terms),
            action=url_for(".cancel", booking_id=booking_id),
            button="Yes, cancel the booking",
            back=url_for(
                ".calendar", date=services.london(terms.booking.starts_at).date().isoformat()
            ),
        )
    try:
        cancellation = services.cancel_by_workspace(current_user, g.tenant, booking_id)
    except (services.RoomError, billing.BillingError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".calendar"))
    db.session.commit()
    if cancellation.refund_id is not None:
        try:
            services.finish_refund(cancellation)
        except billing.BillingError as exc:
            db.session.commit()
            flash(str(exc), "error")
            return redirect(url_for(".calendar"))
        db.session.commit()
        flash(f"Cancelled, refunding {billing.format_pence(cancellation.refund_pence)}.", "success")
    else:
        flash("Cancelled: the time is free again.", "success")
    return redirect(url_for(".calendar"))


@admin_bp.get("/bookings.csv")
def export():
    first = date_arg("from", _today() - timedelta(days=30))
    last = date_arg("to", first + timedelta(days=395))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in services.export_rows(g.tenant, first, last):
        writer.writerow([_csv_safe(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{g.tenant.slug}-room-bookings.csv"'
    )
    return response


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
