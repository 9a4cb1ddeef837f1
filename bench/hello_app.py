"""Hello-world under the same gunicorn settings as the app: the ceiling bench/throughput.py
measures each page against."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
