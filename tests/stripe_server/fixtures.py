"""Pytest fixtures for the fake Stripe server.

Use from any test module or conftest:

    from tests.stripe_server.fixtures import fake_stripe, webhook_receiver  # noqa: F401

or `pytest_plugins = ["tests.stripe_server.fixtures"]` in a conftest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .server import FakeStripe, _QuietHandler

__all__ = ["fake_stripe", "webhook_receiver", "WebhookReceiver", "FakeStripe"]


class WebhookReceiver:
    """A tiny webhook endpoint: records every POST (raw body and Stripe-Signature) and answers
    with `status` (200 unless a test changes it)."""

    def __init__(self) -> None:
        self.status = 200
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data(as_text=True)
        with self._lock:
            self.received.append(
                {
                    "path": request.path,
                    "body": body,
                    "signature": request.headers.get("Stripe-Signature"),
                    "content_type": request.headers.get("Content-Type"),
                }
            )
        return Response("", self.status)(environ, start_response)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/webhook"

    @property
    def events(self) -> list[dict[str, Any]]:
        """The received bodies, parsed (unverified)."""
        with self._lock:
            return [json.loads(r["body"]) for r in self.received]

    def start(self) -> WebhookReceiver:
        self._server = make_server(
            "127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    """A running `FakeStripe` (fresh state per test); `fake_stripe.base_url` for the app's
    `StripeClient(base_addresses=...)`, `fake_stripe.client()` for a ready client."""
    server = FakeStripe().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
