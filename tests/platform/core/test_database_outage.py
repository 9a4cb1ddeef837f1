"""PostgreSQL going away while the app serves: every request fails fast with a clear 503 page,
and the app recovers by itself once the database is back (pool pre-ping, no stuck
connections). The app reaches PostgreSQL through a TCP proxy the test stops and starts; the
machine's own server is never touched."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from londonhub.platform.core.extensions import db

from .tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    url = make_url(database_url)
    running = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def app_config(app_config: dict, proxy: TcpProxy) -> dict:
    url = make_url(app_config["SQLALCHEMY_DATABASE_URI"]).set(host="127.0.0.1", port=proxy.port)
    app_config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
    return app_config


def _timed_get(client, path: str):
    started = time.monotonic()
    answer = client.get(path)
    return answer, time.monotonic() - started


def test_requests_fail_fast_with_503_while_the_database_is_away_then_recover(
    app, client, make_workspace, proxy
) -> None:
    make_workspace("hackney")
    db.session.remove()
    assert client.get("/b/hackney/").status_code == 200  # a pooled connection now exists

    proxy.stop()  # the database "restarts": connections cut, new ones refused
    for path in ("/b/hackney/", "/", "/rooms"):
        answer, took = _timed_get(client, path)
        assert answer.status_code == 503, (path, answer.data[:500])
        assert took < 5, (path, took)
        assert answer.headers["Retry-After"] == "30"
        assert answer.headers["Cache-Control"] == "no-store"
        page = answer.get_data(as_text=True)
        assert "<h1>Sorry, the service is unavailable</h1>" in page
        assert '<html lang="en-GB">' in page and 'id="main-content"' in page

    proxy.start()  # back on the same port
    answer, _ = _timed_get(client, "/b/hackney/")
    assert answer.status_code == 200
    assert client.get("/").status_code == 200
    assert db.engine.pool.checkedout() == 0  # nothing stuck
