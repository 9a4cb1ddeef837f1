"""The shared brand: base layout, accessible components, the hub's name and colours, error pages."""

from __future__ import annotations

import contextlib

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..core.errors import NotAllowed, NotFound
from ..core.extensions import db
from ..core.money import format_pence
from ..core.uploads import limit_text
from .colours import contrast_ratio, text_colour_for

bp = Blueprint(
    "brand",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/brand",
)

ERROR_TITLES = {
    400: "There was a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


#: Our words for each answer, used when the code that refused gave no reason of its own
#: (instead of Werkzeug's stock English, which reads like a server talking).
ERROR_MESSAGES = {
    400: "The request could not be understood. Go back and try again.",
    403: "Your account does not have access to this page.",
    404: "If you typed the web address, check it is correct. If you followed a link, it may "
    "be out of date.",
    405: "This page cannot be used that way. Go back and use its links and buttons.",
    413: "Send a smaller file or less text.",
    429: "Wait a few minutes before you try again.",
}


def describe_minutes(minutes: int | None) -> str:
    """A length of time as a person says it: "1 hour", "1 hour 30 minutes", "45 minutes"."""
    if not minutes:
        return "no time"
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" if hours == 1 else f"{hours} hours")
    if rest:
        parts.append(f"{rest} minute" if rest == 1 else f"{rest} minutes")
    return " ".join(parts)


def describe_minutes_range(shortest: int | None, longest: int | None) -> str:
    """ "1 to 10 hours" rather than "60 minutes to 600 minutes"."""
    if shortest and longest and shortest % 60 == 0 and longest % 60 == 0 and shortest != longest:
        return f"{shortest // 60} to {longest // 60} hours"
    if shortest == longest:
        return describe_minutes(shortest)
    return f"{describe_minutes(shortest)} to {describe_minutes(longest)}"


def nearest_page(path: str) -> str:
    """The closest address at or above `path` that a GET opens: where a person who opened
    a form's POST-only address (a bookmark, Back, a pasted link) is sent instead of a 405.
    `/rooms/book` -> `/rooms`; `/b/x/admin/members/invite` -> `/b/x/admin/members`."""
    adapter = current_app.create_url_adapter(request)
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        for attempt in (candidate, candidate + "/"):
            try:
                adapter.match(attempt, method="GET")
            except RequestRedirect as moved:
                return moved.new_url
            except HTTPException:
                continue
            return attempt
    return "/"


UNAVAILABLE = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
    "<title>Sorry, the service is unavailable</title></head><body><main>"
    "<h1>Sorry, the service is unavailable</h1><p>Nothing you sent was saved. Please try again "
    "in a minute.</p></main></body></html>"
)


def init_brand(app: Flask) -> None:
    from . import views  # noqa: F401 - registers the home page on bp

    app.register_blueprint(bp)
    app.jinja_env.filters["pence"] = format_pence
    app.jinja_env.filters["minutes"] = describe_minutes
    app.jinja_env.filters["size_limit"] = limit_text
    app.jinja_env.globals["minutes_range"] = describe_minutes_range

    @app.context_processor
    def brand_globals() -> dict:
        return {
            "hub_name": app.config["HUB_NAME"],
            "hub_primary": app.config["HUB_PRIMARY_COLOUR"],
            "hub_accent": app.config["HUB_ACCENT_COLOUR"],
            "text_colour_for": text_colour_for,
        }

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 405 and request.method in ("GET", "HEAD"):
            return redirect(nearest_page(request.path), 303)
        if isinstance(error, CSRFError):
            message = "Your form expired or was sent from another page. Please try again."
        elif error.description == type(error).description or not error.description:
            message = ERROR_MESSAGES.get(code, "")
        else:
            message = error.description
        title = ERROR_TITLES.get(code, error.name)
        return render_template("brand/error.html", code=code, title=title, message=message), code

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        return render_template(
            "brand/error.html", code=403, title="You cannot do that here", message=str(error)
        ), 403

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        db.session.rollback()
        return render_template(
            "brand/error.html", code=404, title=ERROR_TITLES[404], message=str(error)
        ), 404

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_unavailable(error: Exception):
        """The database is down or restarting: a clear 503 at once, never a hung worker; the
        pool's pre-ping reconnects by itself once it is back."""
        app.logger.error("Database unavailable: %s", str(error).splitlines()[0])
        with contextlib.suppress(Exception):
            db.session.rollback()
        g.pop("tenant", None)
        try:
            body = render_template("brand/unavailable.html")
        except Exception:  # the page must not depend on anything else working
            body = UNAVAILABLE
        return body, 503, {"Retry-After": "30", "Cache-Control": "no-store"}

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        db.session.rollback()
        return (
            render_template(
                "brand/error.html",
                code=500,
                title=ERROR_TITLES[500],
                message="Nothing was saved. Please try again later.",
            ),
            500,
        )


__all__ = ["bp", "contrast_ratio", "init_brand", "text_colour_for"]
