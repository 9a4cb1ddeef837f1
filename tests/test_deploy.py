"""The Procfile's web server: in-flight requests finish on SIGTERM (graceful shutdown), and
new connections are refused once it stops. Runs the Procfile's own gunicorn options on the
hello-world app of bench/hello_app.py (a request that takes 2 seconds)."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_bench_throughput():
    """bench/ is scripts, not a package on the path (tests run with --import-mode=importlib
    from any directory), so load the module from its file."""
    spec = importlib.util.spec_from_file_location(
        "bench_throughput", ROOT / "bench" / "throughput.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_throughput = _load_bench_throughput()
free_port, gunicorn_command, wait_for = (
    _throughput.free_port,
    _throughput.gunicorn_command,
    _throughput.wait_for,
)


def test_procfile_web_server_finishes_in_flight_requests_on_sigterm() -> None:
    port = free_port()
    server = subprocess.Popen(
        gunicorn_command("bench.hello_app:app", port, workers=1),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/", 30)
        answers: list[tuple[int, bytes]] = []

        def slow_request() -> None:
            with urllib.request.urlopen(base + "/slow?seconds=2", timeout=30) as answer:
                answers.append((answer.status, answer.read()))

        in_flight = threading.Thread(target=slow_request)
        in_flight.start()
        time.sleep(0.7)  # the request is being served
        server.send_signal(signal.SIGTERM)
        in_flight.join(30)
        assert answers == [(200, b"finished")]
        assert server.wait(30) == 0
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            raise AssertionError("the stopped server still answered")
        except urllib.error.URLError:
            pass
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
