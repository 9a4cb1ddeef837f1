"""Annual reports on the two dashboards' blueprints: London's (hub admins) and each
workspace's own borough (its staff). Starting one queues the job; its page shows progress
(a <progress> element and the step being done; pages carry no script, so people reload it
with its "Check progress again" link); `.../status` answers the same as JSON."""

from __future__ import annotations

from flask import Response, abort, g, jsonify, redirect, render_template, url_for
from flask_login import current_user

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import Workspace

from . import reports
from .dashboard_views import london_bp, workspace_bp
from .forms import ReportForm
from .services import this_year


def _list(workspace: Workspace | None, prefix: str, form: ReportForm | None = None, status=200):
    if form is None:
        form = ReportForm(year=this_year())
    return (
        render_template(
            "intelligence/reports.html",
            workspace=workspace,
            reports=reports.list_reports(workspace),
            form=form,
            prefix=prefix,
        ),
        status,
    )


def _start(workspace: Workspace | None, prefix: str):
    form = ReportForm()
    if not form.validate_on_submit():
        return _list(workspace, prefix, form, 400)
    try:
        report = reports.start_report(workspace, form.year.data, current_user.id)
    except reports.ReportRefused as exc:
        form.year.errors = [str(exc)]
        return _list(workspace, prefix, form, 400)
    report_id = report.id
    db.session.commit()  # the job is queued after this commit (in-process: runs now)
    return redirect(url_for(f"{prefix}.report", report_id=report_id), 303)


def _report_or_404(workspace: Workspace | None, report_id: int):
    report = reports.get_report(workspace, report_id)
    if report is None:
        abort(404, description="There is no such report here.")
    return report


def _status(workspace: Workspace | None, report_id: int):
    report = _report_or_404(workspace, report_id)
    response = jsonify(
        status=report.status,
        label=report.status_label,
        progress=report.progress,
        step=report.step,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _download(workspace: Workspace | None, report_id: int, kind: str):
    report = _report_or_404(workspace, report_id)
    found = reports.read_file(report, kind) if kind in ("html", "pdf") else None
    if found is None:
        abort(404, description="That file of the report does not exist (yet).")
    data, content_type, name = found
    response = Response(data, mimetype=content_type.split(";")[0])
    disposition = "attachment" if kind == "pdf" else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    if kind == "html":
        # The report's own inline stylesheet, nothing else.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
    return response


def _page(workspace: Workspace | None, report_id: int, prefix: str):
    report = _report_or_404(workspace, report_id)
    return render_template(
        "intelligence/report_status.html", workspace=workspace, report=report, prefix=prefix
    )


# --- London --------------------------------------------------------------------------------------


@london_bp.get("/reports")
def reports_index():
    return _list(None, "london")


@london_bp.post("/reports")
def start():
    return _start(None, "london")


@london_bp.get("/reports/<int:report_id>")
def report(report_id: int):
    return _page(None, report_id, "london")


@london_bp.get("/reports/<int:report_id>/status")
def report_status(report_id: int):
    return _status(None, report_id)


@london_bp.get("/reports/<int:report_id>/<kind>")
def download(report_id: int, kind: str):
    return _download(None, report_id, kind)


# --- a workspace's own borough -----------------------------------------------------------------


@workspace_bp.get("/reports", endpoint="reports_index")
def workspace_reports():
    return _list(g.tenant, "workspace_dashboard")


@workspace_bp.post("/reports", endpoint="start")
def workspace_start():
    return _start(g.tenant, "workspace_dashboard")


@workspace_bp.get("/reports/<int:report_id>", endpoint="report")
def workspace_report(report_id: int):
    return _page(g.tenant, report_id, "workspace_dashboard")


@workspace_bp.get("/reports/<int:report_id>/status", endpoint="report_status")
def workspace_report_status(report_id: int):
    return _status(g.tenant, report_id)


@workspace_bp.get("/reports/<int:report_id>/<kind>", endpoint="download")
def workspace_download(report_id: int, kind: str):
    return _download(g.tenant, report_id, kind)
