"""Version 1: its blueprint, its registry of operations and the document they make."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import tokens
from .declare import Api

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
bp.before_request(tokens.before_api_request)

api = Api(
    bp,
    title="Connecting Londoners API",
    version="1.0.0",
    description=(
        "Public reads of what London's borough workspaces publish, and each workspace's own "
        "data with its API token. Lists are paged by opaque cursors; every error is an RFC "
        "9457 problem (application/problem+json); GETs carry ETags; clients are rate-limited "
        "(429 with Retry-After)."
    ),
)


@bp.get("/openapi.json", provide_automatic_options=False)
def openapi():
    """The OpenAPI 3.1 document, made from the operations' declarations."""
    response = jsonify(api.document())
    response.add_etag()
    return response.make_conditional(request)
