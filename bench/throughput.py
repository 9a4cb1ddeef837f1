"""Throughput of the public pages (and a signed-in admin page) against hello-world.

Run: .venv/bin/python bench/throughput.py [--seconds 8] [--connections 8] [--workers 2]
     [--pages /,/rooms] [--reuse] [--keep] [--redis-url URL | --no-redis]

Sets the demo up as `make run-postgres` does, in a database of its own (`londonhub_throughput`,
dropped and recreated unless `--reuse`; tables owned by a migration role, the app connected as
a role that owns nothing, so row-level security applies as in production) with Redis
(`--redis-url`, default db 7) for jobs, throttles and the shared cache, seeds the demo data,
then starts two servers under the same gunicorn settings (the Procfile's worker class, here
`--workers` workers): the app, and a hello-world Flask app (`bench/hello_app.py`). It drives
each page with `wrk -t1 -c<connections> -d<seconds>` (Debian's `wrk` package), hello-world
first and last, and prints requests per second, the 50th/95th/99th percentile latency, non-2xx
answers, and each page's ratio to the mean of the two hello-world runs. The machine's load
average is printed with the table: the numbers are only comparable within one run.

A benchmark, not a test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "londonhub_throughput"
OWNER_ROLE = "londonhub_throughput_owner"
APP_ROLE = "londonhub_throughput_app"
SECRET = "throughput-bench-secret-key-0123456789abcdef"
PASSWORD = "london-demo-2026"
ADMIN = "admin@hackney.example.org"

#: wrk's Lua hook: percentiles (microseconds) and error counts as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON{"requests":%d,"seconds":%f,"p50":%d,"p95":%d,"p99":%d,"non2xx":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def setup_database(admin_url: str, reuse: bool, env: dict[str, str]) -> None:
    """A database like `make run-postgres` makes, then migrations, the app role and the demo."""
    host = admin_url.split("@", 1)[1].split("/", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if exists and reuse:
            print(f"reusing database {DB_NAME}")
        else:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (DB_NAME,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
            if not conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)
            ).fetchone():
                conn.execute(f"CREATE ROLE {OWNER_ROLE} LOGIN CREATEROLE")
            conn.execute(f'CREATE DATABASE "{DB_NAME}" OWNER {OWNER_ROLE}')
    env["MIGRATION_DATABASE_URL"] = f"postgresql://{OWNER_ROLE}@{host}/{DB_NAME}"
    env["DATABASE_URL"] = f"postgresql://{APP_ROLE}@{host}/{DB_NAME}"
    env["DATABASE_APP_ROLE"] = APP_ROLE
    if exists and reuse:
        return
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["database", "grant-app-role"], ["seed", "demo"]):
        print("$ flask", " ".join(command))
        subprocess.run(flask + command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def drop_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (DB_NAME,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        for role in (APP_ROLE, OWNER_ROLE):
            try:
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE IF EXISTS {role}")
            except psycopg.Error:
                pass


def procfile_web_args() -> list[str]:
    """The Procfile's `web` gunicorn options, `${VAR:-default}` expanded from the environment."""
    procfile = (ROOT / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    expanded = re.sub(
        r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m.group(1), m.group(2)), web
    )
    return expanded.split(":", 1)[1].split()[1:]  # without "gunicorn"


def gunicorn_command(
    target: str, port: int, workers: int | None = None, recycle: bool = True
) -> list[str]:
    """The Procfile's web command (its worker class and timeouts) serving `target` on `port`
    (`recycle=False`: without --max-requests, for the soak)."""
    out: list[str] = [sys.executable, "-m", "gunicorn"]
    args = iter(procfile_web_args())
    for arg in args:
        if arg == "wsgi:app":
            continue
        dropped = ("--bind", "-b") + (
            () if recycle else ("--max-requests", "--max-requests-jitter")
        )
        if arg in dropped or (workers and arg in ("--workers", "-w")):
            next(args)
            continue
        out.append(arg)
    if workers:
        out += ["--workers", str(workers)]
    return [*out, "--bind", f"127.0.0.1:{port}", target]


def start(
    target: str, workers: int, env: dict[str, str], log: Path, recycle: bool = True
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = gunicorn_command(target, port, workers, recycle)
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/")
    return proc, base


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def sign_in(base: str) -> str:
    """A session cookie of the Hackney workspace's owner (through the real sign-in form)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        token = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    data = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": ADMIN, "password": PASSWORD}
    ).encode()
    opener.open(base + "/login", data=data).read()
    cookie = next((c for c in jar if c.name == "londonhub_session"), None)
    if cookie is None:
        raise SystemExit("could not sign in as " + ADMIN)
    return f"londonhub_session={cookie.value}"


def first_room(base: str) -> str | None:
    html = urllib.request.urlopen(base + "/rooms").read().decode()
    found = re.search(r'href="(/b/[a-z-]+/rooms/\d+)[?"]', html)
    return found.group(1) if found else None


def exists(base: str, path: str) -> bool:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as answer:
            return answer.status == 200
    except urllib.error.HTTPError:
        return False


def wrk(url: str, seconds: int, connections: int, script: Path, cookie: str | None) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("JSON"))
    result = json.loads(line[4:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--no-redis", action="store_true", help="the embedded default: no Redis")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", help="comma-separated paths instead of the default list")
    parser.add_argument("--reuse", action="store_true", help="keep an existing seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    env = dict(os.environ)
    env.update(
        {
            "LONDONHUB_ENV": "development",
            "SECRET_KEY": SECRET,
            "SESSION_COOKIE_SECURE": "false",
            "PUBLIC_URL": "http://127.0.0.1:5000",
            "PYTHONPATH": str(ROOT),
            "DEMO_PASSWORD": PASSWORD,
        }
    )
    env.pop("REDIS_URL", None)
    if not args.no_redis:
        env["REDIS_URL"] = args.redis_url
    workdir = Path(tempfile.mkdtemp(prefix="londonhub-throughput-"))
    env["MAIL_DIR"] = str(workdir / "mail")
    setup_database(args.admin_url, args.reuse, env)
    if not args.no_redis:
        subprocess.run(
            ["redis-cli", "-u", args.redis_url, "flushdb"], check=False, stdout=subprocess.DEVNULL
        )

    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    hello, hello_base = start("bench.hello_app:app", args.workers, env, workdir / "hello.log")
    app, base = start("wsgi:app", args.workers, env, workdir / "app.log")
    try:
        cookie = sign_in(base)
        room = first_room(base)
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))
        pages: list[tuple[str, str | None]]
        if args.pages:
            pages = [(p, None) for p in args.pages.split(",")]
        else:
            pages = [
                ("/", None),
                ("/rooms", None),
                (f"/rooms?date={today}&start=10:00&end=12:00", None),
                ("/b/hackney/", None),
                *([(room, None)] if room else []),
                ("/opportunities", None),
                ("/consultancy", None),
                ("/resources", None),
                ("/corporate", None),
                ("/data", None),
                ("/b/hackney/admin/", cookie),
                ("/b/hackney/admin/rooms/", cookie),
            ]
        pages = [(p, c) for p, c in pages if c or exists(base, p)]
        rows: list[tuple[str, dict]] = []
        rows.append(
            ("hello-world", wrk(hello_base + "/", args.seconds, args.connections, script, None))
        )
        for path, page_cookie in pages:
            wrk(base + path, 1, args.connections, script, page_cookie)  # warm up
            label = path + ("  (signed in)" if page_cookie else "")
            rows.append(
                (label, wrk(base + path, args.seconds, args.connections, script, page_cookie))
            )
            print(f"  {label}: {rows[-1][1]['rps']:.0f} req/s", file=sys.stderr)
        rows.append(
            (
                "hello-world (again)",
                wrk(hello_base + "/", args.seconds, args.connections, script, None),
            )
        )
    finally:
        stop(app)
        stop(hello)
        if not args.keep and not args.reuse:
            drop_database(args.admin_url)
    hello_rps = (rows[0][1]["rps"] + rows[-1][1]["rps"]) / 2
    print(
        f"\ngunicorn {' '.join(gunicorn_command('APP', 0, args.workers)[3:-3])}; "
        f"wrk -t1 -c{args.connections} -d{args.seconds}s; "
        f"redis: {'off' if args.no_redis else args.redis_url}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (at the end)\n")
    print("| page | req/s | p50 ms | p95 ms | p99 ms | non-2xx | vs hello-world |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, r in rows:
        errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
        print(
            f"| `{label}` | {r['rps']:.0f} | {r['p50'] / 1000:.1f} | {r['p95'] / 1000:.1f} | "
            f"{r['p99'] / 1000:.1f} | {errors} | {r['rps'] / hello_rps:.0%} |"
        )


if __name__ == "__main__":
    main()
