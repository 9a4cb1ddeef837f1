"""The versioned JSON API at /api/v1/, described by /api/v1/openapi.json.

Public reads of what the hub publishes (workspaces, rooms and their availability,
opportunities, associates, resources) and, with a workspace's token, that workspace's own
bookings, orders, volunteers and hours. Every error is a problem details body; every client is
rate-limited (per token, or per address without one). Reads other features only through their
`services`.
"""

from __future__ import annotations

from flask import Flask

from . import problems


def init_app(app: Flask) -> None:
    from londonhub.platform.core.extensions import csrf

    from . import admin_views, private, public  # noqa: F401 - operations register on the Api
    from .v1 import bp

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(admin_views.bp)
    problems.install(app)
