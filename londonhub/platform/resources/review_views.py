"""Peer review, adoption and hub curation pages, on the blueprints of views.py:
/b/<slug>/admin/resources/reviews/... (staff reviewing for their workspace),
/b/<slug>/admin/resources/adopted/... (listing a pool resource on the workspace's page),
.../<id>/submit (owners asking for review) and /hub/resources/pool (hub curation)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.extensions import db

from . import adoption, expiry, review, services
from .forms import NoteForm, ReviewForm
from .models import CHECKLIST
from .views import _attachment, _owner, admin_bp, hub_bp


def submit(resource_id: int):
    try:
        review.submit(current_user, _owner(), resource_id)
    except services.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Your resource is waiting for review by two other organisations.", "success")
    return redirect(url_for(".manage", resource_id=resource_id))


for _bp in (admin_bp, hub_bp):
    _bp.add_url_rule("/<int:resource_id>/submit", "submit", submit, methods=["POST"])


# --- reviewing (staff of a workspace, for resources of other workspaces) -----------------------


@admin_bp.get("/reviews")
def review_queue():
    return render_template(
        "resources/review_queue.html", entries=review.queue(current_user, g.tenant)
    )


@admin_bp.route("/reviews/<int:resource_id>", methods=["GET", "POST"])
def review_resource(resource_id: int):
    entry = review.for_review(current_user, g.tenant, resource_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review.record(
                current_user,
                g.tenant,
                resource_id,
                checks={name: getattr(form, name).data for name in CHECKLIST},
                decision=form.decision.data,
                comments=form.comments.data or "",
            )
        except services.ResourceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "decision").errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Thank you: your review of {entry.version.title} is recorded.", "success")
            return redirect(url_for(".review_queue"))
    return render_template(
        "resources/review_form.html",
        entry=entry,
        form=form,
        checklist=list(CHECKLIST),
        files=review.files_of_version(resource_id, entry.version.number),
    ), (400 if request.method == "POST" else 200)


@admin_bp.get("/reviews/<int:resource_id>/files/<int:file_id>")
def review_file(resource_id: int, file_id: int):
    row = review.review_file(current_user, g.tenant, resource_id, file_id)
    return _attachment(row, services.file_bytes(row))


# --- adoption ----------------------------------------------------------------------------------


@admin_bp.post("/adopted/<int:resource_id>")
def adopt(resource_id: int):
    try:
        adoption.adopt(current_user, g.tenant, resource_id)
    except services.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"It is now listed on {g.tenant.name}'s page.", "success")
    return redirect(url_for("resources.detail", resource_id=resource_id))


@admin_bp.post("/adopted/<int:resource_id>/remove")
def unadopt(resource_id: int):
    adoption.unadopt(current_user, g.tenant, resource_id)
    db.session.commit()
    flash(f"It is no longer listed on {g.tenant.name}'s page.", "success")
    return redirect(url_for("resources.detail", resource_id=resource_id))


def _note_forms(rows: list[adoption.Adopted]) -> dict[int, NoteForm]:
    return {
        row.entry.resource.id: NoteForm(
            prefix=f"n{row.entry.resource.id}", note=row.adoption.local_note, formdata=None
        )
        for row in rows
    }


@admin_bp.get("/adopted")
def adopted():
    rows = adoption.adopted_for_admin(current_user, g.tenant)
    forms = _note_forms(rows)
    return render_template("resources/adopted.html", rows=rows, forms=forms, workspace=g.tenant)


@admin_bp.post("/adopted/<int:resource_id>/note")
def adopted_note(resource_id: int):
    form = NoteForm(prefix=f"n{resource_id}")
    error = None
    if form.validate_on_submit():
        try:
            adoption.set_note(current_user, g.tenant, resource_id, form.note.data or "")
        except services.ResourceError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash("Your local note is saved: it shows with the resource on your page.", "success")
            return redirect(url_for(".adopted"))
    rows = adoption.adopted_for_admin(current_user, g.tenant)
    forms = _note_forms(rows)
    if error:
        form.note.errors = [*form.note.errors, error]
    forms[resource_id] = form
    return render_template(
        "resources/adopted.html", rows=rows, forms=forms, workspace=g.tenant
    ), 400


@admin_bp.post("/adopted/<int:resource_id>/seen")
def adopted_seen(resource_id: int):
    try:
        adoption.mark_seen(current_user, g.tenant, resource_id)
    except services.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for(".adopted"))


# --- hub curation ------------------------------------------------------------------------------


@hub_bp.get("/reviews")
def hub_review_queue():
    return render_template("resources/hub_review_queue.html", rows=expiry.hub_queue(current_user))


@hub_bp.get("/pool")
def curation():
    return render_template("resources/curation.html", rows=review.pool_for_curation(current_user))


@hub_bp.post("/pool/<int:resource_id>")
def curate(resource_id: int):
    try:
        resource = review.curate(current_user, resource_id, request.form.get("action", ""))
    except services.ResourceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        done = {"feature": "is featured", "unfeature": "is no longer featured"}
        done |= {"retire": "is retired from the pool", "restore": "is back in the pool"}
        flash(f"{resource.title} {done[request.form['action']]}.", "success")
    return redirect(url_for(".curation"))
