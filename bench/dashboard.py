"""The London dashboard (GET /hub/london/) on PostgreSQL with row-level security: latency and
statements per page view.

Run: .venv/bin/python bench/dashboard.py [--years 20] [--views 200] [--keep]

Builds a fresh database (tables owned by a migration role, the app connected as a role that
owns nothing, as in production), seeds the demo (`seed demo`, which also computes its monthly
figures), then fills `monthly_figure` densely: a non-zero figure for every metric of the data
dictionary, every workspace (the 33 boroughs, the hub and "no borough") and every month of
`--years` years. A dashboard reads only that table, and that table holds at most one row per
(metric, workspace, month) whatever the number of records, so the dense table is the largest
any volume of records can produce: 10x the demo's records (or 1000x) give at most this. With
the default 20 years that is 10x the two years the demo's figures cover.

Then signs in as the hub admin and times the whole view through the Flask test client: the
default window (this year against last), a 36-month window, and each chosen metric, printing
the median and 95th percentile (ms) over `--views` timed views per case (after warm-up) and
the SQL statements per view. A benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rooms_search import (  # noqa: E402
    create_database,
    drop_database,
    drop_roles,
    make_app,
    migrate,
    percentile,
)

from londonhub.platform.core.extensions import db  # noqa: E402
from londonhub.platform.core.metrics import all_metrics  # noqa: E402
from londonhub.platform.core.seed import seed_demo  # noqa: E402
from londonhub.platform.core.tenancy import Workspace  # noqa: E402
from londonhub.platform.core.timeutil import london_today  # noqa: E402
from londonhub.platform.intelligence.figures import COMPUTED, add_months  # noqa: E402
from londonhub.platform.intelligence.models import NO_WORKSPACE, MonthlyFigure  # noqa: E402

DB_NAME = "londonhub_bench_dashboard"
WARMUP = 5


def fill_dense(years: int) -> int:
    """A figure for every metric, workspace and month of `years` years up to this December."""
    db.session.execute(db.delete(MonthlyFigure))
    workspace_ids = [*db.session.scalars(db.select(Workspace.id)), NO_WORKSPACE]
    last = date(london_today().year, 12, 1)
    months = [add_months(last, -n) for n in range(12 * years)]
    rows = 0
    for metric in all_metrics():
        batch = [
            {
                "metric": metric.key,
                "workspace_id": wid,
                "month": month,
                "value": 1 + (wid * 7 + month.month * 13 + len(metric.key)) % 500,
            }
            for wid in workspace_ids
            for month in months
        ]
        db.session.execute(insert(MonthlyFigure), batch)
        rows += len(batch)
    # Each month marked as computed now, as a rebuild does: the dashboards find them fresh.
    db.session.execute(
        insert(MonthlyFigure),
        [
            {"metric": COMPUTED, "workspace_id": NO_WORKSPACE, "month": month, "value": 0}
            for month in months
        ],
    )
    db.session.commit()
    return rows


def time_views(client, url: str, views: int, counter: list[int]) -> tuple[float, float, int]:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    times = []
    counter[0] = 0
    for _ in range(views):
        start = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.status_code
    return statistics.median(times), percentile(times, 0.95), counter[0] // views


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=20, help="years of dense monthly figures")
    parser.add_argument("--views", type=int, default=200, help="timed views per case")
    parser.add_argument(
        "--pg-admin",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a superuser connection",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    logging.disable(logging.INFO)

    create_database(args.pg_admin, DB_NAME)
    try:
        app = make_app(args.pg_admin, DB_NAME)
        migrate(app)
        with app.app_context():
            seed_demo()
            db.session.commit()
            demo_rows = db.session.scalar(db.select(db.func.count(MonthlyFigure.id)))
            rows = fill_dense(args.years)
        print(f"demo: {demo_rows} monthly figures from its records; dense: {rows} rows")
        print(f"({len(all_metrics(app))} metrics x every workspace x {12 * args.years} months)")

        counter = [0]
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_args, **_kwargs) -> None:
            counter[0] += 1

        client = app.test_client()
        answer = client.post(
            "/login", data={"email": "hub@example.org", "password": app.config["DEMO_PASSWORD"]}
        )
        assert answer.status_code == 302, answer.status_code
        this_year = london_today().year
        cases = [
            ("this year against last", "/hub/london/"),
            ("36 months", f"/hub/london/?from={this_year - 2}-01&to={this_year}-12"),
        ]
        cases += [
            (f"metric {m.key}", f"/hub/london/?metric={m.key}") for m in all_metrics(app)[::5]
        ]
        print(f"{'case':40} {'median ms':>10} {'p95 ms':>8} {'statements':>11}")
        for name, url in cases:
            median, p95, statements = time_views(client, url, args.views, counter)
            print(f"{name:40} {median:10.1f} {p95:8.1f} {statements:11d}")
    finally:
        if not args.keep:
            drop_database(args.pg_admin, DB_NAME)
            drop_roles(args.pg_admin)


if __name__ == "__main__":
    main()
