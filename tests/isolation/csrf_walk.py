"""The CSRF walk: every state-changing route of the app, sent without a CSRF token by someone
who may use it, must answer the CSRF refusal (400) and change nothing.

Routes come from `app.url_map`, so a route added later is walked without anyone editing this
file; its URL parameters are filled in by the cross-tenant matrix's fillers (aimed here at the
signed-in person's own workspace, own.py), and a route they cannot fill is reported until it is
given a filler in matrix.py or own.py. A route that must take posts without the token is listed
in `EXEMPT` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask import Flask, url_for
from sqlalchemy import Engine, create_engine, pool

from .matrix import World, post_payload, sign_in, snapshot
from .own import own_values

#: The methods Flask-WTF's CSRFProtect checks (its default WTF_CSRF_METHODS).
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
#: What the branded 400 page says for a CSRFError (platform/brand).
REFUSAL = b"Your form expired or was sent from another page"

#: endpoint -> why it takes state-changing requests without a CSRF token.
EXEMPT: dict[str, str] = {
    "billing.stripe_webhook": (
        "Stripe's servers post events with no session and no form: each event is verified by "
        "its Stripe-Signature instead"
    ),
    "api_v1.verify_hours": (
        "the API reads no session cookie: it acts only on an `Authorization: Bearer` token, "
        "which a browser never adds to a cross-site request by itself"
    ),
}

WALKER = "csrf-walker@alpha.example.org"


@dataclass
class Case:
    endpoint: str
    path: str
    method: str
    status: int
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.method} {self.path} ({self.endpoint}) without a token: "
            f"{self.status}, {self.problem}"
        )


@dataclass
class CsrfWalkResult:
    cases: int = 0
    failures: list[Case] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    walked: list[str] = field(default_factory=list)


def make_walker(world: World, make_user: Any) -> str:
    """The person who walks: owner of workspace A and hub admin, so every route is theirs to use
    (a refusal for lack of rights would hide a missing CSRF check)."""
    make_user(WALKER, name="CSRF Walker", workspace=world.a.workspace, role="owner", hub_admin=True)
    return WALKER


def walk_csrf(
    app: Flask, world: World, walker: str, snapshot_url: str, only: str | None = None
) -> CsrfWalkResult:
    """Send every state-changing route (or those whose endpoint starts with `only`) a request
    without a CSRF token, with the rest of a plausible form, as `walker`."""
    engine = create_engine(snapshot_url, poolclass=pool.NullPool)
    try:
        return _walk(app, world, walker, engine, only)
    finally:
        engine.dispose()


def _walk(
    app: Flask, world: World, walker: str, engine: Engine, only: str | None
) -> CsrfWalkResult:
    result = CsrfWalkResult()
    client, token = sign_in(app, walker)
    payload = {k: v for k, v in post_payload(world, token).items() if k != "csrf_token"}
    payload["tenant_id"] = str(world.a.workspace.id)
    values_for = own_values(world, walker)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = [m for m in STATE_CHANGING if m in (rule.methods or ())]
        if not methods or rule.endpoint in EXEMPT:
            continue
        if only and not rule.endpoint.startswith(only):
            continue
        values = values_for(rule)
        if values is None:
            result.unfilled.append(f"{rule.endpoint} ({rule.rule})")
            continue
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        result.walked.append(rule.endpoint)
        for method in methods:
            before = snapshot(engine)
            response = client.open(path, method=method, data=payload)
            after = snapshot(engine)
            result.cases += 1
            case = partial(Case, rule.endpoint, path, method, response.status_code)
            if response.status_code != 400 or REFUSAL not in response.get_data():
                result.failures.append(case("expected the CSRF refusal (400)"))
            if before != after:
                changed = [t for t in before if before[t] != after.get(t)]
                result.failures.append(case(f"database changed: {', '.join(changed)}"))
    return result
