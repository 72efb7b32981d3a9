"""Shared parts of the paging tests: the sandbox's paging styles, a scriptable loopback
server, a client spy that counts requests in flight, and the dataset every style serves.

``PageServer`` is a small threaded HTTP server on 127.0.0.1 whose answers a test
writes as a Python function; it records every request (path, query, body and the
``Authorization`` header), so tests can count hits and check where the token went.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import bearerkit as bk
from bearerkit import sandbox

CANARY = f"canary-TOKEN-{secrets.token_hex(8)}"
RECORDS = [{"id": i, "name": f"Item {i:02d}", "rank": i} for i in range(1, 58)]
IDS = list(range(1, 58))


@dataclass
class Hit:
    """One request a :class:`PageServer` received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None


# A route answers (status, headers, JSON body) from (hit, server).
Route = Callable[[Hit, "PageServer"], tuple[int, dict[str, str], Any]]


@dataclass
class PageServer:
    """A threaded loopback server whose answers come from ``route``; records every hit."""

    route: Route
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> PageServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                hit = Hit(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    json.loads(raw) if raw else None,
                    self.headers.get("Authorization"),
                )
                with owner.lock:
                    owner.hits.append(hit)
                status, headers, body = owner.route(hit, owner)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def pages_hit(self, name: str = "page") -> list[int]:
        """The page numbers requested so far, in arrival order (no number: page 1)."""
        with self.lock:
            return [int(h.query.get(name, 1)) for h in self.hits]


@pytest.fixture
def page_server() -> Iterator[Callable[[Route], PageServer]]:
    """Start a :class:`PageServer` for a route; all are stopped after the test."""
    started: list[PageServer] = []

    def make(route: Route) -> PageServer:
        server = PageServer(route).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    """The sandbox (its /styles paths serve the 57 records in every paging style)."""
    with sandbox.start(token=CANARY) as server:
        yield server


@pytest.fixture
def api(sb: sandbox.Sandbox) -> Iterator[bk.Client]:
    """A client for the sandbox's paging styles."""
    sb.set_latency(0)
    with bk.Client(sb.styles_url, CANARY, retries=0) as client:
        yield client


class InFlight:
    """Counts a client's requests and the most that were in flight at once."""

    def __init__(self, client: bk.Client) -> None:
        self.calls = 0
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()
        original = client.response

        def response(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
                self.now += 1
                self.peak = max(self.peak, self.now)
            try:
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.now -= 1

        client.response = response  # type: ignore[method-assign]
