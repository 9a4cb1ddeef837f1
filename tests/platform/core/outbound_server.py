"""Local servers that misbehave on purpose, for the outbound guard's tests (core and OIDC):
each connection reads one request and hands the socket to a behaviour."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data = b""
        self.request.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        self.server.seen.append(data.decode("latin-1"))
        with contextlib.suppress(OSError):  # the client hung up, as it should
            self.server.behave(self.request, data)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def serve(behave: Callable[[socket.socket, bytes], None]) -> Iterator[Server]:
    server = Server(("127.0.0.1", 0), Handler)
    server.behave = behave
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        server.url = f"http://127.0.0.1:{server.server_address[1]}"
        yield server
    finally:
        server.shutdown()
        server.server_close()


def answer(status: str, body: bytes = b"", headers: tuple[str, ...] = ()) -> Callable:
    def behave(conn: socket.socket, _request: bytes) -> None:
        head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers, "", ""]
        conn.sendall("\r\n".join(head).encode() + body)

    return behave


def trickle_body(conn: socket.socket, _request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        conn.sendall(b"x")
        time.sleep(0.3)


def trickle_headers(conn: socket.socket, _request: bytes) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 200:
        conn.sendall(bytes([byte]))
        time.sleep(0.3)


def huge_body(conn: socket.socket, _request: bytes) -> None:
    """300 MB of JSON-ish bytes without a Content-Length: read until it stops."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    block = b"[" * (1024 * 1024)
    for _ in range(300):
        conn.sendall(block)
