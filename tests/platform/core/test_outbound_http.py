"""The guarded outbound client (core.http) against local servers that misbehave on purpose:
redirects to internal addresses, names that resolve inwards, trickled bytes, huge bodies."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
import requests

from londonhub.platform.core import cache as shared_cache
from londonhub.platform.core import http

from .outbound_server import (
    Handler,
    Server,
    answer,
    huge_body,
    serve,
    trickle_body,
    trickle_headers,
)

LOOPBACK_OK = http.Policy(allow_loopback=True, deadline=2.0, max_bytes=64 * 1024)
STRICT = http.Policy(allow_loopback=False, deadline=2.0, max_bytes=64 * 1024)


def fetch(url: str, policy: http.Policy = LOOPBACK_OK, method: str = "GET") -> requests.Response:
    with http.GuardedSession(policy) as session:
        return session.request(method, url)


def test_a_plain_answer_comes_through(monkeypatch) -> None:
    with serve(answer("200 OK", b'{"ok": true}', ("Content-Type: application/json",))) as srv:
        response = fetch(srv.url + "/doc")
    assert response.status_code == 200 and response.json() == {"ok": True}


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/admin",
        "https://192.168.1.1/",
        "https://[::ffff:10.0.0.1]/",
        "https://[fd00:ec2::254]/",
        "https://100.100.100.200/",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(target: str) -> None:
    with serve(answer("302 Found", headers=(f"Location: {target}",))) as srv:
        with pytest.raises(http.OutboundRefused):
            fetch(srv.url + "/.well-known/openid-configuration")
        assert len(srv.seen) == 1


def test_a_redirect_to_a_name_resolving_inwards_is_refused_at_connect(monkeypatch) -> None:
    real = socket.getaddrinfo

    def resolver(host, port, *args):
        if host == "intranet.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]
        return real(host, port, *args)

    monkeypatch.setattr(http, "_getaddrinfo", resolver)
    location = "Location: https://intranet.example.com/secret"
    with (
        serve(answer("302 Found", headers=(location,))) as srv,
        pytest.raises(http.OutboundRefused, match="private address"),
    ):
        fetch(srv.url + "/start")


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    monkeypatch,
) -> None:
    """DNS rebinding: the first answer is checked and used; a later, inward answer never is."""
    answers = ["127.0.0.1", "10.0.0.1", "10.0.0.1"]
    calls: list[str] = []

    def resolver(host, port, *args):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[len(calls) - 1], port))]

    monkeypatch.setattr(http, "_getaddrinfo", resolver)
    with serve(answer("200 OK", b"hello")) as srv:
        port = srv.server_address[1]
        response = fetch(f"http://localhost:{port}/x")
    assert response.content == b"hello"
    assert calls == ["localhost"]
    assert f"Host: localhost:{port}" in srv.seen[0]


def test_loopback_is_refused_unless_allowed(monkeypatch) -> None:
    with serve(answer("200 OK", b"internal")) as srv:
        port = srv.server_address[1]
        for url in (srv.url, f"https://127.0.0.1:{port}/", f"https://localhost:{port}/"):
            with pytest.raises(http.OutboundRefused):
                fetch(url, STRICT)
        # A public-looking name that resolves to this machine is refused when connecting.
        monkeypatch.setattr(
            http,
            "_getaddrinfo",
            lambda host, p, *a: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", p))],
        )
        with pytest.raises(http.OutboundRefused, match="loopback"):
            fetch(f"https://sneaky.example.com:{port}/", STRICT)
        assert srv.seen == []


def test_plain_http_to_a_public_name_is_refused_even_when_loopback_is_allowed() -> None:
    with pytest.raises(http.OutboundRefused, match="https"):
        fetch("http://login.example.com/.well-known/openid-configuration")


def test_proxy_settings_in_the_environment_are_ignored(monkeypatch) -> None:
    with serve(answer("200 OK", b"proxy")) as proxy, serve(answer("200 OK", b"direct")) as srv:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        assert fetch(srv.url).content == b"direct"
        assert proxy.seen == []


def test_a_post_answered_with_a_redirect_is_not_followed() -> None:
    with serve(answer("307 Temporary Redirect", headers=("Location: /elsewhere",))) as srv:
        with pytest.raises(http.OutboundRefused, match="redirect"):
            fetch(srv.url + "/token", method="POST")
        assert len(srv.seen) == 1


def test_too_many_redirects_stop() -> None:
    with serve(answer("302 Found", headers=("Location: /again",))) as srv:
        with pytest.raises(requests.TooManyRedirects):
            fetch(srv.url)
        assert len(srv.seen) == http.MAX_REDIRECTS + 1


@pytest.mark.parametrize("behave", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_a_trickling_server_is_cut_off_at_the_total_deadline(behave) -> None:
    """Each byte arrives well within any per-read timeout; only a total deadline ends it."""
    policy = http.Policy(allow_loopback=True, deadline=1.5, max_bytes=1024)
    with serve(behave) as srv:
        started = time.monotonic()
        with pytest.raises(http.DeadlineExceeded):
            fetch(srv.url, policy)
        elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 3.5, elapsed  # bounded by the deadline, not by 100 reads


def test_a_silent_server_is_cut_off_at_the_deadline() -> None:
    with serve(lambda conn, _request: time.sleep(5)) as srv:
        started = time.monotonic()
        with pytest.raises(http.DeadlineExceeded):
            fetch(srv.url, http.Policy(allow_loopback=True, deadline=1.0))
        assert time.monotonic() - started < 3.0


def test_a_huge_body_is_abandoned_at_the_cap_without_growing_memory() -> None:
    with serve(huge_body) as srv:
        tracemalloc.start()
        try:
            with pytest.raises(http.ResponseTooLarge):
                fetch(srv.url, http.Policy(allow_loopback=True, deadline=10, max_bytes=1 << 20))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_a_declared_huge_body_is_refused_before_reading() -> None:
    def behave(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 314572800\r\n\r\n{")
        time.sleep(2)

    with serve(behave) as srv:
        started = time.monotonic()
        with pytest.raises(http.ResponseTooLarge):
            fetch(srv.url)
        assert time.monotonic() - started < 1.5  # the server holds the rest back for 2 s


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", False),
        ("2a00:1450:4009:81f::200e", False),
        ("127.0.0.1", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("100.100.100.200", True),
        ("168.63.129.16", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),
        ("64:ff9b::a00:1", True),
        ("fd00:ec2::254", True),
    ],
)
def test_addresses_the_hub_never_connects_to(address: str, refused: bool) -> None:
    assert bool(http.refusal_for_address(address, allow_loopback=False)) is refused


def test_allowing_loopback_allows_loopback_only() -> None:
    assert http.refusal_for_address("127.0.0.1", allow_loopback=True) is None
    assert http.refusal_for_address("10.0.0.1", allow_loopback=True)
    assert http.refusal_for_address("169.254.169.254", allow_loopback=True)


def test_production_refuses_to_allow_loopback() -> None:
    from londonhub.platform.core.config import ConfigError, check_config

    settings = {
        "ENV_NAME": "production",
        "SECRET_KEY": "x" * 40,
        "SESSION_COOKIE_SECURE": True,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "OUTBOUND_ALLOW_LOOPBACK": True,
    }
    with pytest.raises(ConfigError, match="OUTBOUND_ALLOW_LOOPBACK"):
        check_config(settings)


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_the_shared_cache_expires(store: str, request: pytest.FixtureRequest) -> None:
    if store == "redis":
        cache = shared_cache.RedisCache(request.getfixturevalue("redis_url"))
    else:
        cache = shared_cache.MemoryCache()
    cache.set("a", {"x": 1}, 0.3)
    assert cache.get("a") == {"x": 1}
    assert cache.add("a", 2, 5) is False
    time.sleep(0.4)
    assert cache.get("a") is None
    assert cache.add("a", 2, 5) is True and cache.get("a") == 2


@pytest.fixture
def tls_server(tmp_path) -> Iterator[tuple[Server, str]]:
    """An https server on 127.0.0.1 with a certificate for `localhost` only, and its CA file."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    behaviour: dict[str, Callable] = {"now": answer("200 OK", b"secure")}

    def behave(conn: socket.socket, request: bytes) -> None:
        behaviour["now"](conn, request)

    class TLSServer(Server):
        def get_request(self):
            conn, address = super().get_request()
            return context.wrap_socket(conn, server_side=True), address

    server = TLSServer(("127.0.0.1", 0), Handler)
    server.behave, server.seen, server.behaviour = behave, [], behaviour
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, str(cert_file)
    finally:
        server.shutdown()
        server.server_close()


def test_https_to_the_checked_address_keeps_the_name_for_sni_and_the_certificate(
    tls_server,
) -> None:
    server, ca = tls_server
    port = server.server_address[1]
    with http.GuardedSession(LOOPBACK_OK) as session:
        assert session.get(f"https://localhost:{port}/", verify=ca).content == b"secure"
        # The same server by address: the certificate names localhost, not 127.0.0.1.
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://127.0.0.1:{port}/", verify=ca)
    assert f"Host: localhost:{port}" in server.seen[0]


def test_a_trickling_https_server_is_cut_off_at_the_deadline(tls_server) -> None:
    server, ca = tls_server
    server.behaviour["now"] = trickle_body
    policy = http.Policy(allow_loopback=True, deadline=1.5)
    started = time.monotonic()
    with http.GuardedSession(policy) as session, pytest.raises(http.DeadlineExceeded):
        session.get(f"https://localhost:{server.server_address[1]}/", verify=ca)
    assert time.monotonic() - started < 3.5
