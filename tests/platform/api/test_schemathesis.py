"""Schemathesis against the app: every operation of /api/v1/openapi.json, with valid and
invalid input (its coverage phase: boundary and off-schema values; then random examples), no
5xx, and every answer conforming to the document (status, content type, headers, body)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from londonhub import create_app
from tests.conftest import _base_config

from .conftest import bearer


def _document() -> schemathesis.BaseSchema:
    """The document as the app serves it; it depends only on the code, so an app without a
    database serves it at collection time (schemathesis' per-fixture loader does not run on
    this pytest)."""
    app = create_app(_base_config("sqlite://", Path(tempfile.mkdtemp())))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = _document()


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, app, api_world, hours_world):
    # Hackney's read-write token: operations of Hackney's own data are reached, not only 401.
    # Excluded: "positive data acceptance", since values the schema allows are still refused
    # on purpose: a cursor this API did not sign, a window that ends before it starts.
    app.config["API_ANONYMOUS_PER_MINUTE"] = 1_000_000
    app.config["API_TOKEN_PER_MINUTE"] = 1_000_000
    # On the case (not as extra headers), so the "ignored auth" check can take it away and
    # see the operation refuse; not on cases made to lack or spoil it.
    if case.meta is None or not case.meta.is_negative_at(ParameterLocation.HEADER):
        case.headers = {**(case.headers or {}), **bearer(api_world.write)}
    case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance])
