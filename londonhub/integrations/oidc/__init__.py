"""Partner organisations signing in through their own OpenID Connect provider (Authlib)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from londonhub.platform.core.accounts import register_account_section, register_sign_out_hook

    from . import cli, models, services, views  # noqa: F401 - models: the tables

    services.init_oauth(app)
    app.register_blueprint(views.sso_bp)
    app.register_blueprint(views.partners_bp)
    app.register_blueprint(views.hub_partners_bp)
    register_account_section(app, views._account_section)
    register_sign_out_hook(app, views._sign_out_offer)
    app.cli.add_command(cli.partners_cli)
