"""`/data`: the data dictionary people can read, the published figures and the open-data
bundle. Public: aggregates of publishable metrics only, small numbers suppressed."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, render_template, request

from londonhub.platform.core.metrics import all_metrics, derivation_sql
from londonhub.platform.core.params import int_arg

from . import exports, services

bp = Blueprint("data", __name__, template_folder="templates")


def _year() -> int:
    year = int_arg("year", None, minimum=services.FIRST_YEAR, maximum=services.this_year())
    return services.check_year(year)


def _figures(year: int, metric: str | None = None) -> list[services.PublishedFigure]:
    try:
        return services.published_figures(year, metric=metric)
    except services.UnknownFigure as exc:
        abort(404, description=str(exc))


@bp.route("/data")
def index():
    year = _year()
    publishable = services.publishable_metrics()
    chosen = request.args.get("metric") or (publishable[0].key if publishable else "")
    if chosen not in {m.key for m in publishable}:
        abort(404, description="There is no published metric of that name.")
    figures = _figures(year)
    london = [f for f in figures if f.borough is None]
    by_borough = [f for f in figures if f.metric == chosen and f.borough is not None]
    return render_template(
        "intelligence/data.html",
        year=year,
        years=services.published_years(),
        metrics=all_metrics(),
        sql={m.key: derivation_sql(m) for m in all_metrics()},
        publishable=publishable,
        chosen=chosen,
        london=london,
        by_borough=by_borough,
    )


@bp.route("/data/figures.csv")
def figures_csv():
    year = _year()
    return exports.public_download(
        exports.figures_csv(_figures(year)), "text/csv", f"figures-{year}.csv"
    )


@bp.route("/data/figures.json")
def figures_json():
    year = _year()
    return exports.public_download(exports.figures_json(_figures(year), year), "application/json")


@bp.route("/data/datapackage.json")
def datapackage():
    year = _year()
    descriptor = exports.datapackage(year, current_app.config["PUBLIC_URL"].rstrip("/"))
    return exports.public_download(json.dumps(descriptor, indent=2), "application/json")


@bp.route("/data/open-data.zip")
def bundle():
    year = _year()
    body = exports.bundle(_figures(year), year, current_app.config["PUBLIC_URL"].rstrip("/"))
    return exports.public_download(body, "application/zip", f"london-figures-{year}.zip")
