"""The hostile-query walk: every GET route of the app, with real ids filled in, is sent hostile
values (huge and negative numbers, the first and last dates Python knows, garbage, very long
strings, NUL) for each query parameter it reads, and must never answer 5xx.

Which parameters a view reads is found by watching it: the walk's requests record every name
looked up in `request.args` (`get`, `getlist`, `[]`, `in`, which is how forms read it), so a
parameter added later is walked without anyone editing this file. Names found in the source
(`request.args.get("...")`) and common ones are sent too, all at once, for views that read
the query string whole. Routes come from `app.url_map`; a route whose URL parameters cannot be
filled in is reported until it is given a filler (matrix.py or own.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, url_for
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

import londonhub

from .matrix import sign_in

HOSTILE: tuple[str, ...] = (
    "99999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "garbage<>\"'%;--",
    "\x00",
    "x" * 5000,
    "9" * 5000,
)

#: Companion values: when a route reads the first name, hostile values of its other parameters
#: are also sent with each of these, to reach the branches they choose.
COMPANIONS: dict[str, list[dict[str, str]]] = {
    "view": [{"view": "day"}, {"view": "week"}],
    "start": [{"start": "10:00", "end": "12:00"}],
}

#: The hostile values also sent with every name of `COMMON` at once.
HOSTILE_AT_ONCE = ("99999999999999999999", "-1", "0001-01-01", "9999-12-31", "garbage", "x" * 5000)

#: Query names every view is also sent, all at once (besides those it is seen to read).
COMMON = ("page", "q", "date", "from", "to", "week", "view", "next", "sort", "id", "code", "state")

_read: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """`request.args` that notes every name a view looks up."""

    def get(self, key, default=None, type=None):
        _read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        _read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        _read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        _read.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    """The app's request class with recording query arguments (form data is left alone)."""

    @property
    def args(self) -> RecordingArgs:  # type: ignore[override]
        cached = self.__dict__.get("_recording_args")
        if cached is None:
            cached = RecordingArgs(super().args)
            self.__dict__["_recording_args"] = cached
        return cached


def source_names() -> set[str]:
    """Query names the package's source reads by name."""
    pattern = re.compile(r"request\.args\.get(?:list)?\(\s*[\"']([^\"']+)[\"']")
    root = Path(londonhub.__file__).parent
    return {m for path in root.rglob("*.py") for m in pattern.findall(path.read_text())}


@dataclass
class Failure:
    who: str
    path: str
    query: dict[str, str]
    status: int

    def __str__(self) -> str:
        shown = {
            k: (v if len(v) < 40 else f"{v[:12]}...({len(v)} chars)") for k, v in self.query.items()
        }
        return f"GET {self.path} {shown} as {self.who}: {self.status}"


@dataclass
class QueryWalkResult:
    requests: int = 0
    failures: list[Failure] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    #: endpoint -> the query names it was seen to read
    read: dict[str, set[str]] = field(default_factory=dict)


def walk_queries(
    app: Flask,
    who: Iterable[str],
    values_for: Callable[[str], Callable[[Rule], dict[str, Any] | None]],
    only: str | None = None,
) -> QueryWalkResult:
    """Walk every GET route (or those whose endpoint starts with `only`) as each person in
    `who`; `values_for(email)` fills in a route's URL parameters for that person."""
    result = QueryWalkResult()
    previous = app.request_class
    app.request_class = RecordingRequest
    try:
        for email in who:
            client, _ = sign_in(app, email)
            _walk(app, client, email, values_for(email), only, result)
    finally:
        app.request_class = previous
    return result


def _walk(app, client, email, values_for, only, result: QueryWalkResult) -> None:
    extra = sorted(source_names() | set(COMMON))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or (only and not rule.endpoint.startswith(only)):
            continue
        values = values_for(rule)
        if values is None:
            if (unfilled := f"{rule.endpoint} ({rule.rule})") not in result.unfilled:
                result.unfilled.append(unfilled)
            continue
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        names = _walk_route(client, email, path, extra, result)
        result.read.setdefault(rule.endpoint, set()).update(names)


def _walk_route(client, email: str, path: str, extra: list[str], result: QueryWalkResult) -> set:
    """Send `path` the hostile values; return the query names the view read."""

    def send(query: dict[str, str]) -> set[str]:
        _read.clear()
        try:
            with client.get(path, query_string=query) as response:  # closes static files
                status = response.status_code
        except Exception:  # an exception that escaped is a 500 too
            status = 500
        result.requests += 1
        if status >= 500:
            result.failures.append(Failure(email, path, query, status))
        return set(_read)

    names = send({})
    for hostile in HOSTILE_AT_ONCE:
        names |= send(dict.fromkeys(extra, hostile))
    tried: set[str] = set()
    while names - tried:  # a hostile value may lead a view to read more names
        name = sorted(names - tried)[0]
        tried.add(name)
        contexts = [{}] + [c for key in names & COMPANIONS.keys() for c in COMPANIONS[key]]
        for context in contexts:
            if name in context:
                continue
            for hostile in HOSTILE:
                names |= send({**context, name: hostile})
    return names
