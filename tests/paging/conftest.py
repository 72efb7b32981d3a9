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

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.paging import (
    Cursor,
    LastId,
    LinkHeader,
    NextURL,
    Offset,
    Page,
    PageNumber,
    PageRequest,
)

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


STRIPE_IDS = [f"cus_{i:04d}" for i in IDS]
OPENAI_IDS = [f"file-{i:04d}" for i in IDS]

# name: (method, path, params, json, explicit paginator, ids, detected style)
STYLES: dict[str, tuple[str, str, Any, Any, Any, list[Any], str]] = {
    "github": ("GET", "github/items", None, None, LinkHeader(), IDS, "link_header"),
    "huggingface": ("GET", "huggingface/models", None, None, LinkHeader(), IDS, "link_header"),
    "spotify": (
        "GET",
        "spotify/search",
        {"q": "x", "type": "track"},
        None,
        NextURL("tracks.next"),
        IDS,
        "next_url",
    ),
    "notion_post": (
        "POST",
        "notion/databases/d1/query",
        None,
        {"page_size": 10},
        Cursor("next_cursor", "start_cursor", in_body=True),
        IDS,
        "cursor",
    ),
    "notion_get": (
        "GET",
        "notion/users",
        None,
        None,
        Cursor("next_cursor", "start_cursor"),
        IDS,
        "cursor",
    ),
    "slack": (
        "GET",
        "slack/users.list",
        None,
        None,
        Cursor("response_metadata.next_cursor", "cursor"),
        IDS,
        "cursor",
    ),
    "x": (
        "GET",
        "x/users/7/tweets",
        None,
        None,
        Cursor("meta.next_token", "pagination_token"),
        IDS,
        "cursor",
    ),
    "stripe": (
        "GET",
        "stripe/customers",
        None,
        None,
        LastId("starting_after"),
        STRIPE_IDS,
        "last_id",
    ),
    "openai": ("GET", "openai/files", None, None, LastId("after"), OPENAI_IDS, "last_id"),
    "graph": ("GET", "graph/users", None, None, NextURL("@odata.nextLink"), IDS, "next_url"),
    "facebook": ("GET", "facebook/posts", None, None, NextURL("paging.next"), IDS, "next_url"),
    "offset": ("GET", "offset/items", None, None, Offset(10), IDS, "offset"),
    "pages": (
        "GET",
        "pages/items",
        None,
        None,
        PageNumber(total_path="total", page_size=10),
        IDS,
        "page_number",
    ),
}
PLANNED = ("github", "offset", "pages")  # the first page tells how many there are
SEQUENTIAL = ("huggingface", "slack", "stripe", "graph")


def run(api: bk.Client, name: str, *, explicit: bool = False, **kwargs: Any) -> pd.DataFrame:
    method, path, params, body, paginator, _, _ = STYLES[name]
    return api.paginate(
        path,
        params,
        method=method,
        json=body,
        paginator=paginator if explicit else "auto",
        progress=False,
        **kwargs,
    )


BASE = "https://api.example.com/v1"


def page(
    body: Any,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    json: Any = None,
    url: str = f"{BASE}/items",
    records: list[Any] | None = None,
) -> Page:
    request = PageRequest(method, "items", params, json)
    found = records if records is not None else (body if isinstance(body, list) else [])
    return Page(request, body, headers or {}, url, found)
