"""Every API error as RFC 9457 problem details (`application/problem+json`), never HTML.

The brand's error pages are app-wide handlers; `install` wraps them so that a request under
`/api/` (a route of ours, an unknown path, a method not allowed, a domain error, a crash) gets
a problem body and the rest of the site keeps its pages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, json, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from londonhub.platform.core import errors
from londonhub.platform.core.extensions import db
from londonhub.platform.core.ratelimit import Throttled

from .schemas import Problem

PROBLEM_TYPE = "application/problem+json"
PREFIX = "/api/"


class ApiProblem(Exception):
    """Raised by API code: answered as a problem with this status, detail and headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


def problem_response(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
) -> Response:
    """A problem body: `type` is about:blank, so `title` is the status's own phrase."""
    body = Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.path,
        errors=errors,
    ).model_dump(mode="json", exclude_none=True)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def _from_http(error: HTTPException) -> Response:
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    detail = error.description or HTTPStatus(code).description
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if code == 405:
        detail = f"{request.method} is not allowed here. Allowed: {headers.get('Allow', '')}."
    elif code == 404 and detail == type(error).description:
        detail = "There is nothing at this address in the API."
    return problem_response(code, detail, headers=headers)


def _from_problem(error: ApiProblem) -> Response:
    if error.status >= 400:
        db.session.rollback()
    return problem_response(error.status, error.detail, headers=error.headers, errors=error.errors)


def _from_not_found(error: errors.NotFound) -> Response:
    db.session.rollback()
    return problem_response(404, str(error) or "There is no such thing here.")


def _from_not_allowed(error: errors.NotAllowed) -> Response:
    db.session.rollback()
    return problem_response(403, str(error) or "This token may not do that.")


def _from_throttled(error: Throttled) -> Response:
    return problem_response(429, str(error), headers={"Retry-After": str(error.retry_after)})


def _from_database_away(error: Exception) -> Response:
    """The database is down or restarting (the brand answers pages with a 503 too)."""
    current_app.logger.error("Database unavailable: %s", str(error).splitlines()[0])
    with contextlib.suppress(Exception):
        db.session.rollback()
    return problem_response(
        503, "The service is unavailable. Nothing was saved.", headers={"Retry-After": "30"}
    )


def _from_anything(error: Exception) -> Response:
    current_app.logger.exception("Unhandled API error", exc_info=error)
    db.session.rollback()
    return problem_response(500, "Something went wrong on our side. Nothing was saved.")


def _chain(app: Flask, exc_class: type[Exception], api_handler: Callable[[Any], Response]) -> None:
    """Answer `exc_class` with `api_handler` under /api/, and as before everywhere else."""
    previous = app.error_handler_spec[None][None].get(exc_class)

    def handler(error: Exception):
        if is_api_request():
            return api_handler(error)
        if previous is not None:
            return previous(error)
        # No page of its own before (ApiProblem, Throttled): what any other error gets.
        return app.error_handler_spec[None][None][Exception](error)

    app.register_error_handler(exc_class, handler)


def install(app: Flask) -> None:
    """After the brand's handlers exist (create_app wires the API after them)."""
    _chain(app, HTTPException, _from_http)
    _chain(app, ApiProblem, _from_problem)
    _chain(app, errors.NotFound, _from_not_found)
    _chain(app, errors.NotAllowed, _from_not_allowed)
    _chain(app, Throttled, _from_throttled)
    for away in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        _chain(app, away, _from_database_away)
    _chain(app, Exception, _from_anything)
