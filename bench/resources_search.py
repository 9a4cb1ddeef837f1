"""Public resource search (GET /resources?q=...) on PostgreSQL over many resources: latency and
statements per request.

Run: .venv/bin/python bench/resources_search.py [--resources 50000] [--searches 100] [--keep]

Builds a fresh database (the app connected as a role that owns nothing, as in production, via
bench/rooms_search.py's helpers), loads `--resources` published resources with one version each
in one INSERT ... SELECT as the superuser (titles, summaries and bodies drawn from a vocabulary
of the pool's words, so common words match thousands of rows and rare ones a few), then times
the whole view through the Flask test client for several searches and filters: median and 95th
percentile (ms) over `--searches` runs each after a few warm-up runs, and the SQL statements per
request (the same for every search, whatever it matches). A benchmark, not a test: nothing
here asserts a timing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rooms_search import (  # noqa: E402
    create_database,
    create_workspaces,
    drop_database,
    drop_roles,
    libpq_url,
    make_app,
    migrate,
)
from londonhub.platform.core.extensions import db  # noqa: E402

DB_NAME = "londonhub_bench_resources"
WARMUP = 3
WORDS = [
    "safeguarding",
    "policy",
    "template",
    "volunteers",
    "volunteer",
    "trustees",
    "governance",
    "funding",
    "bid",
    "grant",
    "finance",
    "reserves",
    "accounts",
    "charity",
    "commission",
    "data",
    "protection",
    "privacy",
    "digital",
    "cyber",
    "impact",
    "measure",
    "evaluation",
    "premises",
    "lease",
    "fire",
    "safety",
    "employment",
    "contract",
    "recruitment",
    "equality",
    "inclusion",
    "accessible",
    "training",
    "workshop",
    "toolkit",
    "checklist",
    "guide",
    "briefing",
    "community",
    "group",
    "small",
    "local",
    "london",
    "borough",
    "meeting",
    "annual",
    "report",
    "budget",
    "risk",
    "insurance",
    "children",
    "adults",
    "lead",
    "designated",
    "concern",
    "referral",
    "induction",
    "supervision",
    "expenses",
    "payroll",
    "pension",
]
RARE = ["whistleblowing", "interpreting", "asbestos", "crowdfunding", "cooperative"]
SEARCHES = [
    "/resources",
    "/resources?q=safeguarding+policy",
    "/resources?q=volunteers",
    "/resources?q=data+protection&checked=y",
    "/resources?q=funding+bid&topic=funding",
    "/resources?q=whistleblowing",
    "/resources?q=safeguarding&owner=camden&page=3",
]

RESOURCES_SQL = """
WITH made AS (
    INSERT INTO resource (owner_workspace_id, published_number, latest_number, checked_number,
        checked_at, review_state, featured, download_count, view_count, created_at, updated_at,
        title, summary, body, resource_type, topics, audience, licence)
    SELECT
        (%(workspaces)s::bigint[])[1 + g %% cardinality(%(workspaces)s::bigint[])],
        1, 1, CASE WHEN g %% 3 = 0 THEN 1 END, CASE WHEN g %% 3 = 0 THEN now() END,
        'none', g %% 500 = 0, 0, 0, now(), now(),
        initcap(w(g, 5)), w(g * 7, 25), w(g * 13, 180),
        (ARRAY['training-material','briefing','advice-sheet','good-practice-guide',
               'policy-template','toolkit','checklist'])[1 + g %% 7],
        (ARRAY['|governance|','|funding|','|finance|','|safeguarding|','|volunteering|',
               '|data-protection|','|employment|','|equality|','|digital|','|impact|',
               '|premises|'])[1 + g %% 11],
        'everyone', 'cc-by-4.0'
    FROM generate_series(1, %(count)s) AS g
    RETURNING id, title, summary, body, resource_type, topics, audience, licence
)
INSERT INTO resource_version (resource_id, number, change_note, file_names, published_at,
    title, summary, body, resource_type, topics, audience, licence)
SELECT id, 1, 'First version', '', now() - (id %% 1000) * interval '1 hour',
       title, summary, body, resource_type, topics, audience, licence
FROM made
"""

WORDS_FUNCTION = """
CREATE OR REPLACE FUNCTION w(seed bigint, n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(
        CASE WHEN (hashtext(seed::text || '-' || i) & 1023) < 3
             THEN ({rare})[1 + abs(hashtext('r' || seed || i)) % 5]
             ELSE ({words})[1 + abs(hashtext(seed::text || ':' || i))
                  % cardinality({words})] END, ' ')
    FROM generate_series(1, n) AS i
$$
"""


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{w}'" for w in words) + "]::text[]"


def load(admin_url: str, workspaces: list[int], count: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(libpq_url(admin_url, DB_NAME), autocommit=True) as conn:
        # Constants of this file (never input) written into the function's body.
        conn.execute(WORDS_FUNCTION.format(words=_array(WORDS), rare=_array(RARE)))
        conn.execute(RESOURCES_SQL, {"workspaces": workspaces, "count": count})
        conn.execute("DROP FUNCTION w(bigint, int)")
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def time_searches(app, searches: int) -> None:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        client = app.test_client()
        print(f"{'search':<50} {'median ms':>10} {'p95 ms':>8} {'statements':>11} {'status':>6}")
        for path in SEARCHES:
            for _ in range(WARMUP):
                client.get(path)
            timings, counts = [], set()
            for _ in range(searches):
                statements.clear()
                started = time.perf_counter()
                answer = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                counts.add(len(statements))
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            print(
                f"{path:<50} {statistics.median(timings):>10.1f} {p95:>8.1f} "
                f"{'/'.join(map(str, sorted(counts))):>11} {answer.status_code:>6}"
            )
        event.remove(engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    create_database(args.admin_url, DB_NAME)
    try:
        app = make_app(args.admin_url, DB_NAME)
        migrate(app)
        workspaces = create_workspaces(app, 33)
        seconds = load(args.admin_url, workspaces, args.resources)
        print(f"{args.resources:,} published resources loaded in {seconds:.1f} s\n")
        time_searches(app, args.searches)
    finally:
        if not args.keep:
            drop_database(args.admin_url, DB_NAME)
            drop_roles(args.admin_url)


if __name__ == "__main__":
    main()
