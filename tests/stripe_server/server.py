"""A local, stateful fake of the parts of the Stripe API this project calls.

`FakeStripe` is a werkzeug WSGI app served on 127.0.0.1 in a daemon thread. The API speaks
Stripe's wire format (form-encoded requests with nested `a[b][0][c]` keys, JSON responses,
Stripe-shaped errors) so `stripe.StripeClient` talks to it unchanged with
`base_addresses={"api": fake.base_url, ...}`. Every request parameter is checked against the
typed params the installed `stripe` package declares (see `schema.py`); parameters the package
declares but this fake does not model are refused with a clear message instead of being ignored.

Hosted pages stand in for Stripe Checkout (`/pay/{session}`) and Connect onboarding
(`/connect/onboard/{account}?link=...`). Events are signed like Stripe's and POSTed to the
configured webhook endpoints in the request thread, after the state change and before the API
response (deterministic for tests); with `auto_deliver = False` they queue for `deliver()`.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import socket
import string
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import stripe
import stripe.params as P
import stripe.params.checkout as PC
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .schema import ParamError, decode

__all__ = ["FakeStripe", "FakeStripeError", "CardDeclined", "DEFAULT_API_KEY"]

DEFAULT_API_KEY = "sk_test_fakestripe"
SUCCESS_CARD = "4242424242424242"
DECLINE_CARDS = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired."),
}
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "xaf"}
SYMBOLS = {"gbp": "£", "usd": "$", "eur": "€"}
MINIMUM_AMOUNT = {"gbp": 30, "usd": 50, "eur": 50}
ACCOUNT_LINK_TTL = 300
_ALPHABET = string.ascii_letters + string.digits


class FakeStripeError(Exception):
    """A control-API call the fake cannot perform (unknown id, wrong state)."""


class CardDeclined(FakeStripeError):
    def __init__(self, code: str, decline_code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code
        self.message = message


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if param is not None:
            self.body["param"] = param
        if code is not None:
            self.body["code"] = code
        self.body.update(extra)


def _invalid(message: str, param: str | None = None, code: str | None = None) -> _ApiError:
    return _ApiError(400, message, param=param, code=code)


def _not_modelled(param: str) -> _ApiError:
    return _invalid(
        f"FakeStripe does not model `{param}` (Stripe accepts it); extend "
        "tests/stripe_server/server.py if the app needs it.",
        param,
    )


def _missing(param: str) -> _ApiError:
    return _invalid(f"Missing required param: {param}.", param, "parameter_missing")


def _money(amount: int, currency: str) -> str:
    value = f"{amount}" if currency in ZERO_DECIMAL else f"{amount / 100:.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass
class _Endpoint:
    url: str
    secret: str
    connect: bool | None  # None: platform and Connect events; True: Connect only; False: platform


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    kind: str | None
    after_execution: bool


@dataclass
class _Ctx:
    scope: str | None = None  # the Stripe-Account a request acts as
    request_id: str | None = None
    idempotency_key: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class FakeStripe:
    """A fake Stripe: `start()`, point a `stripe.StripeClient` at `base_url`, drive it with the
    control methods below, `stop()`."""

    def __init__(
        self,
        *,
        auto_deliver: bool = True,
        api_version: str | None = None,
        webhook_timeout: float = 5.0,
    ) -> None:
        self.auto_deliver = auto_deliver
        self.api_version = api_version or stripe.api_version
        self.webhook_timeout = webhook_timeout
        self._lock = threading.RLock()
        self._objects: dict[str, dict[str, Any]] = {}
        self._scopes: dict[str, str | None] = {}
        self._sessions: dict[str, dict[str, Any]] = {}  # internal data per checkout session
        self._links: dict[str, dict[str, Any]] = {}  # account links by token
        self._idempotency: dict[tuple, dict[str, Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._ok: dict[str, set[str]] = {}  # event id -> endpoint urls that answered 2xx
        self._deliveries: list[dict[str, Any]] = []
        self._endpoints: list[_Endpoint] = []
        self._failures: list[_Failure] = []
        self._api_calls: list[dict[str, Any]] = []
        self._clock_offset = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -----------------------------------------------------------------------------------------
    # Lifecycle

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise FakeStripeError("FakeStripe is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeStripe:
        self._server = make_server(
            "127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-stripe",
            daemon=True,
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
            self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, api_key: str = DEFAULT_API_KEY, **kwargs: Any) -> stripe.StripeClient:
        """A `stripe.StripeClient` configured for this fake (as the app configures its own)."""
        kwargs.setdefault("stripe_version", self.api_version)
        kwargs.setdefault("max_network_retries", 0)
        base = self.base_url
        return stripe.StripeClient(
            api_key, base_addresses={"api": base, "connect": base, "files": base}, **kwargs
        )

    # -----------------------------------------------------------------------------------------
    # Control API: webhooks and events

    def configure_webhook(self, url: str, secret: str, *, connect: bool | None = None) -> None:
        """Send events to `url`, signed with `secret`. `connect=None` receives platform and Connect
        events (those with `account`); True only Connect events; False only platform events.
        Configuring the same url again replaces its secret and filter."""
        with self._lock:
            self._endpoints = [e for e in self._endpoints if e.url != url]
            self._endpoints.append(_Endpoint(url, secret, connect))

    def clear_webhooks(self) -> None:
        with self._lock:
            self._endpoints = []

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event, oldest first (copies)."""
        with self._lock:
            return copy.deepcopy(self._events)

    def events_of_type(self, type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == type]

    def pending_events(self) -> list[dict[str, Any]]:
        """Events not yet answered with 2xx by every endpoint that should receive them."""
        with self._lock:
            return copy.deepcopy([e for e in self._events if self._is_pending(e)])

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """One record per POST: event_id, type, url, status (None when unreachable), error."""
        with self._lock:
            return copy.deepcopy(self._deliveries)

    def deliver(self, event_id: str | None = None) -> list[dict[str, Any]]:
        """Deliver one event now (again, if it was delivered before) to every matching endpoint,
        or, without an id, every pending event in order. Returns the delivery records."""
        with self._lock:
            if event_id is not None:
                event = self._find_event(event_id)
                jobs = [(event, self._matching_endpoints(event))]
            else:
                jobs = [(e, self._pending_endpoints(e)) for e in self._events]
                jobs = [(e, eps) for e, eps in jobs if eps]
        records = []
        for event, endpoints in jobs:
            for endpoint in endpoints:
                records.append(self._post_event(event, endpoint))
        return records

    @property
    def api_calls(self) -> list[dict[str, Any]]:
        """Every API request: method, path, params, idempotency_key, stripe_account,
        stripe_version, status, replayed."""
        with self._lock:
            return copy.deepcopy(self._api_calls)

    def get(self, object_id: str) -> dict[str, Any]:
        """The current state of any object (a copy), whatever account it belongs to."""
        with self._lock:
            if object_id not in self._objects:
                raise FakeStripeError(f"no such object: {object_id}")
            return copy.deepcopy(self._objects[object_id])

    def all_objects(self) -> list[dict[str, Any]]:
        """Every stored object (sessions, intents, charges, refunds, accounts, transfers,
        disputes, events), as copies."""
        with self._lock:
            return copy.deepcopy(list(self._objects.values()))

    def advance_clock(self, seconds: int) -> None:
        """Move the fake's clock (object timestamps, session and link expiry) forward."""
        with self._lock:
            self._clock_offset += int(seconds)

    def now(self) -> int:
        return int(time.time()) + self._clock_offset

    # -----------------------------------------------------------------------------------------
    # Control API: actions a customer, Stripe or a connected account would take

    def pay_session(
        self, session_id: str, card: str = SUCCESS_CARD, *, email: str | None = None
    ) -> dict[str, Any]:
        """Pay a Checkout Session as the hosted page does. Raises `CardDeclined` for a declining
        test card (the session stays open). Returns the session."""
        return self._run(lambda ctx: self._pay(ctx, session_id, card, email))

    def expire_session(self, session_id: str) -> dict[str, Any]:
        def action(ctx: _Ctx) -> dict[str, Any]:
            session = self._session_or_fail(session_id)
            if session["status"] != "open":
                raise FakeStripeError(f"{session_id} is {session['status']}, not open")
            return self._expire(ctx, session)

        return self._run(action)

    def async_payment(self, session_id: str, succeed: bool | None) -> dict[str, Any]:
        """Pay with a delayed method (Bacs Direct Debit). An open session completes with
        payment_status "unpaid" (`checkout.session.completed`); then, unless `succeed` is None,
        the payment settles: `checkout.session.async_payment_succeeded` or `..._failed`.
        Call again with True/False later to settle a session left processing."""
        return self._run(lambda ctx: self._async_payment(ctx, session_id, succeed))

    def create_dispute(
        self, charge_id: str, amount: int | None = None, reason: str = "fraudulent"
    ) -> dict[str, Any]:
        """The cardholder disputes a charge: `charge.dispute.created`. Returns the dispute."""
        return self._run(lambda ctx: self._create_dispute(ctx, charge_id, amount, reason))

    def close_dispute(self, dispute_id: str, won: bool) -> dict[str, Any]:
        """The dispute is decided: `charge.dispute.closed` with status won or lost."""
        return self._run(lambda ctx: self._close_dispute(ctx, dispute_id, won))

    def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """The connected account finishes onboarding: `account.updated` with `account` set."""
        return self._run(lambda ctx: self._complete_onboarding(ctx, account_id))

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int = 500,
        kind: str | None = None,
        *,
        after_execution: bool = False,
    ) -> None:
        """Make the next API call matching `method` and `path_prefix` fail: with `status` (a
        Stripe-shaped error body), `kind="card_declined"` (402 card_error) or `kind="network"`
        (the connection is dropped without a response). Failures queue in order.

        By default the call fails before it executes (no state change, nothing stored for its
        Idempotency-Key). With `after_execution=True` it executes (objects, events, the stored
        idempotent result) and only the response is lost: a retry with the same key gets the
        original result."""
        if kind not in (None, "card_declined", "network"):
            raise ValueError(f"unknown failure kind: {kind}")
        with self._lock:
            self._failures.append(
                _Failure(method.upper(), path_prefix, status, kind, after_execution)
            )

    # -----------------------------------------------------------------------------------------
    # Internals: ids, storage, events

    def _id(self, prefix: str, length: int = 24) -> str:
        return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))

    def _store(self, obj: dict[str, Any], scope: str | None) -> dict[str, Any]:
        self._objects[obj["id"]] = obj
        self._scopes[obj["id"]] = scope
        return obj

    def _lookup(self, object_id: str, kind: str, scope: str | None, param: str = "id") -> dict:
        obj = self._objects.get(object_id)
        if obj is None or obj.get("object") != kind or self._scopes.get(object_id) != scope:
            raise _ApiError(
                404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing"
            )
        return obj

    def _session_or_fail(self, session_id: str) -> dict[str, Any]:
        obj = self._objects.get(session_id)
        if obj is None or obj.get("object") != "checkout.session":
            raise FakeStripeError(f"no such checkout session: {session_id}")
        return obj

    def _run(self, action: Callable[[_Ctx], dict[str, Any]]) -> dict[str, Any]:
        """A control-API action: change state under the lock, then deliver its events."""
        ctx = _Ctx()
        try:
            with self._lock:
                result = copy.deepcopy(action(ctx))
        except _ApiError as exc:
            raise FakeStripeError(exc.body["message"]) from None
        finally:
            self._after(ctx)
        return result

    def _after(self, ctx: _Ctx) -> None:
        if ctx.events and self.auto_deliver:
            for event in ctx.events:
                with self._lock:
                    endpoints = self._pending_endpoints(event)
                for endpoint in endpoints:
                    self._post_event(event, endpoint)

    def _emit(
        self,
        ctx: _Ctx,
        type: str,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        account = account if account is not None else ctx.scope
        event: dict[str, Any] = {"id": self._id("evt_1"), "object": "event"}
        if account:
            event["account"] = account
        event.update(
            {
                "api_version": self.api_version,
                "created": self.now(),
                "data": {"object": copy.deepcopy(obj)},
                "livemode": False,
                "pending_webhooks": 0,
                "request": {"id": ctx.request_id, "idempotency_key": ctx.idempotency_key},
                "type": type,
            }
        )
        if previous:
            event["data"]["previous_attributes"] = copy.deepcopy(previous)
        event["pending_webhooks"] = len(self._matching_endpoints(event))
        self._events.append(event)
        self._ok[event["id"]] = set()
        self._store(event, account)
        ctx.events.append(event)
        return event

    def _find_event(self, event_id: str) -> dict[str, Any]:
        for event in self._events:
            if event["id"] == event_id:
                return event
        raise FakeStripeError(f"no such event: {event_id}")

    def _matching_endpoints(self, event: dict[str, Any]) -> list[_Endpoint]:
        is_connect = bool(event.get("account"))
        return [e for e in self._endpoints if e.connect is None or e.connect == is_connect]

    def _is_pending(self, event: dict[str, Any]) -> bool:
        """No endpoint to receive it yet, or one that has not answered 2xx."""
        return not self._matching_endpoints(event) or bool(self._pending_endpoints(event))

    def _pending_endpoints(self, event: dict[str, Any]) -> list[_Endpoint]:
        ok = self._ok.get(event["id"], set())
        matching = self._matching_endpoints(event)
        return [e for e in matching if e.url not in ok]

    def _post_event(self, event: dict[str, Any], endpoint: _Endpoint) -> dict[str, Any]:
        with self._lock:
            payload = json.dumps(event, indent=2)
        timestamp = int(time.time())  # real time: receivers check the signature's age
        signature = hmac.new(
            endpoint.secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
        ).hexdigest()
        request = urllib.request.Request(
            endpoint.url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": f"t={timestamp},v1={signature}",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        status: int | None = None
        error: str | None = None
        try:
            with self._opener.open(request, timeout=self.webhook_timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except (OSError, urllib.error.URLError) as exc:
            error = repr(exc)
        record = {
            "event_id": event["id"],
            "type": event["type"],
            "url": endpoint.url,
            "status": status,
            "error": error,
        }
        with self._lock:
            self._deliveries.append(record)
            if status is not None and 200 <= status < 300:
                self._ok[event["id"]].add(endpoint.url)
                event["pending_webhooks"] = len(self._pending_endpoints(event))
        return dict(record)

    # -----------------------------------------------------------------------------------------
    # WSGI

    def __call__(self, environ: dict, start_response: Callable) -> Iterator[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith("/v1/"):
            response = self._api(request, environ)
        elif path.startswith("/pay/"):
            response = self._pay_page(request, path.removeprefix("/pay/"))
        elif path.startswith("/connect/onboard/"):
            response = self._onboard_page(request, path.removeprefix("/connect/onboard/"))
        else:
            response = _page("Not found", "<h1>Not found</h1>", 404)
        return response(environ, start_response)

    _ROUTES: list[tuple[str, re.Pattern[str], str, type]] = [
        (
            "POST",
            re.compile(r"/v1/checkout/sessions"),
            "_api_create_session",
            PC.SessionCreateParams,
        ),
        (
            "GET",
            re.compile(r"/v1/checkout/sessions/([^/]+)"),
            "_api_get_session",
            PC.SessionRetrieveParams,
        ),
        (
            "POST",
            re.compile(r"/v1/checkout/sessions/([^/]+)/expire"),
            "_api_expire_session",
            PC.SessionExpireParams,
        ),
        (
            "GET",
            re.compile(r"/v1/payment_intents/([^/]+)"),
            "_api_get_payment_intent",
            P.PaymentIntentRetrieveParams,
        ),
        ("GET", re.compile(r"/v1/charges/([^/]+)"), "_api_get_charge", P.ChargeRetrieveParams),
        ("POST", re.compile(r"/v1/refunds"), "_api_create_refund", P.RefundCreateParams),
        ("GET", re.compile(r"/v1/refunds/([^/]+)"), "_api_get_refund", P.RefundRetrieveParams),
        ("POST", re.compile(r"/v1/accounts"), "_api_create_account", P.AccountCreateParams),
        ("GET", re.compile(r"/v1/accounts/([^/]+)"), "_api_get_account", P.AccountRetrieveParams),
        (
            "POST",
            re.compile(r"/v1/account_links"),
            "_api_create_account_link",
            P.AccountLinkCreateParams,
        ),
        ("POST", re.compile(r"/v1/transfers"), "_api_create_transfer", P.TransferCreateParams),
        (
            "GET",
            re.compile(r"/v1/transfers/([^/]+)"),
            "_api_get_transfer",
            P.TransferRetrieveParams,
        ),
        (
            "POST",
            re.compile(r"/v1/transfers/([^/]+)/reversals"),
            "_api_create_transfer_reversal",
            P.TransferReversalCreateParams,
        ),
        ("GET", re.compile(r"/v1/disputes/([^/]+)"), "_api_get_dispute", P.DisputeRetrieveParams),
        ("GET", re.compile(r"/v1/events/([^/]+)"), "_api_get_event", P.EventRetrieveParams),
    ]

    def _api(self, request: Request, environ: dict) -> Response:
        request_id = self._id("req_", 14)
        idempotency_key = request.headers.get("Idempotency-Key")
        scope = request.headers.get("Stripe-Account") or None
        version = request.headers.get("Stripe-Version")
        call: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "params": None,
            "idempotency_key": idempotency_key,
            "stripe_account": scope,
            "stripe_version": version,
            "status": None,
            "replayed": False,
        }
        with self._lock:
            self._api_calls.append(call)
        ctx = _Ctx(scope=scope, request_id=request_id, idempotency_key=idempotency_key)
        headers = {"Request-Id": request_id, "Stripe-Version": version or self.api_version}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key

        def respond(status: int, body: dict[str, Any], **extra: str) -> Response:
            call["status"] = status
            return Response(
                json.dumps(body, indent=2),
                status,
                headers={**headers, **extra},
                content_type="application/json",
            )

        def error(exc: _ApiError) -> Response:
            return respond(exc.status, {"error": exc.body})

        # Authentication, then routing, as Stripe does.
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return error(
                _ApiError(
                    401,
                    "You did not provide an API key. You need to provide your API key in the "
                    "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                    "YOUR_SECRET_KEY').",
                )
            )
        key = auth.removeprefix("Bearer ").strip()
        if not re.fullmatch(r"sk_test_[A-Za-z0-9_]+", key):
            shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:]
            return error(
                _ApiError(401, f"Invalid API Key provided: {shown}", code="api_key_invalid")
            )
        route = self._route(request.method, request.path)
        if route is None:
            return error(
                _ApiError(
                    404,
                    f"Unrecognized request URL ({request.method}: {request.path}). "
                    "FakeStripe does not implement it (see tests/stripe_server/server.py).",
                )
            )
        handler_name, args, params_class = route
        if version is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?", version):
            return error(_invalid(f"Invalid Stripe API version: {version}"))
        if scope is not None:
            with self._lock:
                known = self._objects.get(scope, {}).get("object") == "account"
            if not known:
                return error(
                    _ApiError(
                        403,
                        f"The provided key '{key[:8]}***' does not have access to account "
                        f"'{scope}' (or that account does not exist). Application access may "
                        "have been revoked.",
                        code="account_invalid",
                    )
                )

        failure = self._take_failure(request.method, request.path)
        if failure is not None and not failure.after_execution:
            return self._failure_response(failure, environ, respond)

        try:
            items = list((request.form if request.method == "POST" else request.args).items(True))
            params = decode(items, params_class)
        except ParamError as exc:
            return error(_invalid(exc.message, exc.param))
        call["params"] = params

        idem_scope = (key, scope, idempotency_key)
        fingerprint = (request.method, request.path, json.dumps(params, sort_keys=True))
        try:
            with self._lock:
                stored = self._idempotency.get(idem_scope) if request.method == "POST" else None
                if stored is not None:
                    if stored["fingerprint"] != fingerprint:
                        raise _ApiError(
                            400,
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{idempotency_key}' if you meant to execute a different request.",
                            type="idempotency_error",
                        )
                    call["replayed"] = True
                    status, body = stored["status"], stored["body"]
                else:
                    try:
                        result = getattr(self, handler_name)(ctx, params, *args)
                        expand = params.get("expand") or []
                        status, body = 200, self._expand(copy.deepcopy(result), expand, ctx)
                    except _ApiError as exc:
                        status, body = exc.status, {"error": exc.body}
                    except Exception as exc:  # a bug in the fake: say so through the API
                        traceback.print_exc()
                        message = f"FakeStripe internal error: {exc!r}"
                        status, body = 500, {"error": {"type": "api_error", "message": message}}
                    if request.method == "POST" and idempotency_key:
                        self._idempotency[idem_scope] = {
                            "fingerprint": fingerprint,
                            "status": status,
                            "body": body,
                        }
        except _ApiError as exc:
            return error(exc)
        finally:
            self._after(ctx)
        if failure is not None:
            return self._failure_response(failure, environ, respond)
        if call["replayed"]:
            return respond(status, body, **{"Idempotent-Replayed": "true"})
        return respond(status, body)

    def _route(self, method: str, path: str) -> tuple[str, tuple[str, ...], type] | None:
        for route_method, pattern, handler, params_class in self._ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return handler, match.groups(), params_class
        return None

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        with self._lock:
            for i, failure in enumerate(self._failures):
                if failure.method == method and path.startswith(failure.path_prefix):
                    return self._failures.pop(i)
        return None

    def _failure_response(
        self, failure: _Failure, environ: dict, respond: Callable[..., Response]
    ) -> Response:
        if failure.kind == "network":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                # No response at all: the client sees the connection end. werkzeug's later
                # write fails with BrokenPipeError, which its server treats as a dropped client.
                sock.shutdown(socket.SHUT_RDWR)
            return Response(b"", 500)  # never sent
        if failure.kind == "card_declined":
            return respond(
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": "generic_decline",
                        "message": "Your card was declined.",
                    }
                },
            )
        if failure.status == 429:
            body = {
                "type": "invalid_request_error",
                "code": "rate_limit",
                "message": "Too many requests hit the API too quickly. (FakeStripe.fail_next)",
            }
        elif failure.status >= 500:
            body = {
                "type": "api_error",
                "message": "An unknown error occurred on Stripe's side. (FakeStripe.fail_next)",
            }
        else:
            body = {
                "type": "invalid_request_error",
                "message": f"Injected failure {failure.status}. (FakeStripe.fail_next)",
            }
        return respond(failure.status, {"error": body})

    def _expand(self, obj: dict[str, Any], paths: list[str], ctx: _Ctx) -> dict[str, Any]:
        for path in paths:
            node: Any = obj
            parts = path.split(".")
            for i, part in enumerate(parts):
                if not isinstance(node, dict) or part not in node:
                    raise _invalid(
                        f"This property cannot be expanded ({'.'.join(parts[: i + 1])}).",
                        "expand",
                    )
                value = node[part]
                if isinstance(value, str):
                    if value not in self._objects or self._scopes.get(value) != ctx.scope:
                        raise _invalid(
                            f"This property cannot be expanded ({'.'.join(parts[: i + 1])}).",
                            "expand",
                        )
                    value = node[part] = copy.deepcopy(self._objects[value])
                if value is None:
                    break
                node = value
        return obj

    # -----------------------------------------------------------------------------------------
    # Checkout Sessions

    _SESSION_PARAMS = {
        "mode",
        "line_items",
        "client_reference_id",
        "metadata",
        "customer_email",
        "success_url",
        "cancel_url",
        "expires_at",
        "payment_intent_data",
        "payment_method_types",
        "locale",
        "submit_type",
        "currency",
        "expand",
    }
    _PAYMENT_INTENT_DATA = {
        "application_fee_amount",
        "description",
        "metadata",
        "receipt_email",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_data",
        "transfer_group",
        "capture_method",
    }

    def _api_create_session(self, ctx: _Ctx, p: dict[str, Any]) -> dict[str, Any]:
        for key in p:
            if key not in self._SESSION_PARAMS:
                raise _not_modelled(key)
        if "mode" not in p:
            raise _missing("mode")
        if p["mode"] != "payment":
            raise _not_modelled("mode")
        if not p.get("success_url"):
            raise _missing("success_url")
        for name in ("success_url", "cancel_url"):
            if name in p and not _valid_url(p[name]):
                raise _invalid(f"Not a valid URL: {name}", name, "url_invalid")
        if "customer_email" in p and not re.fullmatch(
            r"[^@\s]+@[^@\s]+\.[^@\s]+", p["customer_email"]
        ):
            raise _invalid(
                f"Invalid email address: {p['customer_email']}", "customer_email", "email_invalid"
            )
        if len(p.get("client_reference_id") or "") > 200:
            raise _invalid(
                "client_reference_id must be at most 200 characters", "client_reference_id"
            )
        line_items = p.get("line_items") or []
        if not line_items:
            raise _invalid("`line_items` is required in `payment` mode.", "line_items")
        items = []
        currency = p.get("currency", "").lower() or None
        for i, item in enumerate(line_items):
            name = f"line_items[{i}]"
            for key in item:
                if key not in ("price_data", "quantity"):
                    raise _not_modelled(f"{name}[{key}]")
            if "price_data" not in item:
                raise _invalid(f"You must specify either `price` or `price_data` in {name}.", name)
            pd = item["price_data"]
            for key in pd:
                if key not in ("currency", "unit_amount", "product_data"):
                    raise _not_modelled(f"{name}[price_data][{key}]")
            if "unit_amount" not in pd:
                raise _missing(f"{name}[price_data][unit_amount]")
            if pd["unit_amount"] < 0:
                raise _invalid("Invalid non-negative integer", f"{name}[price_data][unit_amount]")
            if "product_data" not in pd:
                raise _invalid(
                    f"You must specify either `product` or `product_data` in {name}[price_data].",
                    f"{name}[price_data][product_data]",
                )
            for key in pd["product_data"]:
                if key not in ("name", "description"):
                    raise _not_modelled(f"{name}[price_data][product_data][{key}]")
            if "quantity" not in item:
                raise _invalid(
                    f"Quantity is required. Add `quantity` to `{name}`.", f"{name}[quantity]"
                )
            if item["quantity"] < 1:
                raise _invalid("Invalid positive integer", f"{name}[quantity]")
            item_currency = pd["currency"].lower()
            if currency is None:
                currency = item_currency
            elif item_currency != currency:
                raise _invalid(
                    "All line items must use the same currency.", f"{name}[price_data][currency]"
                )
            items.append(
                {
                    "name": pd["product_data"]["name"],
                    "description": pd["product_data"].get("description"),
                    "unit_amount": pd["unit_amount"],
                    "quantity": item["quantity"],
                    "currency": item_currency,
                }
            )
        assert currency is not None
        total = sum(i["unit_amount"] * i["quantity"] for i in items)
        minimum = MINIMUM_AMOUNT.get(currency, 50)
        if total < minimum:
            raise _invalid(
                "The Checkout Session's total amount due must add up to at least "
                f"{_money(minimum, currency)} {currency}",
                "line_items",
                "amount_too_small",
            )
        now = self.now()
        expires_at = p.get("expires_at", now + 86400)
        if expires_at < now + 1800:
            raise _invalid(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
                "creation.",
                "expires_at",
            )
        if expires_at > now + 86400:
            raise _invalid(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                "creation.",
                "expires_at",
            )
        pid = p.get("payment_intent_data") or {}
        for key in pid:
            if key not in self._PAYMENT_INTENT_DATA:
                raise _not_modelled(f"payment_intent_data[{key}]")
        if pid.get("capture_method") == "manual":
            raise _not_modelled("payment_intent_data[capture_method]")
        transfer_data = pid.get("transfer_data")
        if transfer_data:
            if ctx.scope:
                raise _invalid(
                    "You cannot create a destination charge on behalf of a connected account "
                    "(Stripe-Account header).",
                    "payment_intent_data[transfer_data]",
                )
            self._check_destination(
                transfer_data["destination"], "payment_intent_data[transfer_data][destination]"
            )
            if "amount" in transfer_data:
                if "application_fee_amount" in pid:
                    raise _invalid(
                        "You cannot set both `application_fee_amount` and `transfer_data[amount]`.",
                        "payment_intent_data[application_fee_amount]",
                    )
                if transfer_data["amount"] > total:
                    raise _invalid(
                        "transfer_data[amount] cannot exceed the amount of the payment.",
                        "payment_intent_data[transfer_data][amount]",
                    )
        if "application_fee_amount" in pid:
            if not transfer_data and not ctx.scope:
                raise _invalid(
                    "Can only apply an application_fee_amount when the PaymentIntent is "
                    "attempting a direct payment (using an OAuth key or Stripe-Account header) "
                    "or destination payment (using `transfer_data[destination]`).",
                    "payment_intent_data[application_fee_amount]",
                )
            if not 0 <= pid["application_fee_amount"] <= total:
                raise _invalid(
                    "The application fee must be between 0 and the amount of the payment.",
                    "payment_intent_data[application_fee_amount]",
                )

        session_id = self._id("cs_test_a1", 56)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": p.get("cancel_url"),
            "client_reference_id": p.get("client_reference_id"),
            "client_secret": None,
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": p.get("customer_email"),
            "expires_at": expires_at,
            "invoice": None,
            "livemode": False,
            "locale": p.get("locale"),
            "metadata": p.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": "if_required",
            "payment_method_types": p.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "recovered_from": None,
            "setup_intent": None,
            "status": "open",
            "submit_type": p.get("submit_type"),
            "subscription": None,
            "success_url": p["success_url"],
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{session_id}",
        }
        self._sessions[session_id] = {"line_items": items, "payment_intent_data": pid}
        return self._store(session, ctx.scope)

    def _check_destination(self, account_id: str, param: str) -> dict[str, Any]:
        account = self._objects.get(account_id)
        if account is None or account.get("object") != "account":
            raise _invalid(f"No such destination: '{account_id}'", param, "resource_missing")
        if account["capabilities"].get("transfers") != "active":
            raise _invalid(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param,
                "insufficient_capabilities_for_transfer",
            )
        return account

    def _api_get_session(self, ctx: _Ctx, p: dict, session_id: str) -> dict[str, Any]:
        session = self._lookup(session_id, "checkout.session", ctx.scope, "session")
        self._maybe_expire(ctx, session)
        return session

    def _api_expire_session(self, ctx: _Ctx, p: dict, session_id: str) -> dict[str, Any]:
        session = self._lookup(session_id, "checkout.session", ctx.scope, "session")
        self._maybe_expire(ctx, session)
        if session["status"] != "open":
            raise _invalid(
                f'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session["status"]}".',
                code="checkout_session_not_open",
            )
        return self._expire(ctx, session)

    def _maybe_expire(self, ctx: _Ctx, session: dict[str, Any]) -> None:
        if session["status"] == "open" and self.now() >= session["expires_at"]:
            self._expire(ctx, session)

    def _expire(self, ctx: _Ctx, session: dict[str, Any]) -> dict[str, Any]:
        session.update(status="expired", url=None)
        scope = self._scopes[session["id"]]
        self._emit(ctx, "checkout.session.expired", session, account=scope)
        return session

    def _ensure_payment_intent(self, ctx: _Ctx, session: dict[str, Any], scope: str | None):
        if session["payment_intent"]:
            return self._objects[session["payment_intent"]]
        pid = self._sessions[session["id"]]["payment_intent_data"]
        transfer_data = pid.get("transfer_data")
        intent_id = self._id("pi_3")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": 0,
            "application": None,
            "application_fee_amount": pid.get("application_fee_amount"),
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": pid.get("capture_method", "automatic_async"),
            "client_secret": f"{intent_id}_secret_{self._id('', 25)}",
            "confirmation_method": "automatic",
            "created": self.now(),
            "currency": session["currency"],
            "customer": None,
            "description": pid.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(pid.get("metadata") or {}),
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": None,
            "payment_method_types": list(session["payment_method_types"]),
            "receipt_email": pid.get("receipt_email"),
            "setup_future_usage": None,
            "shipping": None,
            "statement_descriptor": pid.get("statement_descriptor"),
            "statement_descriptor_suffix": pid.get("statement_descriptor_suffix"),
            "status": "requires_payment_method",
            "transfer_data": (
                {"amount": transfer_data.get("amount"), "destination": transfer_data["destination"]}
                if transfer_data
                else None
            ),
            "transfer_group": pid.get("transfer_group"),
        }
        self._store(intent, scope)
        session["payment_intent"] = intent_id
        self._emit(ctx, "payment_intent.created", intent, account=scope)
        return intent

    def _new_charge(
        self, intent: dict[str, Any], scope: str | None, method: dict[str, Any], email: str | None
    ) -> dict[str, Any]:
        charge_id = self._id("ch_3")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": intent["application_fee_amount"],
            "balance_transaction": None,
            "billing_details": {"address": None, "email": email, "name": None, "phone": None},
            "captured": False,
            "created": self.now(),
            "currency": intent["currency"],
            "customer": None,
            "description": intent["description"],
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "on_behalf_of": None,
            "outcome": None,
            "paid": False,
            "payment_intent": intent["id"],
            "payment_method": self._id("pm_1"),
            "payment_method_details": method,
            "receipt_email": intent["receipt_email"],
            "refunded": False,
            "refunds": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/charges/{charge_id}/refunds",
            },
            "review": None,
            "shipping": None,
            "source_transfer": None,
            "statement_descriptor": intent["statement_descriptor"],
            "statement_descriptor_suffix": intent["statement_descriptor_suffix"],
            "status": "pending",
            "transfer": None,
            "transfer_data": intent["transfer_data"],
            "transfer_group": intent["transfer_group"],
        }
        return self._store(charge, scope)

    def _charge_succeeded(self, ctx: _Ctx, charge: dict, intent: dict, scope: str | None) -> None:
        charge.update(
            status="succeeded",
            paid=True,
            captured=True,
            amount_captured=charge["amount"],
            balance_transaction=self._id("txn_3"),
            outcome={
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
        )
        if charge["application_fee_amount"] is not None:
            charge["application_fee"] = self._id("fee_1")
        intent.update(status="succeeded", amount_received=intent["amount"])
        intent["latest_charge"] = charge["id"]
        self._emit(ctx, "charge.succeeded", charge, account=scope)
        self._emit(ctx, "payment_intent.succeeded", intent, account=scope)
        transfer_data = intent["transfer_data"]
        if transfer_data:
            amount = transfer_data["amount"]
            if amount is None:
                amount = charge["amount"] - (charge["application_fee_amount"] or 0)
            transfer = self._new_transfer(
                amount,
                charge["currency"],
                transfer_data["destination"],
                charge["transfer_group"],
                {},
                charge["id"],
            )
            charge["transfer"] = transfer["id"]
            self._emit(ctx, "transfer.created", transfer, account=None)

    def _charge_failed(
        self, ctx: _Ctx, charge: dict, intent: dict, scope: str | None, failure: tuple
    ) -> None:
        code, decline, message = failure
        charge.update(
            status="failed",
            failure_code=code,
            failure_message=message,
            outcome={
                "network_status": "declined_by_network",
                "reason": decline,
                "risk_level": "normal",
                "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined",
            },
        )
        intent.update(
            status="requires_payment_method",
            latest_charge=charge["id"],
            last_payment_error={
                "charge": charge["id"],
                "code": code,
                "decline_code": decline,
                "message": message,
                "type": "card_error",
            },
        )
        self._emit(ctx, "charge.failed", charge, account=scope)
        self._emit(ctx, "payment_intent.payment_failed", intent, account=scope)

    def _pay(self, ctx: _Ctx, session_id: str, card: str, email: str | None) -> dict[str, Any]:
        session = self._session_or_fail(session_id)
        self._maybe_expire(ctx, session)
        if session["status"] != "open":
            raise FakeStripeError(f"{session_id} is {session['status']}, not open")
        digits = re.sub(r"[\s-]", "", card or "")
        if not re.fullmatch(r"\d{12,19}", digits) or not _luhn(digits):
            raise CardDeclined("invalid_number", "invalid_number", "Your card number is invalid.")
        scope = self._scopes[session_id]
        email = session["customer_email"] or email or None
        intent = self._ensure_payment_intent(ctx, session, scope)
        method = {
            "type": "card",
            "card": {
                "brand": {"4": "visa", "5": "mastercard", "3": "amex"}.get(digits[0], "unknown"),
                "country": "GB",
                "exp_month": 12,
                "exp_year": time.gmtime().tm_year + 3,
                "funding": "credit",
                "last4": digits[-4:],
            },
        }
        charge = self._new_charge(intent, scope, method, email)
        intent["payment_method"] = charge["payment_method"]
        if digits in DECLINE_CARDS:
            code, decline, message = DECLINE_CARDS[digits]
            self._charge_failed(ctx, charge, intent, scope, DECLINE_CARDS[digits])
            raise CardDeclined(code, decline, message)
        self._charge_succeeded(ctx, charge, intent, scope)
        session.update(
            status="complete",
            payment_status="paid",
            url=None,
            customer_details=self._customer_details(email),
        )
        self._emit(ctx, "checkout.session.completed", session, account=scope)
        return session

    @staticmethod
    def _customer_details(email: str | None) -> dict[str, Any]:
        return {
            "address": None,
            "email": email,
            "name": None,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }

    def _async_payment(self, ctx: _Ctx, session_id: str, succeed: bool | None) -> dict[str, Any]:
        session = self._session_or_fail(session_id)
        scope = self._scopes[session_id]
        if session["status"] == "open":
            intent = self._ensure_payment_intent(ctx, session, scope)
            method = {
                "type": "bacs_debit",
                "bacs_debit": {"last4": "2345", "sort_code": "108800", "fingerprint": None},
            }
            charge = self._new_charge(intent, scope, method, session["customer_email"])
            intent.update(status="processing", latest_charge=charge["id"])
            intent["payment_method"] = charge["payment_method"]
            intent["payment_method_types"] = ["bacs_debit"]
            self._emit(ctx, "charge.pending", charge, account=scope)
            self._emit(ctx, "payment_intent.processing", intent, account=scope)
            session.update(
                status="complete",
                payment_status="unpaid",
                url=None,
                customer_details=self._customer_details(session["customer_email"]),
            )
            self._emit(ctx, "checkout.session.completed", session, account=scope)
        if succeed is None:
            return session
        intent = self._objects.get(session["payment_intent"] or "")
        if session["status"] != "complete" or intent is None or intent["status"] != "processing":
            raise FakeStripeError(f"{session_id} has no payment processing")
        charge = self._objects[intent["latest_charge"]]
        if succeed:
            self._charge_succeeded(ctx, charge, intent, scope)
            session["payment_status"] = "paid"
            self._emit(ctx, "checkout.session.async_payment_succeeded", session, account=scope)
        else:
            unauthorised = (
                "The customer has notified their bank that this payment was unauthorised."
            )
            failure = ("debit_not_authorized", "debit_not_authorized", unauthorised)
            self._charge_failed(ctx, charge, intent, scope, failure)
            self._emit(ctx, "checkout.session.async_payment_failed", session, account=scope)
        return session

    # -----------------------------------------------------------------------------------------
    # Payment intents, charges, refunds, disputes

    def _api_get_payment_intent(self, ctx: _Ctx, p: dict, intent_id: str) -> dict[str, Any]:
        intent = self._lookup(intent_id, "payment_intent", ctx.scope, "intent")
        if "client_secret" in p and p["client_secret"] != intent["client_secret"]:
            raise _invalid("The client_secret provided does not match.", "client_secret")
        return intent

    def _api_get_charge(self, ctx: _Ctx, p: dict, charge_id: str) -> dict[str, Any]:
        return self._lookup(charge_id, "charge", ctx.scope, "charge")

    def _api_get_refund(self, ctx: _Ctx, p: dict, refund_id: str) -> dict[str, Any]:
        return self._lookup(refund_id, "refund", ctx.scope, "refund")

    def _api_get_dispute(self, ctx: _Ctx, p: dict, dispute_id: str) -> dict[str, Any]:
        return self._lookup(dispute_id, "dispute", ctx.scope, "dispute")

    def _api_get_event(self, ctx: _Ctx, p: dict, event_id: str) -> dict[str, Any]:
        return self._lookup(event_id, "event", ctx.scope, "id")

    _REFUND_PARAMS = {
        "amount",
        "charge",
        "payment_intent",
        "metadata",
        "reason",
        "reverse_transfer",
        "refund_application_fee",
        "expand",
    }

    def _api_create_refund(self, ctx: _Ctx, p: dict[str, Any]) -> dict[str, Any]:
        for key in p:
            if key not in self._REFUND_PARAMS:
                raise _not_modelled(key)
        if "charge" not in p and "payment_intent" not in p:
            raise _invalid(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                code="parameter_missing",
            )
        if "payment_intent" in p:
            intent = self._lookup(
                p["payment_intent"], "payment_intent", ctx.scope, "payment_intent"
            )
            if intent["status"] != "succeeded" or not intent["latest_charge"]:
                raise _invalid(
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge to "
                    "refund.",
                    "payment_intent",
                    "charge_not_refundable",
                )
            charge = self._objects[intent["latest_charge"]]
            if "charge" in p and p["charge"] != charge["id"]:
                raise _invalid(
                    f"The charge {p['charge']} does not belong to {intent['id']}.", "charge"
                )
        else:
            charge = self._lookup(p["charge"], "charge", ctx.scope, "charge")
        if charge["status"] != "succeeded":
            raise _invalid(
                f"Charge {charge['id']} has status {charge['status']} and cannot be refunded.",
                "charge",
                "charge_not_refundable",
            )
        if charge["disputed"]:
            raise _invalid(
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise _invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = p.get("amount", remaining)
        if amount <= 0:
            raise _invalid("Invalid positive integer", "amount")
        currency = charge["currency"]
        if amount > remaining:
            raise _invalid(
                f"Refund amount ({_money(amount, currency)}) is greater than unrefunded amount "
                f"on charge ({_money(remaining, currency)})",
                "amount",
                "amount_too_large",
            )
        scope = ctx.scope
        refund = {
            "id": self._id("re_3"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": self._id("txn_3"),
            "charge": charge["id"],
            "created": self.now(),
            "currency": currency,
            "metadata": p.get("metadata") or {},
            "payment_intent": charge["payment_intent"],
            "reason": p.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        reversal = None
        if p.get("reverse_transfer") and charge["transfer"]:
            transfer = self._objects[charge["transfer"]]
            available = transfer["amount"] - transfer["amount_reversed"]
            reversal = min(available, round(amount * transfer["amount"] / charge["amount"]))
            if reversal > 0:
                refund["transfer_reversal"] = self._id("trr_1")
                transfer["amount_reversed"] += reversal
                transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
                transfer["reversals"]["data"].insert(
                    0,
                    {
                        "id": refund["transfer_reversal"],
                        "object": "transfer_reversal",
                        "amount": reversal,
                        "created": self.now(),
                        "currency": currency,
                        "metadata": {},
                        "source_refund": refund["id"],
                        "transfer": transfer["id"],
                    },
                )
        self._store(refund, scope)
        previous = {
            "amount_refunded": charge["amount_refunded"],
            "refunded": charge["refunded"],
        }
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        self._emit(ctx, "refund.created", refund)
        self._emit(ctx, "charge.refunded", charge, previous)
        if reversal:
            self._emit(ctx, "transfer.reversed", self._objects[charge["transfer"]], account=None)
        return refund

    def _create_dispute(
        self, ctx: _Ctx, charge_id: str, amount: int | None, reason: str
    ) -> dict[str, Any]:
        charge = self._objects.get(charge_id)
        if charge is None or charge.get("object") != "charge":
            raise FakeStripeError(f"no such charge: {charge_id}")
        if charge["status"] != "succeeded":
            raise FakeStripeError(f"{charge_id} has status {charge['status']}")
        if charge["disputed"]:
            raise FakeStripeError(f"{charge_id} is already disputed")
        scope = self._scopes[charge_id]
        dispute = {
            "id": self._id("du_1"),
            "object": "dispute",
            "amount": amount if amount is not None else charge["amount"],
            "balance_transactions": [],
            "charge": charge_id,
            "created": self.now(),
            "currency": charge["currency"],
            "evidence": {},
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "needs_response",
        }
        self._store(dispute, scope)
        charge["disputed"] = True
        self._emit(ctx, "charge.dispute.created", dispute, account=scope)
        return dispute

    def _close_dispute(self, ctx: _Ctx, dispute_id: str, won: bool) -> dict[str, Any]:
        dispute = self._objects.get(dispute_id)
        if dispute is None or dispute.get("object") != "dispute":
            raise FakeStripeError(f"no such dispute: {dispute_id}")
        if dispute["status"] in ("won", "lost"):
            raise FakeStripeError(f"{dispute_id} is already closed")
        previous = {"status": dispute["status"]}
        dispute["status"] = "won" if won else "lost"
        scope = self._scopes[dispute_id]
        self._emit(ctx, "charge.dispute.closed", dispute, previous, account=scope)
        return dispute

    # -----------------------------------------------------------------------------------------
    # Connect: accounts, account links, transfers

    _ACCOUNT_PARAMS = {"type", "country", "email", "capabilities", "business_type", "metadata"}
    _ACCOUNT_PARAMS |= {"default_currency", "expand"}

    def _api_create_account(self, ctx: _Ctx, p: dict[str, Any]) -> dict[str, Any]:
        if ctx.scope:
            raise _invalid("You cannot create accounts with a Stripe-Account header.")
        for key in p:
            if key not in self._ACCOUNT_PARAMS:
                raise _not_modelled(key)
        if "type" not in p:
            raise _invalid(
                "You must provide `type` (the fake does not model `controller`).", "type"
            )
        if p["type"] != "express":
            raise _not_modelled("type")
        country = p.get("country", "GB")
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise _invalid(f"Invalid country: {country}", "country")
        capabilities = {}
        for name, value in (p.get("capabilities") or {}).items():
            for key in value:
                if key != "requested":
                    raise _not_modelled(f"capabilities[{name}][{key}]")
            if value.get("requested"):
                capabilities[name] = "inactive"
        if "email" in p and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", p["email"]):
            raise _invalid(f"Invalid email address: {p['email']}", "email", "email_invalid")
        currently_due = [
            "business_profile.url",
            "external_account",
            "tos_acceptance.date",
            "tos_acceptance.ip",
        ]
        if "business_type" not in p:
            currently_due.insert(0, "business_type")
        account = {
            "id": self._id("acct_1", 16),
            "object": "account",
            "business_type": p.get("business_type"),
            "capabilities": capabilities,
            "charges_enabled": False,
            "country": country,
            "created": self.now(),
            "default_currency": p.get("default_currency") or ("gbp" if country == "GB" else "usd"),
            "details_submitted": False,
            "email": p.get("email"),
            "metadata": p.get("metadata") or {},
            "payouts_enabled": False,
            "requirements": {
                "alternatives": [],
                "current_deadline": None,
                "currently_due": currently_due,
                "disabled_reason": "requirements.past_due",
                "errors": [],
                "eventually_due": list(currently_due),
                "past_due": list(currently_due),
                "pending_verification": [],
            },
            "type": "express",
        }
        return self._store(account, None)

    def _api_get_account(self, ctx: _Ctx, p: dict, account_id: str) -> dict[str, Any]:
        if ctx.scope not in (None, account_id):
            raise _ApiError(
                404, f"No such account: '{account_id}'", param="account", code="resource_missing"
            )
        return self._lookup(account_id, "account", None, "account")

    def _api_create_account_link(self, ctx: _Ctx, p: dict[str, Any]) -> dict[str, Any]:
        for key in p:
            if key not in ("account", "type", "refresh_url", "return_url", "expand"):
                raise _not_modelled(key)
        account = self._objects.get(p["account"])
        if account is None or account.get("object") != "account":
            raise _invalid(f"No such account: '{p['account']}'", "account", "resource_missing")
        if p["type"] != "account_onboarding":
            raise _not_modelled("type")
        for name in ("refresh_url", "return_url"):
            if name not in p:
                raise _missing(name)
            if not _valid_url(p[name]):
                raise _invalid(f"Not a valid URL: {name}", name, "url_invalid")
        token = secrets.token_urlsafe(16)
        now = self.now()
        self._links[token] = {
            "account": account["id"],
            "refresh_url": p["refresh_url"],
            "return_url": p["return_url"],
            "expires_at": now + ACCOUNT_LINK_TTL,
            "state": "fresh",
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + ACCOUNT_LINK_TTL,
            "url": f"{self.base_url}/connect/onboard/{account['id']}?link={token}",
        }

    def _complete_onboarding(self, ctx: _Ctx, account_id: str) -> dict[str, Any]:
        account = self._objects.get(account_id)
        if account is None or account.get("object") != "account":
            raise FakeStripeError(f"no such account: {account_id}")
        previous = {
            "capabilities": dict(account["capabilities"]),
            "charges_enabled": account["charges_enabled"],
            "details_submitted": account["details_submitted"],
            "payouts_enabled": account["payouts_enabled"],
            "requirements": copy.deepcopy(account["requirements"]),
        }
        account["capabilities"] = {name: "active" for name in account["capabilities"]}
        account.update(charges_enabled=True, details_submitted=True, payouts_enabled=True)
        if account["business_type"] is None:
            account["business_type"] = "individual"
        account["requirements"] = {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": [],
            "disabled_reason": None,
            "errors": [],
            "eventually_due": [],
            "past_due": [],
            "pending_verification": [],
        }
        changed = {k: v for k, v in previous.items() if account[k] != v}
        self._emit(ctx, "account.updated", account, changed, account=account_id)
        return account

    _TRANSFER_PARAMS = {
        "amount",
        "currency",
        "destination",
        "transfer_group",
        "metadata",
        "source_transaction",
        "description",
        "expand",
    }

    def _api_create_transfer(self, ctx: _Ctx, p: dict[str, Any]) -> dict[str, Any]:
        if ctx.scope:
            raise _invalid(
                "Transfers are created by the platform, without a Stripe-Account header."
            )
        for key in p:
            if key not in self._TRANSFER_PARAMS:
                raise _not_modelled(key)
        if "amount" not in p:
            raise _missing("amount")
        if p["amount"] <= 0:
            raise _invalid("Invalid positive integer", "amount")
        currency = p["currency"].lower()
        self._check_destination(p["destination"], "destination")
        source = p.get("source_transaction")
        if source is not None:
            charge = self._objects.get(source)
            if charge is None or charge.get("object") != "charge" or self._scopes.get(source):
                raise _invalid(
                    f"No such charge: '{source}'", "source_transaction", "resource_missing"
                )
            if charge["status"] != "succeeded":
                raise _invalid(
                    f"The source_transaction {source} has not succeeded.", "source_transaction"
                )
            if charge["currency"] != currency:
                raise _invalid(
                    "The currency of source_transaction's balance transaction "
                    f"({charge['currency']}) must be the same as the transfer currency "
                    f"({currency}).",
                    "currency",
                )
            used = sum(
                t["amount"]
                for t in self._objects.values()
                if t.get("object") == "transfer" and t.get("source_transaction") == source
            )
            available = charge["amount"] - charge["amount_refunded"] - used
            if p["amount"] > available:
                raise _invalid(
                    f"Insufficient funds from source_transaction {source}: "
                    f"{_money(available, currency)} available.",
                    "amount",
                    "balance_insufficient",
                )
        transfer = self._new_transfer(
            p["amount"],
            currency,
            p["destination"],
            p.get("transfer_group"),
            p.get("metadata") or {},
            source,
            p.get("description"),
        )
        self._emit(ctx, "transfer.created", transfer)
        return transfer

    def _new_transfer(
        self,
        amount: int,
        currency: str,
        destination: str,
        transfer_group: str | None,
        metadata: dict[str, str],
        source_transaction: str | None,
        description: str | None = None,
    ) -> dict[str, Any]:
        transfer_id = self._id("tr_1")
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": self._id("txn_1"),
            "created": self.now(),
            "currency": currency,
            "description": description,
            "destination": destination,
            "destination_payment": self._id("py_1"),
            "livemode": False,
            "metadata": metadata,
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": source_transaction,
            "source_type": "card",
            "transfer_group": transfer_group,
        }
        return self._store(transfer, None)

    def _api_get_transfer(self, ctx: _Ctx, p: dict, transfer_id: str) -> dict[str, Any]:
        return self._lookup(transfer_id, "transfer", ctx.scope, "transfer")

    _REVERSAL_PARAMS = {"amount", "metadata", "expand"}

    def _api_create_transfer_reversal(
        self, ctx: _Ctx, p: dict[str, Any], transfer_id: str
    ) -> dict[str, Any]:
        for key in p:
            if key not in self._REVERSAL_PARAMS:
                raise _not_modelled(key)
        transfer = self._lookup(transfer_id, "transfer", ctx.scope, "id")
        remaining = transfer["amount"] - transfer["amount_reversed"]
        currency = transfer["currency"]
        if remaining <= 0:
            raise _invalid(f"Transfer {transfer['id']} has already been fully reversed.", "amount")
        amount = p.get("amount", remaining)
        if amount <= 0:
            raise _invalid("Invalid positive integer", "amount")
        if amount > remaining:
            raise _invalid(
                f"You have requested a reversal of {_money(amount, currency)}, but only "
                f"{_money(remaining, currency)} remains on transfer {transfer['id']}.",
                "amount",
                "amount_too_large",
            )
        reversal = {
            "id": self._id("trr_1"),
            "object": "transfer_reversal",
            "amount": amount,
            "balance_transaction": self._id("txn_1"),
            "created": self.now(),
            "currency": currency,
            "destination_payment_refund": self._id("pyr_1"),
            "metadata": p.get("metadata") or {},
            "source_refund": None,
            "transfer": transfer["id"],
        }
        previous = {
            "amount_reversed": transfer["amount_reversed"],
            "reversed": transfer["reversed"],
        }
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        transfer["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        changed = {k: v for k, v in previous.items() if transfer[k] != v}
        self._emit(ctx, "transfer.reversed", transfer, changed)
        return reversal

    # -----------------------------------------------------------------------------------------
    # Hosted pages

    def _pay_page(self, request: Request, session_id: str) -> Response:
        ctx = _Ctx()
        try:
            with self._lock:
                session = self._objects.get(session_id)
                if session is None or session.get("object") != "checkout.session":
                    return _page(
                        "Payment not found",
                        "<h1>Payment not found</h1><p>This payment link is not valid.</p>",
                        404,
                    )
                self._maybe_expire(ctx, session)
                session = copy.deepcopy(session)
                items = copy.deepcopy(self._sessions[session_id]["line_items"])
        finally:
            self._after(ctx)

        if session["status"] != "open":
            return self._closed_page(session)
        if request.method == "GET":
            return self._pay_form(session, items)
        if request.method != "POST":
            return _page("Method not allowed", "<h1>Method not allowed</h1>", 405)

        card = request.form.get("card", "")
        email = request.form.get("email") or None
        try:
            paid = self.pay_session(session_id, card, email=email)
        except CardDeclined as exc:
            status = 400 if exc.code == "invalid_number" else 402
            return self._pay_form(session, items, error=exc.message, card=card, status=status)
        except FakeStripeError:
            with self._lock:
                return self._closed_page(copy.deepcopy(self._objects[session_id]))
        target = paid["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return Response("", 303, headers={"Location": target})

    def _pay_form(
        self,
        session: dict[str, Any],
        items: list[dict[str, Any]],
        *,
        error: str | None = None,
        card: str = "4242 4242 4242 4242",
        status: int = 200,
    ) -> Response:
        currency = session["currency"]
        total = _money(session["amount_total"], currency)
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                html.escape(i["name"]),
                i["quantity"],
                html.escape(_money(i["unit_amount"] * i["quantity"], currency)),
            )
            for i in items
        )
        described = "card-hint card-error" if error else "card-hint"
        invalid = ' aria-invalid="true"' if error else ""
        alert = (
            f'<p id="card-error" class="error" role="alert">{html.escape(error)}</p>'
            if error
            else ""
        )
        email = session["customer_email"]
        if email:
            email_field = (
                '<p><label for="email">Email</label>'
                f'<input id="email" name="email" type="email" value="{html.escape(email)}" '
                'readonly autocomplete="email"></p>'
            )
        else:
            email_field = (
                '<p><label for="email">Email</label>'
                '<input id="email" name="email" type="email" autocomplete="email"></p>'
            )
        cancel = (
            f'<p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>'
            if session["cancel_url"]
            else ""
        )
        body = f"""<h1>Pay {html.escape(total)}</h1>
<table>
<caption>Order summary</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Quantity</th>
<th scope="col">Amount</th></tr></thead>
<tbody>{rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th><td>{html.escape(total)}</td></tr></tfoot>
</table>
{alert}
<form method="post" action="/pay/{html.escape(session["id"])}">
{email_field}
<p><label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number"
 value="{html.escape(card)}" aria-describedby="{described}"{invalid}></p>
<p id="card-hint" class="hint">Test cards: 4242 4242 4242 4242 is paid;
4000 0000 0000 0002 is declined.</p>
<p><button type="submit">Pay</button></p>
</form>
{cancel}"""  # fmt: skip
        return _page(f"Pay {total}", body, status)

    def _closed_page(self, session: dict[str, Any]) -> Response:
        if session["status"] == "expired":
            heading, text = "This payment has expired", "This checkout session has expired."
            link = session["cancel_url"]
        else:
            heading, text = "This payment is complete", "This checkout session is already paid."
            link = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
        back = f'<p><a href="{html.escape(link)}">Return to the site</a></p>' if link else ""
        return _page(heading, f"<h1>{heading}</h1><p>{text}</p>{back}")

    def _onboard_page(self, request: Request, account_id: str) -> Response:
        token = request.values.get("link", "")
        invalid = _page(
            "Link not valid",
            "<h1>This link is not valid</h1><p>Ask the platform for a new onboarding link.</p>",
            404,
        )
        with self._lock:
            link = self._links.get(token)
            account = self._objects.get(account_id)
            if link is None or link["account"] != account_id or account is None:
                return invalid
            expired = self.now() >= link["expires_at"]
            if request.method == "GET":
                if expired or link["state"] != "fresh":  # links are single-use
                    return Response("", 303, headers={"Location": link["refresh_url"]})
                link["state"] = "visited"
                email = account.get("email") or account_id
            elif request.method == "POST":
                if expired or link["state"] == "used":
                    return Response("", 303, headers={"Location": link["refresh_url"]})
                link["state"] = "used"
            else:
                return _page("Method not allowed", "<h1>Method not allowed</h1>", 405)
        if request.method == "GET":
            body = f"""<h1>Set up payments and payouts</h1>
<p>Account {html.escape(account_id)} ({html.escape(email)}), test mode: no details are needed.</p>
<form method="post" action="/connect/onboard/{quote(account_id)}">
<input type="hidden" name="link" value="{html.escape(token)}">
<p><button type="submit" name="action" value="complete">Complete onboarding</button></p>
<p><button type="submit" name="action" value="leave">Return without finishing</button></p>
</form>"""
            return _page("Set up payments and payouts", body)
        if request.form.get("action") != "leave":
            self.complete_onboarding(account_id)
        return Response("", 303, headers={"Location": link["return_url"]})


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; }
main { max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
.banner { background: #fff3cd; color: #1a1a1a; padding: .5rem; border: 1px solid #8a6d00; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #555; }
label { display: block; font-weight: 600; }
input { font-size: 1rem; padding: .4rem; width: 100%; box-sizing: border-box; }
button { font-size: 1rem; padding: .5rem 1.5rem; background: #1d3f8f; color: #fff; border: 0; }
button:focus, a:focus, input:focus { outline: 3px solid #d4351c; outline-offset: 2px; }
.error { color: #a4140b; font-weight: 600; }
.hint { color: #333; }
"""


def _page(title: str, body: str, status: int = 200) -> Response:
    document = f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – FakeStripe (test mode)</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<p class="banner">FakeStripe test mode: no real money moves.</p>
{body}
</main>
</body>
</html>
"""
    return Response(document, status, content_type="text/html; charset=utf-8")
