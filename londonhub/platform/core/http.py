"""The one way the app fetches from outside addresses (partner sign-in providers today,
outbound webhooks later): a `requests` session that cannot be turned against the hub's own
network.

Every request made through `session()` (or a session passed through `guard()`, as Authlib's):
- goes to https only; plain http only to a loopback address, and only when
  `OUTBOUND_ALLOW_LOOPBACK` is set (development and tests; production refuses the setting);
- is checked AT CONNECT TIME: the host is resolved once, every address it resolves to is
  checked (private, loopback, link-local, multicast, reserved, shared, cloud metadata), and
  the socket connects to that checked address, with the URL's host kept for the Host header,
  SNI and certificate checks. A name that resolves to a public address for a check and to
  an internal one for the connection (DNS rebinding) cannot get past, because nothing
  resolves it twice;
- ignores proxy environment variables (a proxy would connect on our behalf, unchecked);
- follows at most `MAX_REDIRECTS` redirects for GET, each hop checked like the first, and
  none after a POST;
- ends by one total deadline (`OUTBOUND_DEADLINE_SECONDS`) from the first byte sent to the
  last byte read, across redirects: every socket operation gets only the time left, so a
  server trickling a byte at a time cannot hold a worker past it;
- reads the body streamed and aborts past `OUTBOUND_MAX_BYTES`.

Errors are `requests.RequestException` subclasses (`OutboundRefused`, `DeadlineExceeded`,
`ResponseTooLarge`), so callers that already handle `requests` errors handle these.

Callers keep what they fetched, and that a fetch failed, in `core.cache` for a while, so a
stream of anonymous requests cannot drive fetches.

Over 400 lines on purpose: the address checks, the connection classes and the deadline are one
guard, and each is only safe together with the others.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util.ssl_ import create_urllib3_context

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
#: Cloud instance metadata and platform services. Most are link-local or private anyway;
#: Azure's wire server and Alibaba's metadata are not, so they are named.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "100.100.100.200",
        "168.63.129.16",
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(requests.RequestException):
    """An outbound request the guard stopped."""


class OutboundRefused(OutboundError):
    """The address, scheme or redirect is not one the hub may fetch."""


class DeadlineExceeded(OutboundError, requests.Timeout):
    """The whole exchange took longer than its deadline."""


class ResponseTooLarge(OutboundError):
    """The answer is larger than the cap."""


@dataclass(frozen=True)
class Policy:
    allow_loopback: bool = False
    deadline: float = 10.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = MAX_REDIRECTS

    @classmethod
    def from_config(cls, config: Any, **overrides: Any) -> Policy:
        values = {
            "allow_loopback": bool(config.get("OUTBOUND_ALLOW_LOOPBACK")),
            "deadline": float(config.get("OUTBOUND_DEADLINE_SECONDS", 10)),
            "max_bytes": int(config.get("OUTBOUND_MAX_BYTES", 1024 * 1024)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def current_policy(**overrides: Any) -> Policy:
    return Policy.from_config(current_app.config, **overrides)


# --- addresses -----------------------------------------------------------------------------


def refusal_for_address(address: str, *, allow_loopback: bool) -> str | None:
    """Why the hub must not connect to this IP address, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    elif ip.version == 6 and ip in NAT64:
        ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    for test, name in (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "a non-public address"),
    ):
        if test:
            return name
    return None


def _literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def check_url(url: str, policy: Policy | None = None) -> str:
    """What can be checked without connecting: the scheme, the host, a literal address.
    Raises OutboundRefused with a sentence a person can act on."""
    policy = policy or current_policy()
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise OutboundRefused("The address must be a full web address starting with https://")
    if parts.username or parts.password:
        raise OutboundRefused("The address must not carry a user name or password")
    loopback_host = host in LOOPBACK_NAMES or (
        _literal_ip(host) is not None and ipaddress.ip_address(_literal_ip(host)).is_loopback
    )
    if parts.scheme == "http" and not (policy.allow_loopback and loopback_host):
        raise OutboundRefused("The address must start with https://")
    if loopback_host and not policy.allow_loopback:
        raise OutboundRefused("The address must not be on this machine")
    literal = _literal_ip(host)
    if literal is not None:
        reason = refusal_for_address(literal, allow_loopback=policy.allow_loopback)
        if reason:
            raise OutboundRefused(f"The address is {reason}, which the hub does not fetch from")
    return url


# --- the deadline, shared by every socket operation of one fetch ----------------------------


class _Fetch:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.ends_at = time.monotonic() + policy.deadline

    @property
    def expired(self) -> bool:
        """True once the deadline is (all but) spent: a socket given the last few
        milliseconds times out a hair before it."""
        return time.monotonic() >= self.ends_at - 0.05

    def remaining(self) -> float:
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise TimeoutError("outbound deadline exceeded")
        return left


_FETCH: contextvars.ContextVar[_Fetch | None] = contextvars.ContextVar("outbound", default=None)


@contextmanager
def _fetching(policy: Policy) -> Iterator[_Fetch]:
    """One deadline for this fetch; a fetch already under way (a redirect hop) keeps its own."""
    active = _FETCH.get()
    if active is not None:
        yield active
        return
    fetch = _Fetch(policy)
    token = _FETCH.set(fetch)
    try:
        yield fetch
    finally:
        _FETCH.reset(token)


def _arm(sock: socket.socket) -> None:
    """Give the next socket operation only the time left (fail closed outside a fetch)."""
    fetch = _FETCH.get()
    if fetch is None:
        raise _Refused("outbound connection outside a guarded fetch")
    sock.settimeout(fetch.remaining())


class _DeadlineSocket(socket.socket):
    def connect(self, address: Any) -> None:
        _arm(self)
        super().connect(address)

    def recv(self, *args: Any) -> bytes:
        _arm(self)
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        _arm(self)
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        _arm(self)
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        _arm(self)
        return super().sendall(*args)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """CPython's TLS reads and writes honour the socket timeout as a deadline per call."""

    def do_handshake(self, *args: Any) -> None:
        _arm(self)
        super().do_handshake(*args)

    def read(self, *args: Any) -> Any:
        _arm(self)
        return super().read(*args)

    def send(self, *args: Any) -> int:
        _arm(self)
        return super().send(*args)


# --- connecting to the checked address ------------------------------------------------------


class _Refused(Exception):  # internal: not an OSError, so urllib3 passes it up
    pass


_getaddrinfo = socket.getaddrinfo
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")


def _resolve(host: str, port: int, fetch: _Fetch) -> list[tuple]:
    """getaddrinfo cannot be interrupted: it runs aside, and the fetch waits only its time."""
    future = _resolver.submit(_getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        return future.result(timeout=fetch.remaining())
    except FutureTimeout as exc:
        raise TimeoutError("outbound deadline exceeded resolving the host") from exc


def _connect(host: str, port: int, *, tls: bool, options: Any) -> socket.socket:
    fetch = _FETCH.get()
    if fetch is None:
        raise _Refused("outbound connection outside a guarded fetch")
    allow_loopback = fetch.policy.allow_loopback
    infos = _resolve(host, port, fetch)
    if not infos:
        raise _Refused(f"{host} has no address")
    for _family, _type, _proto, _name, sockaddr in infos:
        reason = refusal_for_address(sockaddr[0], allow_loopback=allow_loopback)
        if reason:
            raise _Refused(f"{host} resolves to {reason}")
        if not tls and not ipaddress.ip_address(sockaddr[0].split("%")[0]).is_loopback:
            raise _Refused("plain http is only for this machine")
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = _DeadlineSocket(family, kind, proto)
        try:
            for option in options or ():
                sock.setsockopt(*option)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"could not connect to {host}")


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self._dns_host, self.port, tls=False, options=self.socket_options)


class _GuardedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
        context.sslsocket_class = _DeadlineSSLSocket
        kwargs["ssl_context"] = context
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return _connect(self._dns_host, self.port, tls=True, options=self.socket_options)


class _NoReuse:
    """A connection serves one request: the next one connects (and is checked) afresh."""

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            conn.close()


class _HTTPPool(_NoReuse, HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _HTTPSPool(_NoReuse, HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


# --- the adapter and the session ------------------------------------------------------------


def _cause(exc: BaseException | None, kind: type) -> BaseException | None:
    """The first `kind` in an exception's chain (urllib3 and requests wrap what sockets raise)."""
    seen: set[int] = set()
    while isinstance(exc, BaseException) and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        nested = [a for a in exc.args if isinstance(a, BaseException)]
        reason = getattr(exc, "reason", None)
        exc = (
            exc.__cause__
            or exc.__context__
            or (reason if isinstance(reason, BaseException) else None)
            or (nested[0] if nested else None)
        )
    return None


class GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with _fetching(self.policy) as fetch:
            try:
                check_url(request.url or "", fetch.policy)
                kwargs.update(stream=True, proxies=None, timeout=fetch.remaining())
                response = super().send(request, **kwargs)
                if response.is_redirect and request.method not in ("GET", "HEAD"):
                    response.close()
                    raise OutboundRefused(f"{request.method} answered with a redirect")
                response._content = _read_capped(response, fetch)
                return response
            except OutboundError as exc:
                exc.request = request
                raise
            except (requests.RequestException, Urllib3Error, OSError) as exc:
                refused = _cause(exc, _Refused)
                if refused is not None:
                    raise OutboundRefused(str(refused), request=request) from exc
                if fetch.expired:
                    raise DeadlineExceeded(
                        f"no complete answer within {fetch.policy.deadline:g} s", request=request
                    ) from exc
                if isinstance(exc, requests.RequestException):
                    raise
                raise requests.ConnectionError(str(exc), request=request) from exc
            except _Refused as exc:
                raise OutboundRefused(str(exc), request=request) from exc


def _read_capped(response: requests.Response, fetch: _Fetch) -> bytes:
    cap = fetch.policy.max_bytes
    try:
        declared = int(response.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    try:
        if declared > cap:
            raise ResponseTooLarge(f"the answer is {declared} bytes, over the {cap} byte cap")
        chunks, total = [], 0
        for chunk in response.raw.stream(CHUNK, decode_content=True):
            total += len(chunk)
            if total > cap:
                raise ResponseTooLarge(f"the answer is over the {cap} byte cap")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        response.close()


class GuardedSession(requests.Session):
    """A `requests.Session` whose every request goes through the guard."""

    def __init__(self, policy: Policy | None = None) -> None:
        super().__init__()
        guard(self, policy)

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        with _fetching(self._guard_policy):
            return super().request(*args, **kwargs)


def guard(session: requests.Session, policy: Policy | None = None) -> requests.Session:
    """Route an existing session (a library's, as Authlib's OAuth2Session) through the guard.
    Only a `GuardedSession` (or a session whose `request` enters `deadline_for`) shares one
    deadline across redirects; otherwise each hop has its own, and hops are capped."""
    policy = policy or current_policy()
    adapter = GuardedAdapter(policy)
    session.adapters.clear()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.trust_env = False  # no proxies from the environment
    session.max_redirects = policy.max_redirects
    session._guard_policy = policy  # type: ignore[attr-defined]
    return session


def deadline_for(session: requests.Session) -> Any:
    """The one deadline for a request and its redirects, for sessions made by `guard()`."""
    return _fetching(session._guard_policy)  # type: ignore[attr-defined]


def session(**overrides: Any) -> GuardedSession:
    return GuardedSession(current_policy(**overrides))


def get(url: str, **kwargs: Any) -> requests.Response:
    """GET through the guard; `deadline` and `max_bytes` may narrow the app's settings."""
    policy = {k: kwargs.pop(k) for k in ("deadline", "max_bytes") if k in kwargs}
    with session(**policy) as guarded:
        return guarded.get(url, **kwargs)
