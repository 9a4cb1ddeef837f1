"""Consultancy pages: the public directory at /consultancy and associates' pages, applying and
an associate's own profile, offers, and the Lifeboat request form (no account needed).

Enquiries, quotes and engagements are in work_views.py, the hub's pages in hub_views.py; all
thin: parse, call one service, render or redirect.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.access import public
from londonhub.platform.core.extensions import db
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.params import page_arg

from . import associates, lifeboat, money, reviews
from .forms import SITUATION_LABELS, DirectoryForm, LifeboatForm, OfferForm, ProfileForm
from .models import BOROUGHS, EXPERTISE, RATE_BANDS

bp = Blueprint("consultancy", __name__, url_prefix="/consultancy", template_folder="templates")


@bp.app_context_processor
def _labels() -> dict:
    return {
        "expertise_labels": EXPERTISE,
        "borough_labels": BOROUGHS,
        "situation_labels": SITUATION_LABELS,
    }


def form_error(form, exc: associates.ConsultancyError, default: str) -> None:
    """Put a service's message on its field (or the form's top when it names none)."""
    db.session.rollback()
    field = getattr(form, exc.field or default, None)
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


def status_of(form) -> int:
    return 400 if request.method == "POST" else 200


# --- public ------------------------------------------------------------------------------------


@bp.get("")
@shared_page
@public
def index():
    form = DirectoryForm(request.args)
    criteria = associates.Criteria(
        expertise=request.args.get("expertise", ""),
        borough=request.args.get("borough", ""),
        rate=request.args.get("rate", ""),
        available=bool(form.available.data),
        q=form.q.data or "",
        page=page_arg(),
    )
    results = associates.search(criteria)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "consultancy/index.html",
        form=form,
        results=results,
        args=args,
        rate_bands=RATE_BANDS,
        own=associates.associate_of(current_user),
    )


@bp.get("/<associate_slug>")
@public
def associate_page(associate_slug: str):
    associate = associates.get_listed(associate_slug, current_user)
    return render_template(
        "consultancy/associate.html",
        associate=associate,
        offers=associates.offers_of(associate.id),
        reviews=reviews.published_reviews(associate.id),
        own=current_user.is_authenticated and current_user.id == associate.user_id,
    )


@bp.get("/<associate_slug>/photo")
@public
def photo(associate_slug: str):
    associate = associates.get_listed(associate_slug, current_user)
    data = associates.photo_bytes(associate)
    response = send_file(io.BytesIO(data), mimetype=associate.photo_content_type, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/lifeboat", methods=["GET", "POST"])
def lifeboat_form():
    form = LifeboatForm()
    if form.validate_on_submit():
        draft = lifeboat.RequestDraft(
            organisation=form.organisation.data,
            contact_name=form.contact_name.data,
            contact_email=form.contact_email.data,
            contact_phone=form.contact_phone.data or "",
            borough=form.borough.data or "",
            situation=form.situation.data,
            details=form.details.data,
        )
        try:
            lifeboat.submit(draft)
        except associates.ConsultancyError as exc:
            form_error(form, exc, "details")
        else:
            db.session.commit()
            return render_template("consultancy/lifeboat_sent.html")
    return render_template("consultancy/lifeboat_form.html", form=form), status_of(form)


# --- applying and one's own profile -------------------------------------------------------------


def _profile(form: ProfileForm) -> associates.Profile:
    upload = request.files.get(form.photo.name)
    return associates.Profile(
        name=form.name.data or "",
        headline=form.headline.data or "",
        bio=form.bio.data or "",
        expertise=list(form.expertise.data or []),
        boroughs=list(form.boroughs.data or []),
        languages=form.languages.data or "",
        day_rate_pence=getattr(form.day_rate, "pence", None),
        availability=form.availability.data or "",
        references=form.references.data or "",
        photo=upload.read() if upload and upload.filename else None,
        photo_alt=form.photo_alt.data or "",
    )


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    own = associates.associate_of(current_user)
    if own is not None:
        return redirect(url_for(".profile"))
    form = ProfileForm()
    if request.method == "GET":
        form.name.data = current_user.name
    if form.validate_on_submit():
        try:
            associates.apply(current_user, _profile(form))
        except associates.ConsultancyError as exc:
            form_error(form, exc, "name")
        else:
            db.session.commit()
            flash("Thank you: the hub will look at your application and let you know.", "success")
            return redirect(url_for(".profile"))
    return render_template("consultancy/profile_form.html", form=form, applying=True), status_of(
        form
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    associate = associates.own_associate(current_user)
    form = ProfileForm(obj=associate)
    if request.method == "GET":
        form.expertise.data = associate.expertise_list
        form.boroughs.data = associate.borough_list
        form.day_rate.data = f"{associate.day_rate_pence / 100:.2f}"
        form.availability.data = associate.availability.value
    if form.validate_on_submit():
        try:
            associates.update_profile(current_user, _profile(form))
        except associates.ConsultancyError as exc:
            form_error(form, exc, "name")
        else:
            db.session.commit()
            flash("Your profile has been saved.", "success")
            return redirect(url_for(".profile"))
    return render_template(
        "consultancy/profile_form.html",
        form=form,
        applying=False,
        associate=associate,
        offers=associates.offers_of(associate.id),
        offer_form=OfferForm(prefix="offer"),
        held=money.associate_balance(associate),
    ), status_of(form)


@bp.post("/profile/pause")
@login_required
def pause():
    paused = request.form.get("paused") == "1"
    associates.set_paused(current_user, paused)
    db.session.commit()
    flash(
        "You are not taking new work: clients can still see your page."
        if paused
        else "You are taking work again.",
        "success",
    )
    return redirect(url_for(".profile"))


@bp.post("/offers")
@login_required
def add_offer():
    associate = associates.own_associate(current_user)
    form = OfferForm(prefix="offer")
    if form.validate_on_submit():
        try:
            associates.add_offer(
                current_user,
                associate,
                form.title.data,
                form.summary.data or "",
                getattr(form.price, "pence", None),
                form.days.data,
            )
        except associates.ConsultancyError as exc:
            form_error(form, exc, "title")
        else:
            db.session.commit()
            flash("Your offer is published on your page.", "success")
            return redirect(url_for(".profile"))
    for field in form:
        for message in field.errors:
            flash(f"Offer not saved: {message}", "error")
    return redirect(url_for(".profile"))


@bp.post("/offers/<int:offer_id>/withdraw")
@login_required
def withdraw_offer(offer_id: int):
    associates.withdraw_offer(current_user, offer_id)
    db.session.commit()
    flash("The offer has been withdrawn.", "success")
    return redirect(url_for(".profile"))


@bp.post("/profile/stripe")
@login_required
def connect_stripe():
    try:
        url = money.connect_account(
            current_user,
            url_for(".profile", _external=True),
            url_for(".profile", _external=True),
        )
    except associates.ConsultancyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".profile"))
    db.session.commit()
    return redirect(url, code=303)
