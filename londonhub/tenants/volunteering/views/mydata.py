"""A volunteer's own data: download everything (JSON or CSV) and delete their profile."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from londonhub.platform.core.exports import csv_download
from londonhub.platform.core.extensions import db

from ..forms import DeleteProfileForm
from ..operations import mydata, profiles
from .volunteer import me_bp


@me_bp.get("/volunteering/my-data.json")
@login_required
def data_json():
    body = json.dumps(mydata.export_data(current_user), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-volunteering-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@me_bp.get("/volunteering/my-data.csv")
@login_required
def data_csv():
    return csv_download(mydata.export_rows(current_user), "my-volunteering-data.csv")


@me_bp.route("/volunteering/profile/delete", methods=["GET", "POST"])
@login_required
def delete_profile():
    form = DeleteProfileForm()
    if form.validate_on_submit():
        done = mydata.delete_profile(current_user)
        db.session.commit()
        flash(
            f"Your volunteer profile is deleted: {done.responses} responses and "
            f"{done.hours_entries} entries of hours are gone.",
            "success",
        )
        return redirect(url_for("auth.account"))
    return render_template(
        "volunteering/delete_profile.html",
        form=form,
        has_profile=profiles.get_profile(current_user) is not None,
    ), (400 if form.errors else 200)
