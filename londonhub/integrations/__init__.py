"""Outside systems: OIDC partner logins, calendar feeds, outbound webhooks (issue 6).

Imports only `platform.core`.
"""

from __future__ import annotations

from flask import Flask


def init_integrations(app: Flask) -> None:
    from . import oidc, webhooks

    oidc.init_app(app)
    webhooks.init_app(app)
