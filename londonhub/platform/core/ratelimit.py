"""Throttling what anyone can do without an account, per key within a window, with back-off.

A `Rule` allows `allowed` attempts per key within `window` seconds; past that, each further
attempt makes the key wait before the next one, twice as long as the previous wait (from
`backoff` seconds, never longer than the window). Nothing is ever locked for good, and keys name
the client address (alone, or with the account), so a stranger's failures slow the stranger's
address and never lock the owner out from elsewhere.

Counts live in Redis when `REDIS_URL` is set (always in production: `config.check_config`). The
in-memory store is for the embedded single-process demo and tests only; with several processes
each would count alone.

Without Redis reachable the throttles fail closed: what they guard (a password sign-in, an
email anyone can cause, an organisation sign-in) is refused for a minute with a message saying
why (`LimiterUnavailable`, a `Throttled`: 429 with `Retry-After`), and the failure is logged.
Pages that need no throttle keep working.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app


class FailureCounter(Protocol):
    def count(self, key: str) -> int: ...
    def add(self, key: str, window: int) -> int: ...
    def clear(self, key: str) -> None: ...
    def block(self, key: str, seconds: int) -> None: ...
    def blocked_for(self, key: str) -> int: ...
    def unblock(self, key: str) -> None: ...


log = logging.getLogger(__name__)

#: How long a guarded action is refused while Redis is unreachable (seconds).
UNAVAILABLE_RETRY_AFTER = 60


@contextlib.contextmanager
def _fail_closed() -> Iterator[None]:
    from redis.exceptions import RedisError

    try:
        yield
    except RedisError as exc:
        log.error("throttle store unavailable, refusing the guarded action: %s", exc)
        raise LimiterUnavailable() from exc


class RedisFailureCounter:
    """Counts in Redis; every call fails closed (`LimiterUnavailable`) when Redis is down."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def count(self, key: str) -> int:
        with _fail_closed():
            return int(self.redis.get(f"londonhub:fail:{key}") or 0)

    def add(self, key: str, window: int) -> int:
        with _fail_closed():
            name = f"londonhub:fail:{key}"
            with self.redis.pipeline() as pipe:
                pipe.incr(name)
                pipe.expire(name, window, nx=True)
                total, _ = pipe.execute()
            return int(total)

    def clear(self, key: str) -> None:
        with _fail_closed():
            self.redis.delete(f"londonhub:fail:{key}", f"londonhub:wait:{key}")

    def block(self, key: str, seconds: int) -> None:
        with _fail_closed():
            self.redis.set(f"londonhub:wait:{key}", 1, ex=max(1, seconds))

    def blocked_for(self, key: str) -> int:
        with _fail_closed():
            remaining = self.redis.pttl(f"londonhub:wait:{key}")
            return math.ceil(remaining / 1000) if remaining > 0 else 0

    def unblock(self, key: str) -> None:
        with _fail_closed():
            self.redis.delete(f"londonhub:wait:{key}")


class MemoryFailureCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[int, float]] = {}
        self._waits: dict[str, float] = {}

    def count(self, key: str) -> int:
        with self._lock:
            total, expires = self._data.get(key, (0, 0.0))
            return total if expires > time.monotonic() else 0

    def add(self, key: str, window: int) -> int:
        with self._lock:
            now = time.monotonic()
            total, expires = self._data.get(key, (0, 0.0))
            if expires <= now:
                total, expires = 0, now + window
            self._data[key] = (total + 1, expires)
            return total + 1

    def clear(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)
            self._waits.pop(key, None)

    def block(self, key: str, seconds: int) -> None:
        with self._lock:
            self._waits[key] = time.monotonic() + max(1, seconds)

    def blocked_for(self, key: str) -> int:
        with self._lock:
            remaining = self._waits.get(key, 0.0) - time.monotonic()
            return math.ceil(remaining) if remaining > 0 else 0

    def unblock(self, key: str) -> None:
        with self._lock:
            self._waits.pop(key, None)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["londonhub_failures"] = (
        RedisFailureCounter(url) if url else MemoryFailureCounter()
    )


def _store() -> FailureCounter:
    return current_app.extensions["londonhub_failures"]


@dataclass(frozen=True)
class Rule:
    """`allowed` attempts per key within `window` seconds, then waits from `backoff` seconds,
    doubling, at most `window`."""

    name: str
    allowed: int
    window: int
    backoff: int = 60


class Throttled(Exception):
    """Wait `retry_after` seconds; the message says so in words, for the page."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class LimiterUnavailable(Throttled):
    """The throttle store (Redis) cannot be reached: refuse for now rather than count nothing."""

    def __init__(self) -> None:
        super().__init__(
            "We cannot check for repeated attempts just now, so this is paused for safety. "
            "Please try again in a minute.",
            UNAVAILABLE_RETRY_AFTER,
        )


def describe_wait(seconds: int) -> str:
    """A wait in words ("45 seconds", "1 minute", "15 minutes"), rounded up: trying then works."""
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _key(rule: Rule, subject: str) -> str:
    return f"{rule.name}:{subject}"


def wait_for(rule: Rule, subject: str) -> int:
    """Seconds `subject` must wait before its next attempt (0: go ahead)."""
    return _store().blocked_for(_key(rule, subject))


def hit(rule: Rule, subject: str) -> int:
    """Count one attempt; returns how long the next one must wait (0 while within allowance)."""
    key = _key(rule, subject)
    total = _store().add(key, rule.window)
    if total < rule.allowed:
        return 0
    wait = min(rule.window, rule.backoff * 2 ** (total - rule.allowed))
    _store().block(key, wait)
    return wait


def forget(rule: Rule, subject: str) -> None:
    _store().clear(_key(rule, subject))


def spend(message: str, *budgets: tuple[Rule, str]) -> None:
    """Take one attempt from each (rule, subject) budget, or raise Throttled and take none
    while any of them must wait."""
    wait = max(wait_for(rule, subject) for rule, subject in budgets)
    if wait:
        raise Throttled(message.format(wait=describe_wait(wait)), wait)
    for rule, subject in budgets:
        hit(rule, subject)


def _client(address: str | None) -> str:
    return address or "unknown"


# --- password sign-in ----------------------------------------------------------------------


def sign_in_rules() -> tuple[Rule, Rule]:
    """Per (email, address), and per address (wider: an office shares one address)."""
    config = current_app.config
    limit, window = config["LOGIN_MAX_FAILURES"], config["LOGIN_FAILURE_WINDOW_SECONDS"]
    backoff = config["THROTTLE_BACKOFF_SECONDS"]
    return (
        Rule("login-account", limit, window, backoff),
        Rule("login-client", limit * 4, window, backoff),
    )


def _sign_in_budgets(email: str, address: str | None) -> list[tuple[Rule, str]]:
    per_account, per_client = sign_in_rules()
    client = _client(address)
    return [(per_account, f"{email}|{client}"), (per_client, client)]


def sign_in_wait(email: str, address: str | None) -> int:
    """Seconds this address must wait before trying this email again (0: go ahead)."""
    return max(wait_for(rule, subject) for rule, subject in _sign_in_budgets(email, address))


def record_failed_sign_in(email: str, address: str | None) -> None:
    for rule, subject in _sign_in_budgets(email, address):
        hit(rule, subject)


def clear_failed_sign_ins(email: str, address: str | None) -> None:
    """After a success (or a reset) from this address: its count for this email starts again."""
    per_account, _ = sign_in_rules()
    forget(per_account, f"{email}|{_client(address)}")


# --- emails anyone can cause, and partner sign-ins anyone can start ------------------------


def spend_mail_request(recipient: str, address: str | None) -> None:
    """One more email anyone can cause (reset, confirmation, "you have an account"): capped
    per recipient, so no one's inbox is flooded, and per client address. Raises Throttled."""
    config = current_app.config
    window, backoff = config["MAIL_REQUEST_WINDOW_SECONDS"], config["THROTTLE_BACKOFF_SECONDS"]
    per_recipient = Rule("mail-recipient", config["MAIL_REQUESTS_PER_RECIPIENT"], window, backoff)
    per_client = Rule("mail-client", config["MAIL_REQUESTS_PER_CLIENT"], window, backoff)
    client = _client(address)
    if wait := wait_for(per_client, client):
        raise Throttled(
            f"Too many requests from your network. Try again in {describe_wait(wait)}.", wait
        )
    spend(
        "We have sent several emails to this address recently. Try again in {wait}.",
        (per_recipient, recipient),
        (per_client, client),
    )


def spend_sso_start(address: str | None) -> None:
    """One more organisation sign-in started from this address (each writes an audit row and
    may call out to a provider). Raises Throttled."""
    config = current_app.config
    rule = Rule(
        "sso-client",
        config["SSO_STARTS_PER_CLIENT"],
        config["SSO_START_WINDOW_SECONDS"],
        config["THROTTLE_BACKOFF_SECONDS"],
    )
    spend(
        "Too many sign-in attempts from your network. Try again in {wait}.",
        (rule, _client(address)),
    )
