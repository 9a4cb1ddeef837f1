"""Uploads that are too large come back to their form, with the limit stated on the field.

Werkzeug refuses a body over `MAX_CONTENT_LENGTH` with a bare 413 as soon as anything reads
the form, and CSRFProtect reads it before any view runs. An upload view is wrapped in
`upload_view(limit)` instead: it reads a body up to a megabyte over the field's own limit (so
the file's own check says what is wrong with it) and checks the CSRF token itself, exactly as
CSRFProtect would; a larger body is never read, and `upload_form` then builds the form empty,
with the limit as the file field's error. A too-large request changes nothing, so showing the
form again without its token is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from .extensions import csrf

F = TypeVar("F")
V = TypeVar("V", bound=Callable[..., Any])

#: How far past a field's limit a body is still read, for the file check's own message.
READ_MARGIN = 1024 * 1024


def limit_text(max_bytes: int) -> str:
    """How a size limit is stated on a form and in its errors: "10 MB", "512 KB"."""
    if max_bytes >= 1024 * 1024 and max_bytes % (1024 * 1024) == 0:
        return f"{max_bytes // (1024 * 1024)} MB"
    return f"{max(max_bytes // 1024, 1)} KB"


def too_large_message(noun: str, max_bytes: int) -> str:
    return f"The {noun} must be smaller than {limit_text(max_bytes)}"


def upload_view(max_bytes: Callable[[], int]) -> Callable[[V], V]:
    """Mark a view that takes a file of at most `max_bytes()` (see the module's doc)."""

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request.max_content_length = max_bytes() + READ_MARGIN
            try:
                request.files  # noqa: B018 - reads the body now, within the raised limit
            except RequestEntityTooLarge:
                g.upload_too_large = True
            else:
                g.upload_too_large = False
                config = current_app.config
                if config.get("WTF_CSRF_ENABLED", True) and config.get(
                    "WTF_CSRF_CHECK_DEFAULT", True
                ):
                    csrf.protect()  # the CSRF refusal, as for every other form
            return view(*args, **kwargs)

        csrf.exempt(wrapper)  # CSRFProtect would read the body first, at the app's limit
        return wrapper  # type: ignore[return-value]

    return decorate


def upload_form(
    make_form: Callable[..., F], *, max_bytes: int, field: str, noun: str
) -> tuple[F, bool]:
    """The form of an `upload_view`, and whether its body was too large to read.

    `make_form(formdata=...)` builds the form (pass prefixes through a lambda); when the
    body was too large, it is built on no data and `field` carries the limit as its error.
    Call `validate_on_submit()` only when the second value is False."""
    if g.get("upload_too_large"):
        form = make_form(formdata=None)
        getattr(form, field).errors = [too_large_message(noun, max_bytes)]
        return form, True
    return make_form(), False
