"""HTTP plumbing: a threaded loopback server whose handler speaks HTTP/1.1 with keep-alive.

The handler parses requests into :class:`Request` values, asks the app for a
:class:`Reply` and writes it (or acts out a reset or a truncation). Requests
that cannot be parsed (a garbage request line, a header line over 64 KiB, a
bad body length) get a 400 in TMDB's error shape and the connection closes.
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlsplit

from bearerkit.sandbox.messages import INVALID_PARAMS, Reply, Request, tmdb_error

if TYPE_CHECKING:
    from bearerkit.sandbox.app import SandboxApp

# A client that goes silent mid-request, or an idle keep-alive connection, frees
# its thread after this long.
CONNECTION_TIMEOUT = 15.0
MAX_BODY = 1_000_000  # bytes; TMDB's write bodies are tiny
# After a 400 that leaves unread input, read what is left (bounded) before
# closing, so the client gets the answer rather than a reset.
_DRAIN_LIMIT = 1_000_000
_DRAIN_TIMEOUT = 0.5


_DIGITS = re.compile(r"[0-9]{1,12}")  # str.isdigit() would accept "²", which int() refuses


class _Malformed(Exception):
    """The request body cannot be read as HTTP/1.1 says it should be."""


class SandboxServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` that knows its app and can cut its open connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, SandboxHandler)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        """Remember (or forget) a connection, so :meth:`close_connections` can reach it."""
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut every open connection, so idle keep-alive threads end now, not on timeout."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: clients hang up all the time, and the sandbox runs inside notebooks."""


class SandboxHandler(BaseHTTPRequestHandler):
    """Parses one request at a time on a keep-alive connection."""

    protocol_version = "HTTP/1.1"
    server_version = "bearerkit-sandbox"
    timeout = CONNECTION_TIMEOUT
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    raw_requestline: bytes  # set by BaseHTTPRequestHandler.handle_one_request

    @property
    def _server(self) -> SandboxServer:
        return cast(SandboxServer, self.server)

    def setup(self) -> None:
        """Start tracking the connection."""
        super().setup()
        self._server.track(self.connection, open_=True)

    def finish(self) -> None:
        """Stop tracking the connection."""
        try:
            super().finish()
        finally:
            self._server.track(self.connection, open_=False)

    def version_string(self) -> str:
        """Name the server without the Python version."""
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: per-request lines on stderr would clutter notebook cells."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing (the app keeps its own request log)."""

    def do_GET(self) -> None:
        """Serve GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve POST."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve PUT."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve PATCH."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve DELETE."""
        self._serve()

    def parse_request(self) -> bool:
        """Parse the request line and headers; refuse HTTP/0.9 (``GET /path``) at once.

        The standard library would wait for headers an HTTP/0.9 client never sends.
        """
        words = self.raw_requestline.decode("iso-8859-1").split()
        if len(words) == 2:
            self.requestline = " ".join(words)
            self.command, self.path, self.request_version = words[0], words[1], "HTTP/1.0"
            self.send_error(400)
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a request the standard library could not parse: TMDB's 400, then close.

        Called by ``BaseHTTPRequestHandler`` for a bad request line, an
        over-long or over-numerous header, an unknown method and the like.
        """
        if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
            self.request_version = "HTTP/1.0"  # so a status line is written at all
        path = urlsplit(getattr(self, "path", "") or "").path
        headers = getattr(self, "headers", None)
        had_auth = headers is not None and "Authorization" in headers
        request = Request(
            self.command or "", path, headers={"authorization": ""} if had_auth else {}
        )
        self._server.app.record_request(request, 400)
        self.close_connection = True
        self._send(tmdb_error(INVALID_PARAMS))
        self._drain()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        fields = parse_qs(url.query, keep_blank_values=True)
        query = {name: values[0] for name, values in fields.items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            body = self._read_body()
        except _Malformed:
            self.send_error(400)
            return
        request = Request(self.command, url.path, query, headers, body)
        reply = self._server.app.handle_request(request)
        if reply.action == "reset":
            self._reset()
        elif reply.action == "truncate":
            self._truncate(reply)
        else:
            self._send(reply)

    def _read_body(self) -> bytes:
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            if encoding.strip().lower() != "chunked":
                raise _Malformed
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not _DIGITS.fullmatch(length.strip()) or int(length) > MAX_BODY:
            raise _Malformed
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            raise _Malformed  # the client hung up mid-body
        return body

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size_line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _Malformed from None
            total += size
            if size < 0 or total > MAX_BODY:
                raise _Malformed
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _Malformed
            chunks.append(chunk)
        for _ in range(100):  # trailer lines, up to the blank line that ends them
            if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                return b"".join(chunks)
        raise _Malformed

    def _send(self, reply: Reply, *, declared_length: int | None = None) -> None:
        self.send_response(reply.status)
        if reply.status != 304:  # a 304 has no body; a client keeps the stored one's headers
            self.send_header("Content-Type", reply.content_type)
            length = declared_length if declared_length is not None else len(reply.body)
            self.send_header("Content-Length", str(length))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)

    def _truncate(self, reply: Reply) -> None:
        """Promise the whole body, send half of it, then hang up."""
        self.close_connection = True
        half = Reply(reply.status, reply.body[: len(reply.body) // 2], reply.content_type)
        self._send(half, declared_length=len(reply.body))

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a TCP RST, not a FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _drain(self) -> None:
        """Stop sending, then read and discard what the client still sends (bounded)."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_DRAIN_TIMEOUT)
            received = 0
            while received < _DRAIN_LIMIT:
                data = self.connection.recv(65536)
                if not data:
                    break
                received += len(data)
        except OSError:
            pass
