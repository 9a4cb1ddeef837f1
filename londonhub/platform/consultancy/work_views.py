"""Enquiries, quotes and engagements: the client's and the associate's pages (same blueprint
as views.py). Every lookup goes through a service that names the signed-in person."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db

from . import associates, engagements, enquiries, lifeboat, money, reviews, timesheets
from .forms import (
    EnquiryForm,
    MilestoneForm,
    PlanForm,
    QuoteForm,
    ReviewForm,
    WeekForm,
    pence_of,
)
from .models import Associate, EngagementStatus, Enquiry, QuoteStatus
from .views import bp, form_error, status_of


@bp.route("/enquire", methods=["GET", "POST"])
@login_required
def enquire():
    slug = request.values.get("associate", "")[:80]
    offer_id = request.values.get("offer", "")
    offer = int(offer_id) if offer_id.isdigit() and len(offer_id) < 12 else None
    associate = associates.get_listed(slug, current_user) if slug else None
    form = EnquiryForm()
    if form.validate_on_submit():
        draft = enquiries.EnquiryDraft(
            organisation=form.organisation.data,
            needs=form.needs.data,
            borough=form.borough.data or "",
            income_band=form.income_band.data or "",
            budget_pence=getattr(form.budget, "pence", None),
            timescale=form.timescale.data or "",
        )
        try:
            enquiry = enquiries.send_enquiry(current_user, draft, slug, offer)
        except associates.ConsultancyError as exc:
            form_error(form, exc, "needs")
        else:
            db.session.commit()
            flash("Your enquiry has been sent.", "success")
            return redirect(url_for(".enquiry", enquiry_id=enquiry.id))
    return render_template(
        "consultancy/enquire.html", form=form, associate=associate, offer_id=offer
    ), status_of(form)


@bp.get("/work")
@login_required
def work():
    """A person's consultancy: enquiries and engagements as client and as associate."""
    return render_template(
        "consultancy/work.html",
        enquiries=enquiries.list_enquiries(current_user),
        engaged=engagements.list_engagements(current_user),
        requests=lifeboat.list_requests(current_user),
        own=associates.associate_of(current_user),
    )


@bp.get("/enquiries/<int:enquiry_id>")
@login_required
def enquiry(enquiry_id: int):
    item = enquiries.get_enquiry(current_user, enquiry_id)
    return render_template(
        "consultancy/enquiry.html",
        enquiry=item,
        associate=db.session.get(Associate, item.associate_id) if item.associate_id else None,
        quotes=engagements.quotes_of(current_user, item),
        can_quote=_can_quote(item),
    )


def _can_quote(item: Enquiry) -> bool:
    own = associates.associate_of(current_user)
    mine = own is not None and own.id == item.associate_id
    return bool(item.associate_id) and (mine or current_user.is_hub_admin)


def _quote_draft(form: QuoteForm) -> engagements.QuoteDraft:
    from wtforms.validators import ValidationError

    lines = []
    for entry in form.lines.entries:
        row = entry.form
        text = (row.price.data or "").strip()
        try:
            price = pence_of(text, required=False)
        except ValidationError:
            price = -1  # refused by the service with the line's number
        if not (row.description.data or "").strip() and price is None:
            continue
        lines.append(engagements.LineDraft(row.description.data or "", price, row.days.data))
    return engagements.QuoteDraft(
        lines=lines,
        deposit_percent=form.deposit_percent.data,
        expires_on=form.expires_on.data,
        expenses_policy=form.expenses_policy.data or "",
        terms=form.terms.data or "",
        kind=form.kind.data,
    )


@bp.route("/enquiries/<int:enquiry_id>/quote", methods=["GET", "POST"])
@login_required
def new_quote(enquiry_id: int):
    item = enquiries.get_enquiry(current_user, enquiry_id)
    if not _can_quote(item):
        raise associates.NotAllowed("Only the associate (or the hub) can quote for this enquiry")
    revising = request.values.get("revise", "")
    form = QuoteForm()
    if form.validate_on_submit():
        try:
            if revising.isdigit() and len(revising) < 12:
                quote = engagements.revise_quote(current_user, int(revising), _quote_draft(form))
            else:
                quote = engagements.create_quote(current_user, item.id, _quote_draft(form))
        except associates.ConsultancyError as exc:
            form_error(form, exc, "deposit_percent")
        else:
            db.session.commit()
            flash("Your quote has been sent to the client.", "success")
            return redirect(url_for(".quote", quote_id=quote.id))
    return render_template(
        "consultancy/quote_form.html", form=form, enquiry=item, revising=revising
    ), status_of(form)


@bp.get("/quotes/<int:quote_id>")
@login_required
def quote(quote_id: int):
    item = engagements.get_quote(current_user, quote_id)
    enquiry = enquiries.get_enquiry(current_user, item.enquiry_id)
    return render_template(
        "consultancy/quote.html",
        quote=item,
        lines=engagements.quote_lines(item),
        enquiry=enquiry,
        associate=db.session.get(Associate, item.associate_id),
        is_client=enquiry.client_user_id == current_user.id,
        can_quote=_can_quote(enquiry),
        open=item.status == QuoteStatus.SENT,
    )


@bp.post("/quotes/<int:quote_id>/accept")
@login_required
def accept_quote(quote_id: int):
    try:
        engagement = engagements.accept_quote(current_user, quote_id)
    except associates.ConsultancyError as exc:
        db.session.rollback()
        db.session.commit()  # an expired quote is recorded as expired
        flash(str(exc), "error")
        return redirect(url_for(".quote", quote_id=quote_id))
    db.session.commit()
    flash("You accepted the quote.", "success")
    return redirect(url_for(".engagement", engagement_id=engagement.id))


@bp.post("/quotes/<int:quote_id>/decline")
@login_required
def decline_quote(quote_id: int):
    try:
        engagements.decline_quote(current_user, quote_id)
    except associates.ConsultancyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("You declined the quote.", "success")
    return redirect(url_for(".quote", quote_id=quote_id))


@bp.get("/engagements/<int:engagement_id>")
@login_required
def engagement(engagement_id: int):
    item = engagements.get_engagement(current_user, engagement_id)
    associate = db.session.get(Associate, item.associate_id)
    return render_template(
        "consultancy/engagement.html",
        engagement=item,
        associate=associate,
        enquiry=db.session.get(Enquiry, item.enquiry_id),
        milestones=engagements.milestones_of(item),
        is_client=item.client_user_id == current_user.id,
        is_associate=associate.user_id == current_user.id,
        balance_due=engagements.balance_due(item),
        milestone_form=MilestoneForm(prefix="milestone"),
        week_form=WeekForm(prefix="week"),
        weeks=timesheets.weeks_of(item.id),
        review_form=ReviewForm(prefix="review"),
        statuses=EngagementStatus,
    )


@bp.post("/engagements/<int:engagement_id>/pay/<part>")
@login_required
def pay(engagement_id: int, part: str):
    try:
        order = money.start_payment(current_user, engagement_id, part)
        order_id, online = order.id, order.payment_mode == billing.PaymentMode.STRIPE
        url = billing.checkout_url(order, current_user) if online else None
    except (associates.ConsultancyError, billing.BillingError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".engagement", engagement_id=engagement_id))
    db.session.commit()
    if url:
        return redirect(url, code=303)
    flash("Your invoice is ready: the hub will mark it paid when the money arrives.", "success")
    return redirect(url_for("billing.buyer_order", order_id=order_id))


@bp.post("/engagements/<int:engagement_id>/milestones")
@login_required
def add_milestone(engagement_id: int):
    form = MilestoneForm(prefix="milestone")
    if form.validate_on_submit():
        try:
            engagements.record_milestone(
                current_user, engagement_id, form.title.data, form.notes.data or ""
            )
        except associates.ConsultancyError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("Milestone recorded: the client has been asked to accept it.", "success")
    else:
        engagements.get_engagement(current_user, engagement_id)
        for field in form:
            for message in field.errors:
                flash(message, "error")
    return redirect(url_for(".engagement", engagement_id=engagement_id))


@bp.post("/engagements/<int:engagement_id>/milestones/<int:milestone_id>/accept")
@login_required
def accept_milestone(engagement_id: int, milestone_id: int):
    try:
        engagements.accept_milestone(current_user, engagement_id, milestone_id)
    except associates.ConsultancyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("You accepted the milestone.", "success")
    return redirect(url_for(".engagement", engagement_id=engagement_id))


@bp.post("/engagements/<int:engagement_id>/weeks")
@login_required
def record_week(engagement_id: int):
    form = WeekForm(prefix="week")
    form.validate()
    try:
        timesheets.record_week(
            current_user,
            engagement_id,
            form.week_starting.data,
            form.half_days.data,
            form.notes.data or "",
        )
    except associates.ConsultancyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Week recorded: the client has been asked to approve it.", "success")
    return redirect(url_for(".engagement", engagement_id=engagement_id))


@bp.post("/engagements/<int:engagement_id>/weeks/<int:record_id>/approve")
@login_required
def approve_week(engagement_id: int, record_id: int):
    try:
        timesheets.approve_week(current_user, engagement_id, record_id)
    except associates.ConsultancyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Week approved: its invoice is ready to pay.", "success")
    return redirect(url_for(".engagement", engagement_id=engagement_id))


@bp.post("/engagements/<int:engagement_id>/review")
@login_required
def review(engagement_id: int):
    engagements.get_engagement(current_user, engagement_id)  # another's: not found
    form = ReviewForm(prefix="review")
    rating = str(form.rating.data or "")
    try:
        reviews.leave_review(
            current_user,
            engagement_id,
            int(rating) if rating.isdigit() and len(rating) < 3 else None,
            form.text.data or "",
        )
    except associates.ConsultancyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Thank you: your review will appear once the hub has checked it.", "success")
    return redirect(url_for(".engagement", engagement_id=engagement_id))


@bp.route("/lifeboat/<int:request_id>", methods=["GET", "POST"])
@login_required
def lifeboat_request(request_id: int):
    item = lifeboat.get_request(current_user, request_id)
    form = PlanForm(prefix="plan")
    if form.validate_on_submit():
        lifeboat.set_transfer_plan(current_user, request_id, form.plan.data or "")
        db.session.commit()
        flash("The transfer plan has been saved.", "success")
        return redirect(url_for(".lifeboat_request", request_id=request_id))
    if request.method == "GET":
        form.plan.data = item.transfer_plan
    return render_template(
        "consultancy/lifeboat_request.html",
        item=item,
        assigned=lifeboat.assigned(item),
        form=form,
        urgency=lifeboat.URGENCY,
    ), status_of(form)
