"""Absolute links come from `PUBLIC_URL`, never from the Host a request names.

A reset link built from the request's `Host` (or `X-Forwarded-Host`) points wherever the
person asking says: an attacker asks for a reset of someone else's account with
`Host: evil.example` and the victim's email carries the token to the attacker's site. So the
app's URL adapter builds every external URL (`url_for(..., _external=True)` anywhere: emails,
Stripe return URLs, calendar feeds, the partner sign-in callback) on the configured origin, in a
request and in a job outside any request alike; and Flask's `TRUSTED_HOSTS` refuses requests
for other hosts (see `config.trusted_hosts`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, url_for
from werkzeug.exceptions import SecurityError
from werkzeug.routing import MapAdapter


class _RefusedHost(MapAdapter):
    """For a request naming a host that is not trusted: matches nothing (the request answers
    400), yet builds links on PUBLIC_URL, so the error page renders. (Flask alone leaves no
    adapter, and every `url_for` on the error page would fail.)"""

    def __init__(self, adapter: MapAdapter, error: SecurityError) -> None:
        super().__init__(
            adapter.map,
            adapter.server_name,
            adapter.script_name,
            adapter.subdomain,
            adapter.url_scheme,
            adapter.path_info,
            adapter.default_method,
        )
        self.error = error

    def match(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


class PublicUrlFlask(Flask):
    """Flask whose external URLs always start with `PUBLIC_URL`."""

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        origin = urlsplit(self.config["PUBLIC_URL"])
        try:
            adapter = super().create_url_adapter(request)
        except SecurityError as exc:  # TRUSTED_HOSTS refused the request's host
            bound = self.url_map.bind(
                origin.netloc, script_name=self.config["APPLICATION_ROOT"], url_scheme=origin.scheme
            )
            return _RefusedHost(bound, exc)
        if adapter is None:  # outside a request and without SERVER_NAME: a job
            return self.url_map.bind(
                origin.netloc,
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=origin.scheme,
            )
        # Routing still matches on the request's path; only building changes.
        adapter.server_name = origin.netloc
        adapter.url_scheme = origin.scheme
        return adapter


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute link to `endpoint` on PUBLIC_URL, for emails and outside systems; works in
    a request and in a job (an app context is enough)."""
    return url_for(endpoint, _external=True, **values)


def public_origin() -> str:
    """`PUBLIC_URL`, e.g. `https://hub.example.org` (no trailing slash)."""
    return current_app.config["PUBLIC_URL"]
