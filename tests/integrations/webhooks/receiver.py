"""A real webhook receiver on 127.0.0.1 for the tests: it verifies each delivery as the
README tells receivers to (the `standardwebhooks` library: HMAC-SHA256 over id, timestamp and
body, a timestamp within five minutes), refuses an id it has already accepted, and answers
with the status a test sets. Everything it got, accepted or not, is kept."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    status: int
    verdict: str

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str | None = None
    #: What to answer to verified, new deliveries (a test can queue several).
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hooks"

    def verify(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """What the receiver decides: (status, verdict)."""
        if self.secret is None:
            return 500, "no secret configured"
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            return 400, f"refused: {exc}"
        msg_id = headers.get("webhook-id", "")
        with self._lock:
            if msg_id in self.seen_ids:
                return 409, "refused: already handled"
            status = self.answers.pop(0) if self.answers else 200
            if 200 <= status < 300:
                self.seen_ids.add(msg_id)
        return status, "accepted" if status < 300 else f"failed with {status}"

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """Offer a request as an attacker would (a captured delivery sent again)."""
        status, verdict = self.verify(body, headers)
        self._keep(body, headers, status, verdict)
        return status, verdict

    def _keep(self, body: bytes, headers: dict[str, str], status: int, verdict: str) -> None:
        with self._lock:
            self.received.append(Received(body, headers, status, verdict))

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, verdict = self.verify(body, headers)
        self._keep(body, headers, status, verdict)
        return Response(verdict, status)(environ, start_response)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.verdict == "accepted"]
