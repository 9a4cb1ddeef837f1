"""The annual report: one click queues a job that writes the year's report as HTML and as a
PDF (WeasyPrint, from the same HTML), stored through core/storage.py and listed for download.
Running it again for the same year makes the next version; earlier versions stay listed.

The report takes its numbers from the dashboard's tables (dashboard.build), so a figure is the
same on the dashboard, in its CSV and in the report.
"""

from __future__ import annotations

import logging

from flask import render_template
from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import enqueue, job
from londonhub.platform.core.metrics import format_value
from londonhub.platform.core.storage import get_storage, new_key
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import london_today, utcnow

from . import charts, dashboard, figures
from .charts import CHART_CSS
from .models import AnnualReport, ReportStatus
from .services import FIRST_YEAR

log = logging.getLogger(__name__)
LONDON = "london"


class ReportRefused(ValueError):
    """The report cannot be started (the message says why)."""


def scope_of(workspace: Workspace | None) -> str:
    return workspace.slug if workspace is not None else LONDON


def list_reports(workspace: Workspace | None) -> list[AnnualReport]:
    """The reports of London (None) or of one workspace, newest first."""
    return list(
        db.session.scalars(
            select(AnnualReport)
            .where(AnnualReport.scope == scope_of(workspace))
            .order_by(AnnualReport.year.desc(), AnnualReport.version.desc())
        )
    )


def get_report(workspace: Workspace | None, report_id: int) -> AnnualReport | None:
    """The report `report_id` of London or of `workspace`; None if it is another's."""
    return db.session.scalar(
        select(AnnualReport).where(
            AnnualReport.id == report_id, AnnualReport.scope == scope_of(workspace)
        )
    )


def start_report(workspace: Workspace | None, year: int, user_id: int | None) -> AnnualReport:
    """Queue the next version of `year`'s report (the job runs after the commit)."""
    if not FIRST_YEAR <= year <= london_today().year:
        raise ReportRefused(f"Reports can be written for {FIRST_YEAR} to {london_today().year}.")
    scope = scope_of(workspace)
    latest = db.session.scalar(
        select(func.max(AnnualReport.version)).where(
            AnnualReport.scope == scope, AnnualReport.year == year
        )
    )
    report = AnnualReport(
        scope=scope,
        workspace_id=workspace.id if workspace is not None else None,
        year=year,
        version=(latest or 0) + 1,
        status=ReportStatus.QUEUED,
        progress=0,
        step="Waiting to start",
        requested_by_id=user_id,
    )
    db.session.add(report)
    db.session.flush()
    enqueue(write_report, report.id)
    return report


def _progress(report: AnnualReport, percent: int, step: str) -> None:
    """Record progress and commit, so the page watching the report sees it now."""
    report.progress, report.step = percent, step
    db.session.commit()


@job
def write_report(report_id: int) -> None:
    """Write the report's HTML and PDF, committing progress after each step."""
    report = db.session.get(AnnualReport, report_id)
    if report is None or report.status == ReportStatus.DONE:
        return  # gone, or already written (a retried job writes nothing twice)
    workspace = db.session.get(Workspace, report.workspace_id) if report.workspace_id else None
    report.status = ReportStatus.RUNNING
    _progress(report, 5, "Reading the year's figures")
    try:
        html = render_report(report, workspace, lambda p, s: _progress(report, p, s))
        _progress(report, 80, "Writing the PDF")
        pdf = html_to_pdf(html)
        _progress(report, 95, "Storing the files")
        storage = get_storage()
        prefix = f"reports/{report.scope}-{report.year}-v{report.version}"
        report.html_key, report.pdf_key = new_key(prefix), new_key(prefix)
        storage.put(report.html_key, html.encode(), "text/html; charset=utf-8")
        storage.put(report.pdf_key, pdf, "application/pdf")
        report.status, report.progress, report.step = ReportStatus.DONE, 100, "Ready"
        report.finished_at = utcnow()
    except Exception as exc:  # recorded for the page; the job itself then fails visibly
        db.session.rollback()
        report = db.session.get(AnnualReport, report_id)
        report.status, report.step = ReportStatus.FAILED, "Failed"
        report.error = f"{type(exc).__name__}: {exc}"[:500]
        report.finished_at = utcnow()
        db.session.commit()
        log.exception("annual report %s failed", report_id)
        raise


def render_report(report: AnnualReport, workspace: Workspace | None, progress) -> str:
    """The report as one self-contained HTML document (its CSS inline, its charts SVG)."""
    window = figures.year_window(report.year)
    board = dashboard.build(window, None, workspace)
    sections = []
    total = len(board.metrics)
    for index, metric in enumerate(board.metrics):
        this = figures.by_month(metric.key, window, workspace.id if workspace else None)
        last = figures.by_month(
            metric.key, window.year_before(), workspace.id if workspace else None
        )
        section = {
            "metric": metric,
            "bars": charts.bar_chart(
                f"{metric.name} by month, {report.year}",
                f"{metric.name} ({metric.unit_label}) in each month of {report.year} (blue) "
                f"and {report.year - 1} (grey). The table gives every value.",
                [f"{m:%b}" for m in window.months],
                this,
                last,
                names=(str(report.year), str(report.year - 1)),
                axis_text=lambda v, m=metric: format_value(m, v),
            ),
            "months": dashboard._months_table(metric, window, this, last),
        }
        if workspace is None:
            per_workspace = dashboard.build(window, metric.key, None)
            section["tiles"] = charts.tile_map(
                f"{metric.name} by borough, {report.year}",
                "London's 33 boroughs as squares in their places; darker squares have higher "
                "figures. The table gives every value.",
                per_workspace.by_borough,
                per_workspace.borough_names,
                describe=lambda v, m=metric: format_value(m, v),
            )
            section["boroughs"] = per_workspace.tables["boroughs"]
        sections.append(section)
        progress(5 + int(70 * (index + 1) / total), f"Drawing {metric.name.lower()}")
    return render_template(
        "intelligence/report.html",
        report=report,
        workspace=workspace,
        board=board,
        sections=sections,
        chart_css=CHART_CSS,
        written_at=utcnow(),
    )


def html_to_pdf(html: str) -> bytes:
    """The PDF of the report's HTML (WeasyPrint: the same document, paged for print)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def read_file(report: AnnualReport, kind: str) -> tuple[bytes, str, str] | None:
    """(bytes, content type, file name) of the report's `html` or `pdf`, once written."""
    key = {"html": report.html_key, "pdf": report.pdf_key}.get(kind)
    if report.status != ReportStatus.DONE or key is None:
        return None
    content_type = "application/pdf" if kind == "pdf" else "text/html; charset=utf-8"
    name = f"annual-report-{report.scope}-{report.year}-v{report.version}.{kind}"
    return get_storage().get(key), content_type, name
