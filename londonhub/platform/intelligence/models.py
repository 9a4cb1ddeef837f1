"""Monthly figures (pre-aggregated from the data dictionary's queries) and annual reports.

Both are hub-level tables: figures are derived aggregates (numbers, no person), rebuilt from
records at any time; every read names the workspace it is for (dashboards of a workspace
read only their own rows, see services)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import ID_TYPE, db
from londonhub.platform.core.timeutil import utcnow

#: `MonthlyFigure.workspace_id` of figures whose records name no workspace.
NO_WORKSPACE = 0


class MonthlyFigure(db.Model):
    """One metric's figure for one workspace and one London calendar month."""

    __tablename__ = "monthly_figure"
    __table_args__ = (
        UniqueConstraint("metric", "month", "workspace_id", name="uq_monthly_figure"),
        Index("ix_monthly_figure_workspace", "workspace_id", "month"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: A key of the data dictionary (core/metrics.py), e.g. `rooms.bookings`.
    metric: Mapped[str] = mapped_column(String(80))
    #: The workspace credited (the hub's own row for hub sales); 0: the records name none.
    #: No foreign key: figures are derived data, rebuilt from records, never the only copy.
    workspace_id: Mapped[int] = mapped_column(ID_TYPE)
    #: The first day of the month.
    month: Mapped[date] = mapped_column(Date)
    #: In the metric's unit: a count, pence or minutes.
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting to start",
            "running": "Being written",
            "done": "Ready",
            "failed": "Failed",
        }[self.value]


class AnnualReport(db.Model):
    """One version of the annual report for a year: London's (no workspace) or a borough's."""

    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("scope", "year", "version", name="uq_annual_report"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    #: `london`, or the workspace's slug.
    scope: Mapped[str] = mapped_column(String(63))
    workspace_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.QUEUED)
    #: 0 to 100, with the step being done, for the page that shows progress.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(200), default="")
    html_key: Mapped[str | None] = mapped_column(String(200))
    pdf_key: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def status_label(self) -> str:
        return ReportStatus(self.status).label

    @property
    def running(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)
