"""London-wide volunteering search (GET /opportunities) on PostgreSQL with row-level security:
p50/p95 latency and SQL statements per request, at 1x and 10x data.

Run: .venv/bin/python bench/volunteering.py [--opportunities 20000] [--sessions 200000]
     [--workspaces 33] [--searches 100] [--keep]

Builds two fresh databases (the rooms benchmark's helpers: tables owned by a migration role,
the app connected as a role that owns nothing, so RLS applies as in production): one with a
tenth of the data (1x) and one with all of it (10x). Groups, opportunities (a mix of causes,
skills, statuses, schedules, closing dates) and their sessions (from a month ago to eleven
months ahead) are loaded in bulk as the superuser. Each search case is then requested through
the Flask test client (the whole view: form, query, template) `--searches` times after a few
warm-up runs, on both databases. For each it prints the median and 95th percentile (ms) and
the SQL statements per request, and the 10x/1x ratios: statements must not grow with the data.
Finally the EXPLAIN (ANALYZE, BUFFERS) of the keyword search with neighbouring boroughs.
A benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import rooms_search as rb  # noqa: E402 - the database, app and statement-counting helpers

from londonhub.platform.core.extensions import db  # noqa: E402
from londonhub.platform.core.tenancy import hub_scope  # noqa: E402
from londonhub.tenants.volunteering.operations import search  # noqa: E402

# Our own names, so this can run next to the rooms benchmark.
rb.OWNER_ROLE = "londonhub_benchvol_owner"
rb.APP_ROLE = "londonhub_benchvol_app"
DB_SMALL = "londonhub_bench_volunteering_1x"
DB_LARGE = "londonhub_bench_volunteering_10x"
GROUPS_PER_WORKSPACE = 20

GROUPS_SQL = """
INSERT INTO volunteering_group (tenant_id, name, kind, charity_number, causes, contact_name,
    address, postcode, listed_publicly, created_at, updated_at)
SELECT w, 'Bench group ' || w || '-' || g, 'charity', (1000000 + g)::text, ',food-poverty,',
    '', '', '', true, now(), now()
FROM unnest(%(workspaces)s::bigint[]) AS w, generate_series(1, %(per)s) AS g
"""

GROUP_INDEX_SQL = """
CREATE TEMP TABLE bench_groups AS
    SELECT row_number() OVER (ORDER BY id) - 1 AS idx, tenant_id, id FROM volunteering_group
"""

OPPORTUNITIES_SQL = """
INSERT INTO volunteering_opportunity (tenant_id, group_id, title, summary, description, cause,
    skills, remote, address, postcode, schedule, minimum_age, dbs_needed, expenses_paid,
    training_given, step_free, group_size, skills_based, status, closing_date, created_at,
    updated_at)
SELECT bg.tenant_id, bg.id,
    (ARRAY['Food bank helper', 'Park gardener', 'Telephone befriender', 'Reading volunteer',
           'Youth football coach', 'Community kitchen cook', 'Charity shop assistant',
           'Museum guide'])[1 + g %% 8] || ' ' || g,
    (ARRAY['Sort donations and pack parcels.', 'Plant and weed.', 'A weekly chat.',
           'Hear children read.', 'Coach on Saturdays.', 'Cook hot food for neighbours.',
           'Sort and sell donations.', 'Show visitors round.'])[1 + g %% 8],
    'A bench opportunity with a longer description of what volunteers do each week.',
    (ARRAY['older-people', 'children-young-people', 'environment', 'food-poverty',
           'health-wellbeing', 'mental-health', 'refugees-migrants', 'disability',
           'arts-culture', 'sport', 'education-literacy', 'homelessness',
           'equality-inclusion', 'animals', 'heritage'])[1 + (g * 7) %% 15],
    ',' || (ARRAY['practical', 'admin', 'gardening', 'befriending', 'cooking', 'driving',
                  'languages', 'teaching'])[1 + (g * 3) %% 8] || ',',
    g %% 9 = 0, g || ' High Street', 'E8 1DY',
    (ARRAY['one_off', 'weekly', 'flexible'])[1 + g %% 3],
    (ARRAY[NULL, 16, 18, 14])[1 + g %% 4], g %% 5 = 0, g %% 2 = 0, g %% 3 = 0, g %% 3 <> 0,
    CASE WHEN g %% 4 = 0 THEN 10 END, g %% 6 = 0,
    CASE WHEN g %% 20 = 0 THEN 'draft' WHEN g %% 25 = 0 THEN 'closed' ELSE 'published' END,
    CASE WHEN g %% 10 = 0 THEN current_date + (g %% 90) END, now(), now()
FROM generate_series(1, %(total)s) AS g
JOIN bench_groups AS bg ON bg.idx = g %% %(groups)s
"""

SESSIONS_SQL = """
INSERT INTO volunteering_session (tenant_id, opportunity_id, starts_at, ends_at, place, places,
    places_taken, created_at)
SELECT o.tenant_id, o.id, s.starts, s.starts + interval '3 hours', '', 5 + (o.id + k) %% 16, 0,
    now()
FROM (SELECT * FROM volunteering_opportunity ORDER BY id) AS o
CROSS JOIN generate_series(1, %(per)s) AS k
CROSS JOIN LATERAL (
    SELECT date_trunc('day', now()) - interval '30 days'
        + ((o.id * 13 + k * 31) %% 330) * interval '1 day' + interval '10 hours' AS starts
) AS s
"""

# What `operations/next_session.refresh` keeps for each opportunity as sessions are written.
NEXT_SESSION_SQL = """
UPDATE volunteering_opportunity AS o SET next_session_at = (
    SELECT min(s.starts_at) FROM volunteering_session AS s
    WHERE s.tenant_id = o.tenant_id AND s.opportunity_id = o.id AND s.starts_at > now()
)
"""


@dataclass
class Dataset:
    name: str
    app: Any
    opportunities: int
    sessions: int
    seconds: float


def build(admin_url: str, name: str, workspaces: int, opportunities: int, sessions: int):
    started = time.perf_counter()
    rb.create_database(admin_url, name)
    app = rb.make_app(admin_url, name)
    rb.migrate(app)
    ids = rb.create_workspaces(app, workspaces)
    groups = workspaces * GROUPS_PER_WORKSPACE
    per = max(1, sessions // opportunities)  # sessions per opportunity
    with psycopg.connect(rb.libpq_url(admin_url, name)) as conn:  # superuser: no RLS
        conn.execute(GROUPS_SQL, {"workspaces": ids, "per": GROUPS_PER_WORKSPACE})
        conn.execute(GROUP_INDEX_SQL)
        conn.execute(OPPORTUNITIES_SQL, {"total": opportunities, "groups": groups})
        conn.execute(SESSIONS_SQL, {"per": per})
        conn.execute(NEXT_SESSION_SQL)
        conn.commit()
        conn.autocommit = True  # VACUUM runs outside a transaction
        conn.execute("VACUUM ANALYZE")  # as autovacuum would leave a settled database
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM volunteering_opportunity),"
            " (SELECT count(*) FROM volunteering_opportunity WHERE status = 'published'),"
            " (SELECT count(*) FROM volunteering_session)"
        ).fetchone()
    seconds = time.perf_counter() - started
    print(
        f"  {name}: {len(ids)} workspaces, {groups} groups, {counts[0]} opportunities "
        f"({counts[1]} published), {counts[2]} sessions; built in {seconds:.1f} s"
    )
    return Dataset(name, app, counts[0], counts[2], seconds)


def cases() -> list[tuple[str, dict[str, Any]]]:
    today = time.strftime("%Y-%m-%d")
    later = time.strftime("%Y-%m-%d", time.localtime(time.time() + 14 * 86400))
    return [
        ("everything, page 1", {}),
        ("everything, page 5", {"page": 5}),
        ('keyword "food"', {"q": "food"}),
        ('"food" in camden + neighbours', {"q": "food", "borough": "camden", "neighbours": "y"}),
        ("cause environment", {"cause": "environment"}),
        ("skill cooking, hackney", {"skill": "cooking", "borough": "hackney"}),
        ("next two weeks", {"date_from": today, "date_to": later}),
        ("remote", {"remote": "y"}),
        ("groups + under-18s + step-free", {"groups": "y", "under_18": "y", "step_free": "y"}),
        ("nothing matches", {"q": "zzzznothing"}),
    ]


CARD = re.compile(r'<li class="card">')


def request(client, counter, params: dict[str, Any]) -> tuple[float, int, int, int, bool]:
    url = "/opportunities?" + urlencode(params) if params else "/opportunities"
    counter.reset()
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    html = response.get_data(as_text=True)
    return (
        elapsed * 1000,
        counter.statements,
        counter.rls_calls,
        len(CARD.findall(html)),
        "Next page" in html,
    )


def run_cases(data: Dataset, searches: int) -> dict[str, rb.CaseResult]:
    counter = rb.StatementCounter(data.app)
    client = data.app.test_client()
    results = {}
    for label, params in cases():
        results[label] = rb.time_case(
            label, "http", lambda p=params: request(client, counter, p), searches
        )
    return results


def explain(data: Dataset) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement the search sends, as the app role, in the
    hub scope exactly as the search sets it (as the rooms benchmark does)."""
    counter = rb.StatementCounter(data.app)
    with data.app.app_context():
        counter.reset()
        search.search_opportunities(search.Criteria(q="food", borough="camden", neighbours=True))
        statement, parameters = next(
            (s, p) for s, p in counter.captured if "FROM volunteering_opportunity" in s
        )
        db.session.remove()
    with data.app.app_context():
        with hub_scope("bench: explain the public opportunity search", audit=False):
            rows = (
                db.session.connection()
                .exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                .all()
            )
        db.session.remove()
    return [row[0] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--opportunities", type=int, default=20000, help="at 10x")
    parser.add_argument("--sessions", type=int, default=200000, help="at 10x")
    parser.add_argument("--workspaces", type=int, default=33)
    parser.add_argument("--searches", type=int, default=100, help="timed runs per case")
    parser.add_argument(
        "--pg-admin",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a superuser connection",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    overall = time.perf_counter()
    print("Building ...")
    small = build(
        args.pg_admin,
        DB_SMALL,
        args.workspaces,
        max(1, args.opportunities // 10),
        max(1, args.sessions // 10),
    )
    large = build(args.pg_admin, DB_LARGE, args.workspaces, args.opportunities, args.sessions)
    try:
        print(
            f"\nGET /opportunities, {args.searches} timed requests per case "
            f"({rb.WARMUP} warm-up), as role {rb.APP_ROLE} (RLS on)"
        )
        at_1x = run_cases(small, args.searches)
        at_10x = run_cases(large, args.searches)
        header = (
            f"{'case':34} {'1x p50':>7} {'1x p95':>7} {'10x p50':>8} {'10x p95':>8} "
            f"{'stmts 1x':>8} {'10x':>4} {'ratio':>5} {'rows':>5}"
        )
        print(header)
        print("-" * len(header))
        for label, _ in cases():
            a, b = at_1x[label], at_10x[label]
            print(
                f"{label:34} {a.median:7.1f} {a.p95:7.1f} {b.median:8.1f} {b.p95:8.1f} "
                f"{a.statements:8d} {b.statements:4d} {b.statements / a.statements:5.2f} "
                f"{b.rows:5d}"
            )
        worst = max(at_10x.values(), key=lambda r: r.p95)
        all_p95 = [r.p95 for r in at_10x.values()]
        print(
            f"\nAt 10x ({large.opportunities} opportunities, {large.sessions} sessions): "
            f"worst p95 {worst.p95:.1f} ms ({worst.case}); median of the cases' p95 "
            f"{statistics.median(all_p95):.1f} ms. Statements per request: "
            f"{sorted({r.statements for r in at_10x.values()})} at 10x, "
            f"{sorted({r.statements for r in at_1x.values()})} at 1x "
            f"(plus RLS set_config round trips: "
            f"{sorted({r.rls_calls for r in at_10x.values()})})."
        )
        print('\nEXPLAIN (ANALYZE, BUFFERS) of "food" in camden + neighbours, at 10x:')
        for line in explain(large):
            print("  " + line)
    finally:
        for data in (small, large):
            with data.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if not args.keep:
            for name in (DB_SMALL, DB_LARGE):
                rb.drop_database(args.pg_admin, name)
            rb.drop_roles(args.pg_admin)
    print(f"\nDone in {time.perf_counter() - overall:.0f} s.")


if __name__ == "__main__":
    main()
