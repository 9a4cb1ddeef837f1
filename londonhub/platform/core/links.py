"""Full links for emails, made in a request or in a job (which has no request)."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: object) -> str:
    """In a request (or with `SERVER_NAME`): the request's own origin. In a job: the
    `PUBLIC_URL` setting's origin if set, else a path on this site."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    path = adapter.build(endpoint, values)
    base = current_app.config.get("PUBLIC_URL") or ""
    return f"{base.rstrip('/')}{path}"
