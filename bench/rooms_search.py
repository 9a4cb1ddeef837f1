"""Public room search (GET /rooms) on PostgreSQL with row-level security: latency and queries.

Run: .venv/bin/python bench/rooms_search.py [--rooms 2000] [--bookings 200000]
     [--workspaces 33] [--searches 200] [--compare-rooms 200] [--keep]

Builds a fresh database (dropped and recreated; tables owned by a migration role, the app
connected as a role that owns nothing, so RLS applies as in production), loads rooms and
confirmed bookings in bulk as the superuser, then times the search as the /rooms page runs it:
the service function (`search_rooms`) and the whole view through the Flask test client. For
each case it prints the median and 95th percentile (ms) over `--searches` timed runs per path
(after a few warm-up runs), and the SQL statements per search. It then shows that the
statement count does not depend on how many rows a search returns (0, a few, a full page,
many pages, page sizes 10/20/50, walking every page) nor on the data size (a second, smaller
database), and prints the EXPLAIN (ANALYZE, BUFFERS) plan of the date-window search query.
A benchmark, not a test: nothing here asserts a timing.

Statements are counted with a `before_cursor_execute` listener on the app's engine. The RLS
hook (`londonhub.platform.core.rls`) sends `set_config(app.tenant_id / app.hub_scope)` on the
raw cursor, which that listener does not see; those round trips are counted separately ("rls").
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask_migrate
import psycopg
from flask import Flask
from sqlalchemy import create_engine, event, pool
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from londonhub import create_app  # noqa: E402
from londonhub.platform.core import rls  # noqa: E402
from londonhub.platform.core.extensions import db  # noqa: E402
from londonhub.platform.core.seed import LONDON_WORKSPACES  # noqa: E402
from londonhub.platform.core.tenancy import hub_scope  # noqa: E402
from londonhub.platform.core.workspaces import create_workspace  # noqa: E402
from londonhub.tenants.rooms import services  # noqa: E402
from londonhub.tenants.rooms.models import CustomerType  # noqa: E402

DB_NAME = "londonhub_bench"
SMALL_DB_NAME = "londonhub_bench_small"
OWNER_ROLE = "londonhub_bench_owner"
APP_ROLE = "londonhub_bench_app"
#: Booking grid per room: 4 cells a day of 150 minutes (08:00, 10:30, 13:00, 15:30 UTC) over
#: a year; a booking (60-120 min) plus its buffer (0-30 min) fits in one cell, so no overlaps.
DAYS = 365
CELLS_PER_DAY = 4
CELL_MINUTES = 150
WARMUP = 3

# --- database -------------------------------------------------------------------------------


def pg_url(admin_url: str, role: str, database: str, driver: str = "postgresql+psycopg") -> str:
    return (
        make_url(admin_url)
        .set(drivername=driver, username=role, database=database)
        .render_as_string(hide_password=False)
    )


def libpq_url(admin_url: str, database: str) -> str:
    """The admin (superuser) URL pointed at `database`, for psycopg."""
    return pg_url(admin_url, make_url(admin_url).username or "postgres", database, "postgresql")


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def create_database(admin_url: str, name: str) -> None:
    """A fresh database owned by the migration role (as tests/conftest.py does)."""
    drop_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {OWNER_ROLE} LOGIN CREATEROLE")
        conn.execute(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}')


def drop_roles(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for role in (APP_ROLE, OWNER_ROLE):
            try:
                conn.execute(f"DROP ROLE IF EXISTS {role}")
            except psycopg.Error as exc:  # still used by a kept database: leave it
                print(f"  (role {role} kept: {str(exc).strip()})")


def make_app(admin_url: str, database: str) -> Flask:
    config = {
        "ENV_NAME": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": pg_url(admin_url, APP_ROLE, database),
        "MIGRATION_DATABASE_URL": pg_url(admin_url, OWNER_ROLE, database),
        "DATABASE_APP_ROLE": APP_ROLE,
        "REDIS_URL": None,
        "MAIL_URL": None,
        "MAIL_DIR": tempfile.mkdtemp(prefix="londonhub-bench-mail-"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "STRIPE_SECRET_KEY": None,
    }
    return create_app(config)


def migrate(app: Flask) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        owner = create_engine(app.config["MIGRATION_DATABASE_URL"], poolclass=pool.NullPool)
        with owner.begin() as connection:
            rls.ensure_app_role(connection, APP_ROLE)
        owner.dispose()
        db.engine.dispose()


def create_workspaces(app: Flask, count: int) -> list[int]:
    """Through the service, as the app role (the workspace table is not tenant-owned)."""
    specs = [(slug, borough, name) for slug, borough, name, _ in LONDON_WORKSPACES]
    specs += [
        (f"bench-{i}", f"Bench borough {i}", f"Bench CVS {i}") for i in range(len(specs), count)
    ]
    with app.app_context():
        ids = [create_workspace(s, n, borough=b).id for s, b, n in specs[:count]]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


ROOMS_SQL = """
INSERT INTO room (
    tenant_id, venue_name, address, postcode, name, description,
    capacity_theatre, capacity_boardroom, capacity_cabaret, capacity_max,
    step_free, accessible_toilet, hearing_loop, lift, quiet_room, projector, kitchen, wifi,
    opens_0, closes_0, opens_1, closes_1, opens_2, closes_2, opens_3, closes_3,
    opens_4, closes_4, opens_5, closes_5, opens_6, closes_6,
    min_minutes, max_minutes, buffer_minutes, cancellation_days,
    community_hourly_pence, community_day_pence, public_hourly_pence, public_day_pence,
    business_hourly_pence, business_day_pence, published, feed_token, created_at, updated_at
)
SELECT
    (%(workspaces)s::bigint[])[1 + g %% cardinality(%(workspaces)s::bigint[])],
    'Bench venue ' || g %% 211, g || ' High Street', 'E' || 1 + g %% 20 || ' ' || g %% 9 || 'AB',
    (ARRAY['Main hall', 'Board room', 'Studio', 'Meeting room', 'Training room', 'Quiet room',
           'Community room', 'Conference suite'])[1 + (g * 7) %% 8] || ' ' || g,
    'A bench room.',
    v.theatre, v.board, v.cabaret, GREATEST(v.theatre, v.board, v.cabaret),
    (hashtext('step' || g) & 1023) < 720, (hashtext('toilet' || g) & 1023) < 520,
    (hashtext('loop' || g) & 1023) < 300, (hashtext('lift' || g) & 1023) < 450,
    (hashtext('quiet' || g) & 1023) < 200, (hashtext('projector' || g) & 1023) < 600,
    (hashtext('kitchen' || g) & 1023) < 500, (hashtext('wifi' || g) & 1023) < 900,
    v.wk_open, v.wk_close,
    CASE WHEN g %% 17 = 0 THEN NULL ELSE v.wk_open END,
    CASE WHEN g %% 17 = 0 THEN NULL ELSE v.wk_close END,
    v.wk_open, v.wk_close, v.wk_open, v.wk_close, v.wk_open, v.wk_close,
    CASE WHEN g %% 3 = 0 THEN 600 END, CASE WHEN g %% 3 = 0 THEN 960 END,
    CASE WHEN g %% 7 = 0 THEN 600 END, CASE WHEN g %% 7 = 0 THEN 960 END,
    CASE WHEN g %% 11 = 0 THEN 180 WHEN g %% 5 = 0 THEN 120 ELSE 60 END,
    (ARRAY[240, 480, 600, 720])[1 + g %% 4],
    (g %% 3) * 15, 7,
    v.community, NULLIF(v.community * 6, 0),
    v.community + 500 + ((g * 7) %% 30) * 100, (v.community + 500 + ((g * 7) %% 30) * 100) * 6,
    (v.community + 500 + ((g * 7) %% 30) * 100) * 2,
    (v.community + 500 + ((g * 7) %% 30) * 100) * 12,
    g <= %(published)s, md5('bench-room-' || g), now(), now()
FROM generate_series(1, %(total)s) AS g
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN g %% 3 = 0 THEN 0 ELSE 20 + (g * 37) %% 281 END AS theatre,
        4 + (g * 13) %% 27 AS board,
        CASE WHEN g %% 4 = 0 THEN 0 ELSE 10 + (g * 17) %% 151 END AS cabaret,
        (ARRAY[420, 480, 540, 600])[1 + g %% 4] AS wk_open,
        (ARRAY[1020, 1080, 1260, 1320, 1440])[1 + (g / 4) %% 5] AS wk_close,
        CASE WHEN g %% 4 = 1 THEN 0 ELSE ((g * 53) %% 40) * 100 END AS community
) AS v
"""

#: Room i (0-based, by id) gets `base` bookings, one more when i < extra; booking k of n sits
#: in grid cell (k * cells / n + 37 i) mod cells: distinct cells, so never overlapping.
BOOKINGS_SQL = """
WITH r AS (
    SELECT id, tenant_id, buffer_minutes, (row_number() OVER (ORDER BY id) - 1)::int AS i
    FROM room WHERE published
), n AS (
    SELECT r.*, %(base)s + CASE WHEN r.i < %(extra)s THEN 1 ELSE 0 END AS n FROM r
)
INSERT INTO room_booking (
    tenant_id, room_id, kind, status, starts_at, ends_at, blocked_from, blocked_until,
    reference, attendees, price_pence, note, created_at
)
SELECT
    n.tenant_id, n.id, 'booking', 'confirmed',
    s.starts, s.starts + s.len, s.starts - s.buf, s.starts + s.len + s.buf,
    'BENCH-' || n.id || '-' || k, 1 + k %% 40, 0, '', now()
FROM n
CROSS JOIN LATERAL generate_series(0, n.n - 1) AS k
CROSS JOIN LATERAL (
    SELECT ((k::bigint * %(cells)s) / n.n + n.i::bigint * 37) %% %(cells)s AS c
) AS c
CROSS JOIN LATERAL (
    SELECT
        %(first)s::timestamptz
            + make_interval(days => (c.c / %(per_day)s)::int,
                            mins => (480 + (c.c %% %(per_day)s) * %(cell)s)::int) AS starts,
        make_interval(mins => (60 + 30 * ((n.i + k) %% 3))::int) AS len,
        make_interval(mins => n.buffer_minutes) AS buf
) AS s
WHERE n.n > 0
"""


@dataclass
class Dataset:
    name: str
    rooms: int
    bookings: int
    app: Flask
    workspace_ids: list[int]
    timings: dict[str, float] = field(default_factory=dict)


def reuse(admin_url: str, name: str) -> Dataset | None:
    """A database kept by an earlier run (`--keep`), migrated to the current head (so an index
    added since shows in the plan) and analysed; None if there is none."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return None
    started = time.perf_counter()
    app = make_app(admin_url, name)
    migrate(app)
    with psycopg.connect(libpq_url(admin_url, name)) as conn:
        conn.execute("ANALYZE")
        conn.commit()
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM room WHERE published), "
            " (SELECT count(*) FROM room_booking WHERE status = 'confirmed')"
        ).fetchone()
        ids = [r[0] for r in conn.execute("SELECT id FROM workspace WHERE NOT is_hub ORDER BY id")]
    print(f"  {name}: reused ({counts[0]} published rooms, {counts[1]} confirmed bookings)")
    return Dataset(name, counts[0], counts[1], app, ids, {"total": time.perf_counter() - started})


def build(admin_url: str, name: str, workspaces: int, rooms: int, bookings: int) -> Dataset:
    cells = DAYS * CELLS_PER_DAY
    if bookings > rooms * cells:
        raise SystemExit(f"At most {cells} bookings a room: raise --rooms or lower --bookings")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    create_database(admin_url, name)
    app = make_app(admin_url, name)
    migrate(app)
    timings["create + migrate"] = time.perf_counter() - started

    mark = time.perf_counter()
    ids = create_workspaces(app, workspaces)
    timings["workspaces"] = time.perf_counter() - mark

    first = datetime.combine(date.today() - timedelta(days=DAYS // 2), clock(0), tzinfo=UTC)
    # Superuser: bypasses RLS (even FORCE), so no app.tenant_id per workspace is needed.
    with psycopg.connect(libpq_url(admin_url, name)) as conn:
        mark = time.perf_counter()
        unpublished = max(1, rooms // 20)
        conn.execute(
            ROOMS_SQL, {"workspaces": ids, "published": rooms, "total": rooms + unpublished}
        )
        conn.commit()
        timings["rooms"] = time.perf_counter() - mark
        mark = time.perf_counter()
        conn.execute(
            BOOKINGS_SQL,
            {
                "base": bookings // rooms,
                "extra": bookings % rooms,
                "cells": cells,
                "per_day": CELLS_PER_DAY,
                "cell": CELL_MINUTES,
                "first": first,
            },
        )
        conn.commit()
        timings["bookings"] = time.perf_counter() - mark
        mark = time.perf_counter()
        conn.execute("ANALYZE")
        conn.commit()
        timings["analyze"] = time.perf_counter() - mark
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM room WHERE published), (SELECT count(*) FROM room),"
            " (SELECT count(*) FROM room_booking WHERE status = 'confirmed')"
        ).fetchone()
    timings["total"] = time.perf_counter() - started
    print(
        f"  {name}: {len(ids)} workspaces, {counts[0]} published rooms ({counts[1]} in all), "
        f"{counts[2]} confirmed bookings; built in {timings['total']:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
        + ")"
    )
    return Dataset(name, counts[0], counts[2], app, ids, timings)


def room_count_at_least(admin_url: str, name: str, n: int) -> int:
    """An attendees threshold that about n published rooms meet (the n-th largest capacity)."""
    with psycopg.connect(libpq_url(admin_url, name)) as conn:
        row = conn.execute(
            "SELECT capacity_max FROM room WHERE published"
            " ORDER BY capacity_max DESC OFFSET %s LIMIT 1",
            (n - 1,),
        ).fetchone()
    return row[0] if row else 1


# --- counting statements --------------------------------------------------------------------


class StatementCounter:
    """SQL statements through the engine, and the RLS hook's extra set_config round trips.

    `_before` runs just before the RLS hook and `_after` just after it: when the connection's
    RLS state changed in between, the hook sent a set_config."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.statements = 0
        self.rls_calls = 0
        self.captured: list[tuple[str, Any]] = []
        self._state: Any = None
        # Engine listeners run in the order added (`insert=True` is not honoured for
        # before_cursor_execute): take the RLS hook out and put it back between ours.
        hook = rls._before_cursor_execute
        event.remove(self.engine, "before_cursor_execute", hook)
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "before_cursor_execute", hook)
        event.listen(self.engine, "before_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._state = conn.info.get(rls._STATE)  # the hook's own bookkeeping
        self.statements += 1
        self.captured.append((statement, parameters))

    def _after(self, conn, *_args) -> None:
        if conn.info.get(rls._STATE) != self._state:
            self.rls_calls += 1

    def reset(self) -> None:
        self.statements = 0
        self.rls_calls = 0
        self.captured.clear()


# --- searches -------------------------------------------------------------------------------


def criteria_from(params: dict[str, Any]) -> services.Criteria:
    """The Criteria the /rooms view builds from these query parameters."""
    return services.Criteria(
        day=date.fromisoformat(params["date"]) if params.get("date") else None,
        start=clock.fromisoformat(params["start"]) if params.get("start") else None,
        end=clock.fromisoformat(params["end"]) if params.get("end") else None,
        attendees=int(params["attendees"]) if params.get("attendees") else None,
        borough=params.get("borough") or None,
        accessibility=list(params.get("accessibility", [])),
        facilities=list(params.get("facilities", [])),
        price_band=params.get("price", ""),
        customer=CustomerType(params.get("customer", "community")),
        sort=params.get("sort", "name"),
        page=int(params.get("page", 1)),
    )


def touch(page: services.SearchPage) -> None:
    """Read what rooms/search.html reads of each result, so lazy loads would be counted."""
    for r in page.results:
        _ = (r.room.id, r.room.name, r.room.venue_name, r.room.capacity_max, r.hourly_pence)
        _ = (r.room.accessibility_labels, r.room.facility_labels, r.workspace_slug, r.borough)


def service_search(
    app: Flask, counter: StatementCounter, params: dict[str, Any], page_size: int
) -> tuple[float, int, int, int, bool]:
    """(ms, statements, rls round trips, rows, has_next) for one search_rooms call."""
    criteria = criteria_from(params)
    with app.app_context():
        counter.reset()
        started = time.perf_counter()
        page = services.search_rooms(criteria, page_size)
        touch(page)
        elapsed = time.perf_counter() - started
        statements, rls_calls = counter.statements, counter.rls_calls
        db.session.remove()
    return elapsed * 1000, statements, rls_calls, len(page.results), page.has_next


CARD = re.compile(r'<li class="card">')


def http_search(
    client: Any, counter: StatementCounter, params: dict[str, Any]
) -> tuple[float, int, int, int, bool]:
    """(ms, statements, rls round trips, rows, has_next) for one GET /rooms."""
    url = "/rooms?" + urlencode(params, doseq=True) if params else "/rooms"
    counter.reset()
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    html = response.get_data(as_text=True)
    rows = len(CARD.findall(html))
    return elapsed * 1000, counter.statements, counter.rls_calls, rows, "Next page" in html


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class CaseResult:
    case: str
    path: str
    median: float
    p95: float
    statements: int
    rls_calls: int
    rows: int
    has_next: bool


def time_case(
    label: str, path: str, run: Callable[[], tuple[float, int, int, int, bool]], repeats: int
) -> CaseResult:
    for _ in range(WARMUP):
        run()
    times, statements = [], set()
    for _ in range(repeats):
        ms, stmts, rls_calls, rows, has_next = run()
        times.append(ms)
        statements.add((stmts, rls_calls))
    if len(statements) != 1:
        print(f"  note: {label} ({path}) statement counts varied: {sorted(statements)}")
    stmts, rls_calls = max(statements)
    return CaseResult(
        label,
        path,
        statistics.median(times),
        percentile(times, 0.95),
        stmts,
        rls_calls,
        rows,
        has_next,
    )


def search_day() -> date:
    """A Tuesday about two weeks ahead, inside the year of bookings."""
    day = services.london(datetime.now(UTC)).date() + timedelta(days=14)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def timing_cases(borough: str) -> list[tuple[str, dict[str, Any]]]:
    window = {"date": search_day().isoformat(), "start": "10:00", "end": "12:00"}
    return [
        ("no filter", {}),
        ("date window 10-12", window),
        ("date only (open that day)", {"date": window["date"]}),
        ("attendees >= 50", {"attendees": "50"}),
        (f"borough {borough}", {"borough": borough}),
        ("step-free + hearing loop", {"accessibility": ["step_free", "hearing_loop"]}),
        ("projector + kitchen", {"facilities": ["projector", "kitchen"]}),
        ("<= 20 GBP/h, business", {"price": "2000", "customer": "business"}),
        ("sort price (public)", {"sort": "price", "customer": "public"}),
        ("sort capacity desc", {"sort": "capacity_desc"}),
        ("no filter, page 5", {"page": "5"}),
        ("no filter, page 50", {"page": "50"}),
        (
            "window+30 people+step-free, by price",
            {**window, "attendees": "30", "accessibility": ["step_free"], "sort": "price"},
        ),
    ]


def explain(app: Flask, counter: StatementCounter, params: dict[str, Any]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement search_rooms sends, as the app role, with the
    hub scope set exactly as the search sets it."""
    criteria = criteria_from(params)
    with app.app_context():
        counter.reset()
        services.search_rooms(criteria)
        statement, parameters = next(
            (s, p) for s, p in counter.captured if "FROM room" in s and "room_booking" in s
        )
        db.session.remove()
    with app.app_context():
        with hub_scope("bench: explain the public room search", audit=False):
            rows = (
                db.session.connection()
                .exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                .all()
            )
        db.session.remove()
    return [row[0] for row in rows]


# --- reports --------------------------------------------------------------------------------


def no_n_plus_one(
    admin_url: str, dataset: Dataset, counter: StatementCounter
) -> dict[str, tuple[int, ...]]:
    """Statement counts for searches with very different result sizes; prints a table and
    returns {scenario: (service@10, service@20, service@50, http)}."""
    app = dataset.app
    window = {"date": search_day().isoformat(), "start": "10:00", "end": "12:00"}
    scenarios = [
        ("0 results (5000 people)", {"attendees": "5000"}),
        (
            "~10 results",
            {"attendees": str(room_count_at_least(admin_url, dataset.name, 10))},
        ),
        (
            "~60 results",
            {"attendees": str(room_count_at_least(admin_url, dataset.name, 60))},
        ),
        ("all rooms, page 1", {}),
        ("all rooms, page 3", {"page": "3"}),
        ("date window, page 1", window),
    ]
    client = app.test_client()
    out: dict[str, tuple[int, ...]] = {}
    print(
        f"  {'scenario':26} {'rows@10':>7} {'stmt':>4} {'rows@20':>7} {'stmt':>4}"
        f" {'rows@50':>7} {'stmt':>4} | {'http rows':>9} {'stmt':>4} {'rls':>4}"
    )
    for label, params in scenarios:
        cells, counts = [], []
        for size in (10, 20, 50):
            _, stmts, _, rows, has_next = service_search(app, counter, params, size)
            cells.append(f"{rows:>6}{'+' if has_next else ' '} {stmts:>4}")
            counts.append(stmts)
        _, stmts, rls_calls, rows, has_next = http_search(client, counter, params)
        counts.append(stmts)
        out[label] = tuple(counts)
        print(
            f"  {label:26} {' '.join(cells)} | {rows:>8}{'+' if has_next else ' '}"
            f" {stmts:>4} {rls_calls:>4}"
        )
    print("  (rows: results on that page; '+': a next page exists)")

    # Walk every page of the unfiltered search: each page costs the same.
    for path, size in (("service", 50), ("http", services.PAGE_SIZE)):
        per_page, page = [], 1
        while True:
            params = {"page": str(page)}
            if path == "service":
                _, stmts, _, rows, has_next = service_search(app, counter, params, size)
            else:
                _, stmts, _, rows, has_next = http_search(client, counter, params)
            per_page.append(stmts)
            if not has_next:
                break
            page += 1
        print(
            f"  walked every page of the unfiltered search ({path}, {size} a page, "
            f"{len(per_page)} pages): statements per page min {min(per_page)}, "
            f"max {max(per_page)}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rooms", type=int, default=2000, help="published rooms")
    parser.add_argument("--bookings", type=int, default=200000, help="confirmed bookings")
    parser.add_argument("--workspaces", type=int, default=33)
    parser.add_argument(
        "--searches", type=int, default=200, help="timed runs per case and path (after warm-up)"
    )
    parser.add_argument(
        "--compare-rooms",
        type=int,
        default=200,
        help="rooms in a second, smaller database for statement counts (0: skip)",
    )
    parser.add_argument(
        "--pg-admin",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a superuser connection",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--database", default=DB_NAME, help="name of the large database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the large database kept by an earlier run (migrated to head) if it exists",
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)  # alembic and app INFO lines
    overall = time.perf_counter()

    big_name = args.database
    big = reuse(args.pg_admin, big_name) if args.reuse else None
    if big is None:
        print(f"Building {big_name} ...")
        big = build(args.pg_admin, big_name, args.workspaces, args.rooms, args.bookings)
    small = None
    if args.compare_rooms:
        print(f"Building {SMALL_DB_NAME} ...")
        small_bookings = args.bookings * args.compare_rooms // args.rooms
        small = build(
            args.pg_admin, SMALL_DB_NAME, args.workspaces, args.compare_rooms, small_bookings
        )

    try:
        app = big.app
        counter = StatementCounter(app)
        with app.app_context():
            borough = services.boroughs()[min(5, args.workspaces - 1)][0]  # its slug
        client = app.test_client()

        print(
            f"\nTiming {args.searches} searches per case and path ({WARMUP} warm-up runs), "
            f"as role {APP_ROLE} (RLS on), {big.rooms} rooms, {big.bookings} bookings ..."
        )
        results: list[CaseResult] = []
        for label, params in timing_cases(borough):
            results.append(
                time_case(
                    label,
                    "service",
                    lambda p=params: service_search(app, counter, p, services.PAGE_SIZE),
                    args.searches,
                )
            )
            results.append(
                time_case(
                    label, "http", lambda p=params: http_search(client, counter, p), args.searches
                )
            )
            # The service and the view must agree on the page.
            if results[-1].rows != results[-2].rows:
                print(f"  note: {label}: service {results[-2].rows} rows, view {results[-1].rows}")

        print(f"\nNo N+1: statements per search by result size ({big.rooms} rooms)")
        large_counts = no_n_plus_one(args.pg_admin, big, counter)
        if small is not None:
            print(f"\nSame scenarios on {small.rooms} rooms ({small.name})")
            small_counter = StatementCounter(small.app)
            small_counts = no_n_plus_one(args.pg_admin, small, small_counter)
            print(
                f"\nStatements per search, {big.rooms} rooms vs {small.rooms} rooms "
                "(service@10/@20/@50, http); ratio 1.00 means constant"
            )
            for label, counts in large_counts.items():
                other = small_counts[label]
                ratios = [c / o for c, o in zip(counts, other, strict=True)]
                print(
                    f"  {label:26} {'/'.join(map(str, counts)):>12} vs "
                    f"{'/'.join(map(str, other)):>12}  ratio {min(ratios):.2f}..{max(ratios):.2f}"
                )

        print(
            f"\nResults: {big.rooms} rooms in {args.workspaces} workspaces, {big.bookings} "
            f"bookings, {args.searches} timed searches per row, page size {services.PAGE_SIZE}"
        )
        print(
            f"  {'case':38} {'path':7} {'median ms':>9} {'p95 ms':>8} {'stmts':>5} {'rls':>3}"
            f" {'rows':>5}"
        )
        for r in results:
            print(
                f"  {r.case:38} {r.path:7} {r.median:>9.2f} {r.p95:>8.2f} {r.statements:>5}"
                f" {r.rls_calls:>3} {r.rows:>4}{'+' if r.has_next else ' '}"
            )
        print(
            "  stmts: SQL statements through the engine; rls: set_config round trips sent by "
            "the RLS hook (not in stmts)"
        )

        window = dict(timing_cases(borough))["date window 10-12"]
        plan = explain(app, counter, window)
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the date-window search query ({window}):")
        for line in plan[:40]:
            print("  " + line)
        if len(plan) > 40:
            print(f"  ... ({len(plan) - 40} more lines)")
            for line in plan[-2:]:
                print("  " + line)
        indexes = sorted(set(re.findall(r"using (\w+)", "\n".join(plan))))
        print(f"  indexes used: {', '.join(indexes) or 'none'}")
        print(
            f"\nDataset build: {big.timings['total']:.1f} s for {big_name}"
            + (f", {small.timings['total']:.1f} s for {SMALL_DB_NAME}" if small else "")
            + f"; whole run {time.perf_counter() - overall:.0f} s"
        )
    finally:
        for dataset in (big, small):
            if dataset is not None:
                with dataset.app.app_context():
                    db.session.remove()
                    db.engine.dispose()
        if args.keep:
            print(f"Kept {big_name}" + (f" and {SMALL_DB_NAME}" if small else ""))
        else:
            drop_database(args.pg_admin, big_name)
            drop_database(args.pg_admin, SMALL_DB_NAME)
            drop_roles(args.pg_admin)
            print("Dropped the bench databases and roles")


if __name__ == "__main__":
    main()
