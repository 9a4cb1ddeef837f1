"""Helpers the corporate views share: putting a domain error on its form field."""

from __future__ import annotations

from flask import request

from ..operations import CorporateError


def field_error(form, exc: CorporateError, default: str) -> None:
    target = getattr(form, exc.field or default, None) or getattr(form, default)
    target.errors = [*target.errors, str(exc)]


def form_status(ok: bool = True) -> int:
    """200 for a page shown, 400 for a form sent back with errors."""
    return 200 if ok or request.method == "GET" else 400
