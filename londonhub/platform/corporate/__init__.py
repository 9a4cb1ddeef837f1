"""Corporate volunteering (issue 13): packages the hub sells companies, their accounts,
employees and invitations, matching employees with opportunities near home, placements
confirmed by borough workspaces (each paying the workspace its share through billing), and
the impact each party sees. Wired by `init_app`, called from `create_app`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from londonhub.billing.fulfilment import register_fulfilment
    from londonhub.platform.core.navigation import register_navigation, register_public_link

    from . import (
        models,  # noqa: F401 - the tables
        seed,  # noqa: F401 - registers the demo packages and Acme's account
    )
    from .operations.buying import HANDLER, ORDER_KIND
    from .views import account, employee, hub, public, workspace

    for blueprint in (
        public.bp,
        account.account_bp,
        employee.me_bp,
        hub.hub_bp,
        workspace.workspace_bp,
    ):
        app.register_blueprint(blueprint)
    register_fulfilment(ORDER_KIND, HANDLER)
    from .operations import events

    events.register()
    register_navigation(app, account.navigation)
    register_public_link(app, "For companies", "corporate.catalogue", order=50)
    from . import metrics

    metrics.register(app)
