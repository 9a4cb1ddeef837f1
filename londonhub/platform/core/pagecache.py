"""Whole anonymous pages cached in Redis, shared by every instance, correct at once after a change.

A view opts in with `@shared_page`. A GET of such a page by someone with no cookie and no
`Authorization` header (so: nobody signed in, no flash message waiting, no CSRF token in a
session) is answered from Redis when an entry exists for the current *data version*; otherwise
the app renders it and, if the answer is a 200 that started no session and set no cookie, stores
it under that version for `PAGE_CACHE_SECONDS` (60 by default).

The data version is one Redis counter, incremented after every committed database transaction
that wrote anything (any flush with changes, any INSERT/UPDATE/DELETE executed through the
session), in the web app and in the job workers alike. It is read before the page is rendered
and bumped after the commit, so a page rendered from data older than a commit is stored under
a version that is already gone: an edit shows on the very next request. Writes made outside the
app (SQL by hand) show within `PAGE_CACHE_SECONDS`, as do changes time alone makes (a hold
lapsing by the clock). A write while Redis is unreachable cannot bump the counter: pages
cached before the outage may then be served for up to `PAGE_CACHE_SECONDS` after it.

Every cacheable page carries an `ETag` (a hash of its body) and `Cache-Control: public,
max-age=0, must-revalidate` with `Vary: Cookie`: browsers and proxies revalidate each time and
get `304 Not Modified` while the page is unchanged; a signed-in visitor (who sends a cookie)
never gets the anonymous copy. Each cached answer gets a fresh CSP nonce.

Without `REDIS_URL` (the embedded single-process default) nothing is cached: there is no
in-process cache of data that can change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

VERSION_KEY = "londonhub:pages:version"
ENTRY_PREFIX = "londonhub:pages:v"
MAX_BODY_BYTES = 512 * 1024
#: After Redis fails, this process leaves the page cache alone for this long (seconds).
RETRY_AFTER_FAILURE = 5.0
ENVIRON_KEY = "londonhub.page_cache"
EXTENSION = "londonhub.page_cache"


def shared_page(view: Callable) -> Callable:
    """Mark a view whose anonymous answer is the same for everyone (given its URL)."""
    view.shared_page = True  # type: ignore[attr-defined]
    return view


class PageCache:
    """The WSGI layer in front of the Flask app: answers cached pages without running Flask."""

    def __init__(self, app: Flask, url: str, ttl: int) -> None:
        from redis import Redis

        self.app = app
        self.wsgi_app = app.wsgi_app
        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.ttl = ttl
        self._down_until = 0.0

    # --- Redis, failing open ---------------------------------------------------------------

    def _call(self, fn: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            return None
        try:
            return fn()
        except Exception as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE
            log.warning("page cache: Redis unavailable (%s); serving uncached", exc)
            return None

    def version(self) -> int | None:
        raw = self._call(lambda: self.redis.get(VERSION_KEY))
        if raw is None:
            return None if time.monotonic() < self._down_until else 0
        return int(raw)

    def bump(self) -> None:
        if self._call(lambda: self.redis.incr(VERSION_KEY)) is None:
            log.warning("page cache: a write could not bump the data version")

    # --- the WSGI side -----------------------------------------------------------------------

    def _eligible(self, environ: dict) -> bool:
        if environ.get("REQUEST_METHOD") != "GET":
            return False
        if environ.get("HTTP_COOKIE") or environ.get("HTTP_AUTHORIZATION"):
            return False
        try:
            adapter = self.app.url_map.bind_to_environ(environ)
            endpoint, _ = adapter.match()
        except Exception:
            return False
        view = self.app.view_functions.get(endpoint)
        return bool(getattr(view, "shared_page", False))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self._eligible(environ):
            return self.wsgi_app(environ, start_response)
        version = self.version()
        if version is None:
            return self.wsgi_app(environ, start_response)
        key = _entry_key(version, environ)
        raw = self._call(lambda: self.redis.get(key))
        if raw is not None:
            return _serve(raw, environ, start_response)
        environ[ENVIRON_KEY] = (self, key)
        return self.wsgi_app(environ, start_response)

    def store(self, key: str, response: Response) -> None:
        body = response.get_data()
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in ("set-cookie", "content-length", "date")
        ]
        head = json.dumps(
            {"status": response.status, "headers": headers, "nonce": g.get("csp_nonce")}
        )
        self._call(lambda: self.redis.set(key, head.encode() + b"\n" + body, ex=self.ttl))


def _entry_key(version: int, environ: dict) -> str:
    target = "{}\n{}\n{}".format(
        environ.get("HTTP_HOST", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    )
    return f"{ENTRY_PREFIX}{version}:{hashlib.sha256(target.encode()).hexdigest()}"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _serve(raw: bytes, environ: dict, start_response: Callable) -> Iterable[bytes]:
    import secrets

    head_raw, body = raw.split(b"\n", 1)
    head = json.loads(head_raw)
    headers = [tuple(pair) for pair in head["headers"]]
    etag = dict((name.lower(), value) for name, value in headers).get("etag")
    if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
        keep = ("etag", "cache-control", "vary")
        start_response("304 NOT MODIFIED", [h for h in headers if h[0].lower() in keep])
        return [b""]
    old = head.get("nonce")
    if old:  # a fresh nonce for each answer, as a rendered page has
        new = secrets.token_urlsafe(16)
        body = body.replace(old.encode(), new.encode())
        headers = [(n, v.replace(old, new)) for n, v in headers]
    headers.append(("Content-Length", str(len(body))))
    headers.append(("X-Page-Cache", "hit"))
    start_response(head["status"], headers)
    return [body]


def _finish(response: Response) -> Response:
    """After a shared page's request: caching headers, a 304, and the copy in Redis."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "shared_page", False):
        return response
    personal = (
        bool(request.cookies)
        or "Authorization" in request.headers
        or session.modified
        or bool(session)
        or "Set-Cookie" in response.headers
    )
    response.vary.add("Cookie")
    if personal or response.direct_passthrough or response.is_streamed:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    body = response.get_data()
    response.set_etag(_etag(body)[1:-1])
    pending = request.environ.get(ENVIRON_KEY)
    if pending is not None and len(body) <= MAX_BODY_BYTES:
        cache, key = pending
        cache.store(key, response)
    return response.make_conditional(request)


def bump_version() -> None:
    """Say the data changed (called after a commit that wrote): cached pages are stale."""
    cache = current_app.extensions.get(EXTENSION)
    if cache is not None:
        cache.bump()


def _install_session_hooks() -> None:
    """Bump the data version after each committed transaction that wrote anything."""
    if getattr(_install_session_hooks, "done", False):
        return
    _install_session_hooks.done = True  # type: ignore[attr-defined]

    @event.listens_for(Session, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        session.info["page_cache_wrote"] = True

    @event.listens_for(Session, "do_orm_execute")
    def _executed(state: Any) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["page_cache_wrote"] = True
        elif not state.is_select:
            sql = str(state.statement).lstrip()[:10].upper()
            if not sql.startswith(("SELECT", "WITH", "SET", "SHOW", "EXPLAIN")):
                state.session.info["page_cache_wrote"] = True

    @event.listens_for(Session, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop("page_cache_wrote", False):
            with contextlib.suppress(RuntimeError):  # no app context: nothing cached here
                bump_version()


def init_app(app: Flask) -> None:
    _install_session_hooks()
    app.after_request(_finish)
    url = app.config.get("REDIS_URL")
    if url and app.config.get("PAGE_CACHE_SECONDS", 60) > 0:
        cache = PageCache(app, url, int(app.config.get("PAGE_CACHE_SECONDS", 60)))
        app.extensions[EXTENSION] = cache
        app.wsgi_app = cache  # type: ignore[method-assign]
