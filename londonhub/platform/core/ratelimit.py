"""Counting failed sign-ins per key within a window: Redis when `REDIS_URL` is set.

The in-memory store is for the embedded single-process demo and tests only; with several
processes (production) the counts must live in Redis, or each process would count alone.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from flask import Flask, current_app


class FailureCounter(Protocol):
    def count(self, key: str) -> int: ...
    def add(self, key: str, window: int) -> int: ...
    def clear(self, key: str) -> None: ...


class RedisFailureCounter:
    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url)

    def count(self, key: str) -> int:
        return int(self.redis.get(f"londonhub:fail:{key}") or 0)

    def add(self, key: str, window: int) -> int:
        name = f"londonhub:fail:{key}"
        with self.redis.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            total, _ = pipe.execute()
        return int(total)

    def clear(self, key: str) -> None:
        self.redis.delete(f"londonhub:fail:{key}")


class MemoryFailureCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[int, float]] = {}

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


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["londonhub_failures"] = (
        RedisFailureCounter(url) if url else MemoryFailureCounter()
    )


def _counter() -> FailureCounter:
    return current_app.extensions["londonhub_failures"]


def _keys(email: str, address: str | None) -> list[str]:
    return [f"email:{email}", f"ip:{address or 'unknown'}"]


def sign_in_blocked(email: str, address: str | None) -> bool:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    counter = _counter()
    # Per address the allowance is wider: several people may share an office's address.
    email_key, ip_key = _keys(email, address)
    return counter.count(email_key) >= limit or counter.count(ip_key) >= limit * 4


def record_failed_sign_in(email: str, address: str | None) -> None:
    window = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    for key in _keys(email, address):
        _counter().add(key, window)


def clear_failed_sign_ins(email: str) -> None:
    _counter().clear(f"email:{email}")
