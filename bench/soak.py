"""Soak at saturation: the app under the Procfile's gunicorn, driven by wrk over a mix of
public pages for `--minutes` (10 by default); prints 5xx and other errors, and the resident
memory (RSS) of the gunicorn workers after the warm-up and at the end.

Run: .venv/bin/python bench/soak.py [--minutes 10] [--connections 16] [--reuse]

Uses the database and setup of bench/throughput.py (`londonhub_throughput`, Redis db 7).
A benchmark, not a test: nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import throughput

MIX = """
paths = {PATHS}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    "requests %d in %.0f s, p50 %.1f ms, p99 %.1f ms, non-2xx/3xx %d, socket errors %d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def worker_rss(master: int) -> dict[int, int]:
    """RSS in KiB of each child of the gunicorn master."""
    children = subprocess.run(
        ["pgrep", "-P", str(master)], capture_output=True, text=True
    ).stdout.split()
    rss = {}
    for pid in children:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[int(pid)] = int(line.split()[1])
        except OSError:
            pass
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=30, help="seconds before the first RSS")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    env = dict(os.environ)
    env.update(
        {
            "LONDONHUB_ENV": "development",
            "SECRET_KEY": throughput.SECRET,
            "SESSION_COOKIE_SECURE": "false",
            "PUBLIC_URL": "http://127.0.0.1:5000",
            "PYTHONPATH": str(throughput.ROOT),
            "DEMO_PASSWORD": throughput.PASSWORD,
            "REDIS_URL": args.redis_url,
        }
    )
    workdir = Path(tempfile.mkdtemp(prefix="londonhub-soak-"))
    env["MAIL_DIR"] = str(workdir / "mail")
    throughput.setup_database(args.admin_url, args.reuse, env)
    # Without --max-requests: memory must stay flat without recycling workers.
    app, base = throughput.start("wsgi:app", args.workers, env, workdir / "app.log", recycle=False)
    try:
        room = throughput.first_room(base)
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))
        paths = [
            "/",
            "/rooms",
            f"/rooms?date={day}&start=10:00&end=12:00",
            "/b/hackney/",
            "/opportunities",
            "/consultancy",
            "/resources",
            "/corporate",
            "/rooms?borough=camden&page=2",
            "/login",  # never cached: rendered every time
            *([room] if room else []),
        ]
        script = workdir / "mix.lua"
        script.write_text(MIX.format(PATHS="{" + ", ".join(f'"{p}"' for p in paths) + "}"))
        total = int(args.minutes * 60)
        wrk = subprocess.Popen(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{total}s", "--timeout", "10s"]
            + ["-s", str(script), base + "/"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(args.warmup)
        after_warmup = worker_rss(app.pid)
        out, _ = wrk.communicate()
        at_end = worker_rss(app.pid)
    finally:
        throughput.stop(app)
    log = (workdir / "app.log").read_text()
    five_xx = sum(1 for line in log.splitlines() if " 500 " in line or "Unhandled error" in line)
    print(out.strip())
    print(f"app log lines with a 500 or an unhandled error: {five_xx}")
    print(f"worker RSS after {args.warmup} s (KiB): {after_warmup}")
    print(f"worker RSS at the end (KiB): {at_end}")
    common = set(after_warmup) & set(at_end)
    for pid in sorted(common):
        change = (at_end[pid] - after_warmup[pid]) / after_warmup[pid]
        print(f"  worker {pid}: {change:+.1%}")
    if set(at_end) != set(after_warmup):
        print("  (a worker was replaced during the run)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
