"""Shared parts of the OAuth tests: a loopback token endpoint with an API, a fake clock, canaries.

``AuthServer`` is a small threaded server on 127.0.0.1: a token endpoint at
``/token`` and a bearer-protected API under ``/api/...``. It records every token
request byte for byte, so the tests pin down exactly how credentials travel.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import pytest
import requests

from bearerkit.oauth import ClientCredentials

# Built at run time so no credential-shaped literal sits in the sources.
CLIENT_ID = "bk-test-client"
SECRET = "-".join(["bk", "leak", "canary", "client", "secret", "93f1"])
TOKEN_PREFIX = "bk-leak-canary-access-"
# The Basic header value carries the secret base64-encoded: a canary of its own.
BASIC = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
CANARIES = (SECRET, TOKEN_PREFIX, BASIC)


@dataclass
class Scripted:
    """A canned token-endpoint answer."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def scripted_json(status: int, obj: object) -> Scripted:
    return Scripted(status, json.dumps(obj).encode())


class FakeClock:
    """A clock the test moves by hand (``ClientCredentials(clock=...)``)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class AuthServer:
    """A token endpoint at ``/token`` and a bearer-protected ``/api/...`` on 127.0.0.1.

    ``/api/redirect?to=URL`` answers 302 to URL without looking at the token;
    ``/api/echo-auth`` refuses with ``echo_status`` and quotes the Authorization header back.
    """

    def __init__(self) -> None:
        self.client_secret = SECRET
        self.ttl: float | None = 3600
        self.token_delay = 0.0  # seconds the token endpoint waits before answering
        self.hang = threading.Event()  # while clear and hanging=True, /token never answers
        self.hanging = False
        self.scripted: list[Scripted] = []
        self.token_requests: list[dict[str, Any]] = []
        self.api_requests: list[dict[str, Any]] = []
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.accept_tokens = True
        self.echo_status = 403
        self.other_hits = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, obj: object, **headers: str) -> None:
                self._send(status, json.dumps(obj).encode(), "application/json", headers)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:
                if self.path == "/token":
                    server._token(self, self._body())
                elif self.path.startswith("/api"):
                    server._api(self, self._body())
                else:
                    with server._lock:
                        server.other_hits += 1
                    self._json(200, {"access_token": "should-never-be-fetched"})

            def do_GET(self) -> None:
                if self.path.startswith("/api"):
                    server._api(self, b"")
                else:
                    with server._lock:
                        server.other_hits += 1
                    self._json(404, {"error": "not_found"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.token_url = f"{self.url}/token"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _token(self, h: Any, raw: bytes) -> None:
        form = dict(parse_qsl(raw.decode()))
        record = {
            "authorization": h.headers.get("Authorization"),
            "content_type": h.headers.get("Content-Type"),
            "accept": h.headers.get("Accept"),
            "form": form,
            "raw": raw,
        }
        with self._lock:
            self.token_requests.append(record)
            canned = self.scripted.pop(0) if self.scripted else None
        if self.hanging:
            self.hang.wait(30)
            return
        if self.token_delay:
            time.sleep(self.token_delay)
        if canned is not None:
            h._send(canned.status, canned.body, canned.content_type, canned.headers)
            return
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = record["authorization"]
        if auth and auth.startswith("Basic "):
            # RFC 6749 §2.3.1: both parts were form-encoded before base64.
            raw_id, _, raw_secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if form.get("grant_type") != "client_credentials":
            h._json(400, {"error": "unsupported_grant_type"})
            return
        if client_id != CLIENT_ID or secret != self.client_secret:
            h._json(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed."},
                **{"WWW-Authenticate": 'Basic realm="test"'},
            )
            return
        with self._lock:
            token = f"{TOKEN_PREFIX}{len(self.issued) + 1}"
            self.issued.append(token)
            self.valid.add(token)
        answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        if self.ttl is not None:
            answer["expires_in"] = self.ttl
        h._json(200, answer, **{"Cache-Control": "no-store"})

    def _api(self, h: Any, raw: bytes) -> None:
        auth = h.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        with self._lock:
            self.api_requests.append({"authorization": auth, "body": raw, "path": h.path})
            ok = self.accept_tokens and token in self.valid
        if h.path.startswith("/api/redirect?to="):
            h._send(302, b"", "text/plain", {"Location": unquote_plus(h.path.split("=", 1)[1])})
            return
        if h.path.startswith("/api/echo-auth"):
            h._json(self.echo_status, {"status_message": f"The token {auth} is not allowed here."})
            return
        if not ok:
            h._json(401, {"error": "invalid_token"}, **{"WWW-Authenticate": "Bearer"})
            return
        h._json(
            200, {"ok": True, "token_number": self.issued.index(token) + 1, "echo": raw.decode()}
        )

    def revoke(self) -> None:
        with self._lock:
            self.valid.clear()

    def stop(self) -> None:
        self.hang.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)


@pytest.fixture
def server() -> Iterator[AuthServer]:
    srv = AuthServer()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def other_server() -> Iterator[AuthServer]:
    """A second loopback server on another port: a redirect target that must never see a token."""
    srv = AuthServer()
    srv.accept_tokens = False
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def netrc_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``~/.netrc`` with a login for 127.0.0.1, where a plain requests call would use it."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-pass\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    return netrc


def make_auth(srv: AuthServer, **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(srv.token_url, CLIENT_ID, SECRET, **kwargs)


def full_text(exc: BaseException) -> str:
    """Everything a notebook would show for ``exc``: message, repr, chained tracebacks."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + repr(exc)


def assert_no_secrets(text: str, srv: AuthServer | None = None) -> None:
    for canary in CANARIES:
        assert canary not in text
    for token in srv.issued if srv else []:
        assert token not in text


def leaky_locals(exc: BaseException, secrets: tuple[str, ...] = CANARIES) -> list[str]:
    """``frame:variable`` for every local whose repr shows a secret, in ``exc``'s traceback
    and those of its chained exceptions: what IPython's ``%xmode Verbose`` would print.

    The outermost frame of ``exc`` is left out: it is the test that caught it.
    """
    found = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        if current is exc and tb is not None:
            tb = tb.tb_next
        while tb is not None:
            frame = tb.tb_frame
            for name, value in frame.f_locals.items():
                try:
                    text = repr(value)
                except Exception:  # a repr that raises (e.g. a half-built object)
                    continue
                if any(secret in text for secret in secrets):
                    found.append(f"{frame.f_code.co_name}:{name}")
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]
    return found


# The sign-in tests' fixtures (issue 22): loopback servers and a sleeping fake clock.
from .loginkit import real_server, sleep_clock, user_server  # noqa: E402, F401
from .oauthlib_server import oauthlib_server  # noqa: E402, F401
