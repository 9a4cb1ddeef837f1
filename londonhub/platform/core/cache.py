"""A small shared cache with expiry, for values every process must agree on (what an outside
service answered, and that it failed): Redis when `REDIS_URL` is set. Without it (the embedded
single-process default only; production requires Redis) a bounded in-process store."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Protocol

from flask import current_app


class SharedCache(Protocol):
    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any, ttl: float) -> None: ...
    def add(self, key: str, value: Any, ttl: float) -> bool: ...
    def delete(self, key: str) -> None: ...


class RedisCache:
    PREFIX = "londonhub:cache:"

    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_timeout=5)

    def get(self, key: str) -> Any:
        raw = self.redis.get(self.PREFIX + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.redis.set(self.PREFIX + key, json.dumps(value), px=max(1, int(ttl * 1000)))

    def add(self, key: str, value: Any, ttl: float) -> bool:
        return bool(
            self.redis.set(
                self.PREFIX + key, json.dumps(value), px=max(1, int(ttl * 1000)), nx=True
            )
        )

    def delete(self, key: str) -> None:
        self.redis.delete(self.PREFIX + key)


class MemoryCache:
    """The embedded default only (one process, no REDIS_URL); production requires Redis."""

    MAX_ENTRIES = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[float, str]] = {}

    def _live(self, key: str) -> str | None:
        entry = self._data.get(key)
        if entry is None or entry[0] <= time.monotonic():
            self._data.pop(key, None)
            return None
        return entry[1]

    def get(self, key: str) -> Any:
        with self._lock:
            raw = self._live(key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: float) -> None:
        with self._lock:
            if len(self._data) >= self.MAX_ENTRIES:
                now = time.monotonic()
                for stale in [k for k, (at, _) in self._data.items() if at <= now]:
                    del self._data[stale]
                while len(self._data) >= self.MAX_ENTRIES:
                    self._data.pop(next(iter(self._data)))
            self._data[key] = (time.monotonic() + ttl, json.dumps(value))

    def add(self, key: str, value: Any, ttl: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (time.monotonic() + ttl, json.dumps(value))
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


CACHE_EXTENSION = "londonhub.shared_cache"


def cache() -> SharedCache:
    store = current_app.extensions.get(CACHE_EXTENSION)
    if store is None:
        url = current_app.config.get("REDIS_URL")
        store = RedisCache(url) if url else MemoryCache()
        current_app.extensions[CACHE_EXTENSION] = store
    return store
