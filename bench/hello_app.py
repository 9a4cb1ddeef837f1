"""Hello-world under the same gunicorn settings as the app: the ceiling bench/throughput.py
measures each page against. `/slow?seconds=N` answers after N seconds (graceful-shutdown and
slow-client checks)."""

import time

from flask import Flask, request

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.get("/slow")
def slow() -> str:
    time.sleep(min(float(request.args.get("seconds", "1")), 30))
    return "finished"
