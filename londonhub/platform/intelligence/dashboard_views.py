"""Dashboards: London's at /hub/london/ (hub admins) and each workspace's at
/b/<slug>/dashboard/ (its staff; only its own figures), with CSV and JSON of every table."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request

from londonhub.platform.core.access import require_hub_admin, require_workspace_role
from londonhub.platform.core.exports import csv_download
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.metrics import format_value
from londonhub.platform.core.params import BadParameter
from londonhub.platform.core.tenancy import Workspace, workspace_blueprint
from londonhub.platform.core.timeutil import london_today

from . import charts, dashboard, figures

london_bp = Blueprint("london", __name__, url_prefix="/hub/london", template_folder="templates")
require_hub_admin(london_bp)
workspace_bp = workspace_blueprint(
    "workspace_dashboard", __name__, "/dashboard", template_folder="templates"
)
require_workspace_role(
    workspace_bp, Role.STAFF, "Only the workspace's staff can see its dashboard."
)
FORMATS = ("csv", "json")


def _month_arg(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        year, month = raw.split("-")
        if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
            raise ValueError
        if not 2000 <= int(year) <= 2100:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise BadParameter(
            f"{name} must be a month from 2000-01 to 2100-12, written like 2026-03."
        ) from None


def _dashboard(workspace: Workspace | None) -> dashboard.Dashboard:
    first, last = _month_arg("from"), _month_arg("to")
    try:
        window = dashboard.parse_window(first, last, london_today())
        return dashboard.build(window, request.args.get("metric"), workspace)
    except dashboard.BadWindow as exc:
        raise BadParameter(str(exc)) from None
    except LookupError as exc:
        abort(404, description=str(exc))


def _page(board: dashboard.Dashboard, export_endpoint: str):
    if figures.refresh_if_stale():
        db.session.commit()  # the refresh job is queued after the commit
    chosen = board.chosen
    labels = [f"{m:%b %y}" for m in board.window.months]
    bars = charts.bar_chart(
        f"{chosen.name} by month",
        f"{chosen.name} ({chosen.unit_label}) in each month of {board.window.label}: this period "
        "in blue, the same month a year before in grey. The table below gives every value.",
        labels,
        board.this_by_month,
        board.last_by_month,
        axis_text=lambda v: _short_value(chosen, v),
    )
    tiles = None
    if board.workspace is None:
        tiles = charts.tile_map(
            f"{chosen.name} by borough, {board.window.label}",
            "London's 33 boroughs as squares in their places, from Enfield in the north to "
            "Sutton in the south; darker squares have higher figures. The table below gives "
            "every value.",
            board.by_borough,
            board.borough_names,
            describe=lambda v: _short_value(chosen, v),
        )
    values = list(board.by_borough.values())
    return render_template(
        "intelligence/dashboard.html",
        board=board,
        bars=bars,
        tiles=tiles,
        legend=charts.legend_steps(values, lambda v: _short_value(chosen, v)),
        chart_css=charts.CHART_CSS,
        export_endpoint=export_endpoint,
        query={k: v for k, v in request.args.items() if k in ("from", "to", "metric")},
    )


def _short_value(metric, value: int) -> str:
    return format_value(metric, value)


def export(board: dashboard.Dashboard, table: str, fmt: str, prefix: str) -> Response:
    if table not in board.tables or fmt not in FORMATS:
        abort(404, description="There is no such table or format.")
    data = board.tables[table]
    filename = f"{prefix}-{table}-{board.window.first:%Y-%m}-{board.window.last:%Y-%m}"
    if fmt == "csv":
        return csv_download([data.headers, *data.plain], f"{filename}.csv")
    body = {
        "table": data.name,
        "caption": data.caption,
        "from": f"{board.window.first:%Y-%m}",
        "to": f"{board.window.last:%Y-%m}",
        "metric": board.chosen.key,
        "headers": data.headers,
        "rows": data.plain,
    }
    response = Response(json.dumps(body, indent=2), mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@london_bp.get("/")
def index():
    return _page(_dashboard(None), "london.export")


@london_bp.get("/export/<table>.<fmt>", endpoint="export")
def export_london(table: str, fmt: str):
    return export(_dashboard(None), table, fmt, "london")


@workspace_bp.get("/")
def workspace_index():
    return _page(_dashboard(g.tenant), "workspace_dashboard.export")


@workspace_bp.get("/export/<table>.<fmt>", endpoint="export")
def workspace_export(table: str, fmt: str):
    return export(_dashboard(g.tenant), table, fmt, g.tenant.slug)
