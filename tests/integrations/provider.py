"""A real OpenID Connect provider for tests: `oidc-provider-mock` served over http on
127.0.0.1, with a small WSGI wrapper that can misbehave on purpose (wrong issuer, a token for
another client, an outage)."""

from __future__ import annotations

import base64
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

CALLBACK_PATH = "/login/sso/callback"

#: The provider runs in this process, on threads that see pytest's warning filters: its own
#: use of Authlib's deprecated server interfaces must not fail it (our code is not excused).
PROVIDER_WARNINGS = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]


@dataclass
class Tamper:
    """How the provider should misbehave; all off by default."""

    #: Host the token endpoint believes it serves: its ID tokens then carry another issuer.
    issuer_host: str | None = None
    #: (our client id, other client id, other secret): authorise and issue tokens for another
    #: client, so the ID token's audience is not ours.
    swap_client: tuple[str, str, str] | None = None
    #: Answer every request with 503.
    down: bool = False


@dataclass
class Provider:
    base_url: str
    tamper: Tamper = field(default_factory=Tamper)
    #: The path of every request the provider received, in order.
    paths: list[str] = field(default_factory=list)

    def fetches(self, path: str = "/.well-known/openid-configuration") -> int:
        return self.paths.count(path)

    @property
    def issuer(self) -> str:
        return self.base_url

    def register_client(self, *redirect_uris: str) -> tuple[str, str]:
        response = requests.post(
            f"{self.base_url}/oauth2/clients",
            json={"redirect_uris": list(redirect_uris)},
            timeout=5,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return body["client_id"], body["client_secret"]

    def set_user(self, sub: str, **claims: Any) -> None:
        response = requests.put(f"{self.base_url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """Complete the provider's authorisation form as `sub`; returns the callback URL."""
        assert authorization_url.startswith(self.base_url), authorization_url
        page = requests.get(authorization_url, timeout=5)
        assert page.status_code == 200, page.text[:500]
        response = requests.post(
            authorization_url, data={"sub": sub}, allow_redirects=False, timeout=5
        )
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


class _Wrapper:
    def __init__(self, app, tamper: Tamper, paths: list[str]) -> None:
        self.app = app
        self.tamper = tamper
        self.paths = paths

    def __call__(self, environ, start_response):
        self.paths.append(environ.get("PATH_INFO", ""))
        tamper = self.tamper
        if tamper.down:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down"]
        path = environ.get("PATH_INFO", "")
        if tamper.swap_client and path == "/oauth2/authorize":
            ours, theirs, _ = tamper.swap_client
            query = [
                (k, theirs if k == "client_id" and v == ours else v)
                for k, v in parse_qsl(environ.get("QUERY_STRING", ""))
            ]
            environ["QUERY_STRING"] = urlencode(query)
        if path == "/oauth2/token":
            if tamper.issuer_host:
                environ["HTTP_HOST"] = tamper.issuer_host
            if tamper.swap_client:
                _, theirs, secret = tamper.swap_client
                basic = base64.b64encode(f"{theirs}:{secret}".encode()).decode()
                environ["HTTP_AUTHORIZATION"] = f"Basic {basic}"
        return self.app(environ, start_response)


@contextmanager
def run_provider(access_token_max_age: timedelta = timedelta(hours=1)) -> Iterator[Provider]:
    """Start a provider on a free port of 127.0.0.1 (registration and nonce required)."""
    from werkzeug.serving import make_server

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package imports Authlib's deprecated jose
        import oidc_provider_mock

        app = oidc_provider_mock.app(
            require_client_registration=True,
            require_nonce=True,
            access_token_max_age=access_token_max_age,
        )
    tamper, paths = Tamper(), []
    server = make_server("127.0.0.1", 0, _Wrapper(app, tamper, paths), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}", tamper, paths)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def free_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == CALLBACK_PATH, url
    return f"{parts.path}?{parts.query}"
