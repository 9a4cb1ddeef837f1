"""The hub's consultancy pages at /hub/consultancy: associates (approve, suspend, feature,
commission), enquiries sent to the hub, review moderation, the ledger with payouts and the
subsidy pot, and Lifeboat triage. Hub admins only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_hub_admin
from londonhub.platform.core.extensions import db

from . import associates, enquiries, lifeboat, money, pot, reviews
from .forms import AmountForm, AssignForm, CommissionForm, TriageForm
from .models import Account, AssociateStatus, Engagement, Enquiry

hub_bp = Blueprint(
    "consultancy_hub", __name__, url_prefix="/hub/consultancy", template_folder="templates"
)
require_hub_admin(hub_bp)


def _approved_choices() -> list[tuple[int, str]]:
    return [(0, "Choose an associate")] + [
        (a.id, a.name) for a in associates.list_for_hub(AssociateStatus.APPROVED.value)
    ]


def _flash_error(exc: associates.ConsultancyError) -> None:
    db.session.rollback()
    flash(str(exc), "error")


@hub_bp.get("")
def index():
    status = request.args.get("status", "")[:20]
    assign_form = AssignForm(prefix="assign")
    assign_form.associate_id.choices = _approved_choices()
    return render_template(
        "consultancy/hub_index.html",
        associates=associates.list_for_hub(status),
        status=status,
        statuses=AssociateStatus,
        enquiries=enquiries.enquiries_for_hub(),
        reviews=reviews.pending_reviews(),
        assign_form=assign_form,
    )


@hub_bp.get("/associates/<int:associate_id>")
def associate(associate_id: int):
    item = associates.get_associate(associate_id)
    form = CommissionForm(prefix="commission", commission_percent=item.commission_percent)
    return render_template(
        "consultancy/hub_associate.html",
        associate=item,
        form=form,
        payout_form=AmountForm(prefix="payout"),
        held=money.associate_balance(item),
    )


@hub_bp.post("/associates/<int:associate_id>/<action>")
def decide(associate_id: int, action: str):
    try:
        item = associates.decide(current_user, associate_id, action)
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash(f"{item.name}: {action} done.", "success")
    return redirect(url_for(".associate", associate_id=associate_id))


@hub_bp.post("/associates/<int:associate_id>/commission")
def commission(associate_id: int):
    form = CommissionForm(prefix="commission")
    form.validate()
    try:
        associates.set_commission(current_user, associate_id, form.commission_percent.data)
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Commission saved.", "success")
    return redirect(url_for(".associate", associate_id=associate_id))


@hub_bp.post("/associates/<int:associate_id>/payout")
def payout(associate_id: int):
    form = AmountForm(prefix="payout")
    form.validate()
    try:
        money.record_payout(
            current_user,
            associate_id,
            getattr(form.amount, "pence", None),
            form.reference.data or "",
        )
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Payout recorded.", "success")
    return redirect(url_for(".associate", associate_id=associate_id))


@hub_bp.post("/enquiries/<int:enquiry_id>/assign")
def assign_enquiry(enquiry_id: int):
    form = AssignForm(prefix="assign")
    form.associate_id.choices = _approved_choices()
    form.validate()
    try:
        enquiries.assign_enquiry(current_user, enquiry_id, form.associate_id.data or None)
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("The enquiry has been passed to the associate.", "success")
    return redirect(url_for(".index"))


@hub_bp.post("/reviews/<int:review_id>/<decision>")
def moderate(review_id: int, decision: str):
    if decision not in ("publish", "reject"):
        return redirect(url_for(".index"))
    reviews.moderate_review(current_user, review_id, decision == "publish")
    db.session.commit()
    flash("Review published." if decision == "publish" else "Review rejected.", "success")
    return redirect(url_for(".index"))


@hub_bp.get("/money")
def ledger():
    return render_template(
        "consultancy/hub_money.html",
        entries=money.ledger(),
        balances=money.balances(),
        pot=money.account_total(Account.SUBSIDY_POT),
        commission=money.account_total(Account.COMMISSION),
        form=AmountForm(prefix="pot"),
        engagements=db.session.execute(
            db.select(Engagement, Enquiry)
            .join(Enquiry, Enquiry.id == Engagement.enquiry_id)
            .where(Engagement.deposit_paid_at.is_(None), Engagement.subsidy_pence == 0)
            .order_by(Engagement.id.desc())
            .limit(50)
        ).all(),
        subsidy_form=AmountForm(prefix="subsidy"),
    )


@hub_bp.post("/money/pot")
def top_up():
    form = AmountForm(prefix="pot")
    form.validate()
    try:
        pot.top_up_pot(current_user, getattr(form.amount, "pence", None), form.reference.data)
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("The subsidy pot has been topped up.", "success")
    return redirect(url_for(".ledger"))


@hub_bp.post("/engagements/<int:engagement_id>/subsidy")
def subsidy(engagement_id: int):
    form = AmountForm(prefix="subsidy")
    form.validate()
    try:
        pot.approve_subsidy(current_user, engagement_id, getattr(form.amount, "pence", None))
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Discount approved from the subsidy pot.", "success")
    return redirect(url_for(".ledger"))


@hub_bp.get("/lifeboat")
def lifeboat_index():
    return render_template(
        "consultancy/hub_lifeboat.html",
        requests=lifeboat.list_requests(current_user),
        urgency=lifeboat.URGENCY,
    )


@hub_bp.route("/lifeboat/<int:request_id>", methods=["GET", "POST"])
def lifeboat_triage(request_id: int):
    item = lifeboat.get_request(current_user, request_id)
    form = TriageForm(prefix="triage", urgency=item.urgency or 2, notes=item.triage_notes)
    assign_form = AssignForm(prefix="assign")
    assign_form.associate_id.choices = _approved_choices()
    if request.method == "POST" and form.validate():
        try:
            lifeboat.triage(
                current_user,
                request_id,
                form.urgency.data,
                form.notes.data or "",
                getattr(form.subsidy, "pence", None),
            )
        except associates.ConsultancyError as exc:
            _flash_error(exc)
        else:
            db.session.commit()
            flash("Triage saved.", "success")
            return redirect(url_for(".lifeboat_triage", request_id=request_id))
    return render_template(
        "consultancy/hub_lifeboat_request.html",
        item=item,
        form=form,
        assign_form=assign_form,
        assigned=lifeboat.assigned(item),
        urgency=lifeboat.URGENCY,
    ), (400 if request.method == "POST" else 200)


@hub_bp.post("/lifeboat/<int:request_id>/assign")
def lifeboat_assign(request_id: int):
    form = AssignForm(prefix="assign")
    form.associate_id.choices = _approved_choices()
    form.validate()
    try:
        lifeboat.assign(current_user, request_id, form.associate_id.data or None)
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Associate assigned: they have been told by email.", "success")
    return redirect(url_for(".lifeboat_triage", request_id=request_id))


@hub_bp.post("/lifeboat/<int:request_id>/share")
def lifeboat_share(request_id: int):
    try:
        lifeboat.share_with_borough(current_user, request_id, request.form.get("share") == "1")
    except associates.ConsultancyError as exc:
        _flash_error(exc)
    else:
        db.session.commit()
        flash("Sharing updated.", "success")
    return redirect(url_for(".lifeboat_triage", request_id=request_id))


@hub_bp.post("/lifeboat/<int:request_id>/close")
def lifeboat_close(request_id: int):
    lifeboat.close(current_user, request_id)
    db.session.commit()
    flash("Request closed.", "success")
    return redirect(url_for(".lifeboat_index"))
