"""Partner sign-in fetches only through the outbound guard: a discovery URL that leads
inwards, endpoints away from the issuer, providers that trickle or flood, and anonymous
sign-in attempts that must not drive fetches."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from londonhub.integrations.oidc import services
from londonhub.platform.core import cache as shared_cache
from londonhub.platform.core import http
from londonhub.platform.core.extensions import db
from tests.platform.core.outbound_server import answer, huge_body, serve, trickle_body

from .provider import PROVIDER_WARNINGS
from .test_partner_admin import admin  # noqa: F401 - the hub admin's client fixture

pytestmark = PROVIDER_WARNINGS

EMAIL = "ada@camden.gov.uk"
INTERNAL = "internal-secret-7f3a"


def _partner(issuer: str, discovery_url: str | None = None, **extra: object) -> int:
    partner = services.create_partner(
        name="Camden Council",
        kind="council",
        domains=["camden.gov.uk"],
        issuer=issuer,
        discovery_url=discovery_url,
        client_id="hub-client",
        client_secret="secret",
        **extra,
    )
    db.session.commit()
    return partner.id


@contextmanager
def fake_provider(document: Callable[[str], dict]) -> Iterator[dict]:
    """A provider serving `document(base_url)` and an empty key set; counts every path."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    seen: list[str] = []

    @Request.application
    def app(request: Request) -> Response:
        seen.append(request.path)
        if request.path == "/.well-known/openid-configuration":
            body = document(base)
        elif request.path in ("/jwks", "/keys"):
            body = {"keys": [{"kty": "oct", "kid": "k1", "k": "c2VjcmV0"}]}
        else:
            return Response("not here", 404)
        return Response(json.dumps(body), content_type="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": base, "seen": seen, "port": server.server_port}
    finally:
        server.shutdown()
        server.server_close()


def document_with(**overrides: str) -> Callable[[str], dict]:
    def make(base: str) -> dict:
        document = {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        other = base.replace("127.0.0.1", "localhost")  # the same server, another origin
        document.update({k: v.format(base=base, other=other) for k, v in overrides.items()})
        return document

    return make


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/iam/", "https://intranet.example.com/secret"],
)
def test_a_discovery_url_redirecting_inwards_is_refused_and_nothing_shown(
    admin,  # noqa: F811
    monkeypatch,
    target: str,
) -> None:
    real = socket.getaddrinfo
    monkeypatch.setattr(
        http,
        "_getaddrinfo",
        lambda host, port, *a: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]
            if host == "intranet.example.com"
            else real(host, port, *a)
        ),
    )
    with serve(answer("302 Found", headers=(f"Location: {target}",))) as srv:
        partner_id = _partner(srv.url, srv.url + "/.well-known/openid-configuration")
        html = admin.post(f"/hub/partners/{partner_id}/test").get_data(as_text=True)
        assert "The connection has problems" in html
        assert "OutboundRefused" in html
        assert INTERNAL not in html and "<dt>Issuer</dt>" not in html
        assert len(srv.seen) == 1

        # Nor does an anonymous sign-in attempt fetch from there, however often it is made.
        people = [admin.application.test_client() for _ in range(3)]
        answers = [p.post("/login/sso", data={"email": EMAIL}).status_code for p in people]
        assert answers[0] == 503 and set(answers) <= {503, 429}  # 429: the view's throttle
        assert len(srv.seen) == 1, "the failure is remembered: no fetch per attempt"


def test_a_foreign_jwks_uri_is_refused_unless_a_hub_admin_allows_it(
    admin,  # noqa: F811
) -> None:
    # The keys are served by the same machine under another name: another origin.
    with fake_provider(document_with(jwks_uri="{other}/keys")) as provider:
        partner_id = _partner(provider["base"])
        html = admin.post(f"/hub/partners/{partner_id}/test").get_data(as_text=True)
        assert "The connection has problems" in html
        assert "jwks_uri" in html and "is not at the issuer&#39;s address" in html
        assert "/keys" not in provider["seen"], "a foreign key address is never fetched"
        response = admin.application.test_client().post("/login/sso", data={"email": EMAIL})
        assert response.status_code == 503
        assert "/keys" not in provider["seen"]

        partner = services.get_partner(partner_id)
        services.update_partner(
            partner,
            name=partner.name,
            kind=partner.kind,
            domains=["camden.gov.uk"],
            issuer=partner.issuer,
            client_id=partner.client_id,
            allow_foreign_endpoints=True,
        )
        db.session.commit()
        html = admin.post(f"/hub/partners/{partner_id}/test").get_data(as_text=True)
        assert "The connection works" in html, html
        assert provider["seen"].count("/keys") == 1


def test_a_token_endpoint_elsewhere_is_refused(admin) -> None:  # noqa: F811
    with fake_provider(document_with(token_endpoint="https://tokens.example.net/token")) as p:
        partner_id = _partner(p["base"])
        html = admin.post(f"/hub/partners/{partner_id}/test").get_data(as_text=True)
        assert "token_endpoint" in html and "The connection has problems" in html


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, app_config: dict) -> str:
    if request.param == "redis":
        app_config["REDIS_URL"] = request.getfixturevalue("redis_url")
    return request.param


def test_repeated_anonymous_sign_in_attempts_fetch_the_discovery_document_once(
    store: str, app: Flask, make_partner, provider
) -> None:
    partner = make_partner(provider)
    answers = [
        app.test_client().post("/login/sso", data={"email": EMAIL}).status_code for _ in range(5)
    ]
    assert answers[0] == 302 and set(answers) <= {302, 429}  # 429: the view's throttle
    assert provider.fetches() == 1
    if store == "redis":
        # Another process: nothing of ours in memory, the shared cache still answers.
        app.extensions.pop(shared_cache.CACHE_EXTENSION)
        services.registry()._clients.clear()
        app.test_client().post("/login/sso", data={"email": EMAIL})
        assert provider.fetches() == 1
    assert provider.fetches("/oauth2/jwks") == 0
    kind = shared_cache.RedisCache if store == "redis" else shared_cache.MemoryCache
    assert isinstance(shared_cache.cache(), kind) and partner.id


def test_a_provider_that_is_down_is_asked_once_a_minute_at_most(
    app: Flask, make_partner, provider
) -> None:
    make_partner(provider)
    provider.tamper.down = True
    answers = [
        app.test_client().post("/login/sso", data={"email": EMAIL}).status_code for _ in range(4)
    ]
    assert answers[0] == 503 and set(answers) <= {503, 429}
    assert provider.fetches() == 1


@pytest.fixture
def quick_deadline(app_config: dict) -> None:
    app_config["OIDC_HTTP_TIMEOUT_SECONDS"] = 1


@pytest.mark.usefixtures("quick_deadline")
@pytest.mark.parametrize("behave", [trickle_body, huge_body], ids=["trickle", "huge"])
def test_a_trickling_or_flooding_provider_costs_at_most_the_deadline(
    app: Flask,
    behave,
) -> None:
    with serve(behave) as srv:
        _partner(srv.url)
        started = time.monotonic()
        response = app.test_client().post("/login/sso", data={"email": EMAIL})
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < 4.0, elapsed  # the trickle alone would take 30 s
