"""Connecting Londoners: one Flask app for the hub, every borough workspace and the public."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, `config` overriding them (tests)."""
    from .platform.core.urls import PublicUrlFlask

    app = PublicUrlFlask(__name__, instance_relative_config=True, static_folder=None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from .platform.core.config import load_config

    app.config.update(load_config(app.instance_path, config))
    logging.basicConfig(level=logging.INFO)

    from .platform.core import init_core

    init_core(app)

    from .platform.brand import init_brand

    init_brand(app)

    from .billing import init_billing

    init_billing(app)

    from .integrations import init_integrations

    init_integrations(app)

    from .platform import hub
    from .tenants import workspace

    workspace.init_app(app)
    hub.init_app(app)
    from .tenants import rooms

    rooms.init_app(app)
    from .tenants import volunteering

    volunteering.init_app(app)
    from .platform import resources

    resources.init_app(app)
    from .platform import consultancy

    consultancy.init_app(app)
    from .platform import corporate

    corporate.init_app(app)
    # Last: its seeder computes figures from what every other area seeded.
    from .platform import intelligence

    intelligence.init_app(app)
    from .platform import api

    # After every area: its problem-details handlers wrap the brand's error pages for /api/.
    api.init_app(app)
    return app
