"""The hub's public home page."""

from __future__ import annotations

from flask import render_template

from ..core.workspaces import list_public_workspaces
from . import bp


@bp.get("/")
def home():  # noqa: ANN201
    return render_template("brand/home.html", workspaces=list_public_workspaces())
