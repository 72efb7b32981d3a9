"""Shared parts of the sign-in tests: a loopback authorization server, a sleeping fake clock, canaries.

``UserAuthServer`` is a small threaded server on 127.0.0.1 that plays every part
of a user sign-in, strictly: a device authorization endpoint (``/device``) whose
token polls follow a script (pending, slow_down, denied, expired, ok), an
authorization endpoint (``/authorize``) that redirects to the loopback
``redirect_uri`` with ``code`` and ``state`` (or ``error=access_denied``), a token
endpoint (``/token``) checking PKCE S256, single-use codes, the repeated
``redirect_uri`` and rotating refresh tokens (reuse of a rotated one is
``invalid_grant``), and a bearer-protected ``/api/...`` answering 401
``invalid_token`` for anything it did not issue or has expired.

Every secret it hands out starts with a canary prefix, so leak tests can look for them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

import pytest

# Built at run time so no credential-shaped literal sits in the sources.
CANARY = "-".join(["bk", "leak", "canary"])
CLIENT_ID = "bk-login-client"
CLIENT_SECRET = f"{CANARY}-client-secret-5e1f"
ACCESS = f"{CANARY}-access-"
REFRESH = f"{CANARY}-refresh-"
DEVICE = f"{CANARY}-device-"
CODE = f"{CANARY}-code-"
PREFIXES = (CANARY,)


class SleepClock:
    """A wall-clock stand-in the test moves; its ``sleep`` moves it too (the polling waits)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
        time.sleep(0.001)  # let other threads run, as a real sleep would

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


class UserAuthServer:
    """The authorization server, token endpoint and API of one provider, on loopback."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.client_secret: str | None = None  # None: a public client (PKCE, client_id only)
        self.ttl: float | None = 3600
        self.rotate = True
        self.interval: int | None = 5
        self.device_expires_in = 900
        self.verification_complete = True
        self.verification_field = "verification_uri"  # Google says verification_url
        self.device_script: list[str] = []  # answers to device polls, in order; then "ok"
        self.authorize_error: str | None = None  # e.g. "access_denied"
        self.token_delay = 0.0
        self.form_encoded = False  # answer like GitHub without Accept: application/json
        self.extra_token_fields: dict[str, Any] = {}
        self.api_challenge = 'Bearer error="invalid_token"'
        self.requests: list[dict[str, Any]] = []
        self.valid_access: dict[str, float | None] = {}  # token -> expiry on self.clock
        self.valid_refresh: set[str] = set()
        self.spent_refresh: set[str] = set()
        self.codes: dict[str, dict[str, Any]] = {}
        self.device_codes: dict[str, dict[str, Any]] = {}
        self.issued: list[str] = []
        self._n = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def json(self, status: int, obj: Any, **headers: str) -> None:
                if server.form_encoded and self.path.startswith("/token"):
                    body = urlencode({k: str(v) for k, v in obj.items()}).encode()
                    self._send(status, body, "application/x-www-form-urlencoded", **headers)
                    return
                self._send(status, json.dumps(obj).encode(), "application/json", **headers)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = dict(parse_qsl(raw.decode()))
                server._record(self, form)
                if self.path == "/device":
                    server._device(self, form)
                elif self.path == "/token":
                    if server.token_delay:
                        time.sleep(server.token_delay)
                    server._token(self, form)
                else:
                    server._api(self)

            def do_GET(self) -> None:
                server._record(self, {})
                if self.path.startswith("/authorize"):
                    server._authorize(self)
                else:
                    server._api(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.token_url = f"{self.url}/token"
        self.device_url = f"{self.url}/device"
        self.authorize_url = f"{self.url}/authorize"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # -- helpers ---------------------------------------------------------------------------

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)

    def _next(self, prefix: str) -> str:
        with self._lock:
            self._n += 1
            return f"{prefix}{self._n:04d}"

    def _record(self, h: Any, form: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(
                {
                    "path": h.path.split("?")[0],
                    "form": form,
                    "authorization": h.headers.get("Authorization"),
                    "accept": h.headers.get("Accept"),
                    "t": self.clock(),
                }
            )

    def token_requests(self, grant: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests
            if r["path"] == "/token" and (grant is None or r["form"].get("grant_type") == grant)
        ]

    def _client_ok(self, h: Any, form: dict[str, str]) -> bool:
        auth = h.headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            raw_id, _, raw_secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if client_id != CLIENT_ID:
            return False
        return self.client_secret is None or secret == self.client_secret

    def _issue(self, h: Any, scope: str | None, *, refresh: bool = True) -> None:
        access = self._next(ACCESS)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer"}
        with self._lock:
            self.issued.append(access)
            self.valid_access[access] = None if self.ttl is None else self.clock() + self.ttl
        if self.ttl is not None:
            answer["expires_in"] = self.ttl
        if refresh:
            token = self._next(REFRESH)
            with self._lock:
                self.valid_refresh.add(token)
            answer["refresh_token"] = token
        if scope:
            answer["scope"] = scope
        answer.update(self.extra_token_fields)
        h.json(200, answer, Cache_Control="no-store")

    # -- endpoints ---------------------------------------------------------------------------

    def _device(self, h: Any, form: dict[str, str]) -> None:
        if not self._client_ok(h, form):
            h.json(401, {"error": "invalid_client"})
            return
        device_code = self._next(DEVICE)
        user_code = f"WDJB-{self._n:04d}"
        with self._lock:
            self.device_codes[device_code] = {
                "scope": form.get("scope"),
                "expires": self.clock() + self.device_expires_in,
            }
        answer: dict[str, Any] = {
            "device_code": device_code,
            "user_code": user_code,
            self.verification_field: f"{self.url}/activate",
            "expires_in": self.device_expires_in,
        }
        if self.verification_complete:
            answer["verification_uri_complete"] = f"{self.url}/activate?user_code={user_code}"
        if self.interval is not None:
            answer["interval"] = self.interval
        h.json(200, answer)

    def _token(self, h: Any, form: dict[str, str]) -> None:
        if not self._client_ok(h, form):
            h.json(401, {"error": "invalid_client"})
            return
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            entry = self.device_codes.get(form.get("device_code", ""))
            if entry is None:
                h.json(400, {"error": "invalid_grant"})
                return
            step = self.device_script.pop(0) if self.device_script else "ok"
            if step == "ok":
                del self.device_codes[form["device_code"]]
                self._issue(h, entry["scope"])
            elif step == "slow_down":
                h.json(400, {"error": "slow_down"})
            elif step == "pending":
                h.json(400, {"error": "authorization_pending"})
            elif step == "denied":
                h.json(400, {"error": "access_denied"})
            elif step == "expired":
                h.json(400, {"error": "expired_token"})
            else:
                h.json(400, {"error": step})
        elif grant == "authorization_code":
            code = form.get("code", "")
            entry = self.codes.get(code)
            if entry is None or entry["used"]:
                if entry is not None:  # RFC 6749 §4.1.2: reuse revokes what the code gave
                    for token in entry["issued"]:
                        self.valid_access.pop(token, None)
                h.json(400, {"error": "invalid_grant", "error_description": "code used"})
                return
            entry["used"] = True
            if form.get("redirect_uri") != entry["redirect_uri"]:
                h.json(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
                return
            if s256(form.get("code_verifier", "")) != entry["challenge"]:
                h.json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                return
            before = len(self.issued)
            self._issue(h, entry["scope"])
            entry["issued"] = self.issued[before:]
        elif grant == "refresh_token":
            token = form.get("refresh_token", "")
            with self._lock:
                ok = token in self.valid_refresh
                if ok and self.rotate:
                    self.valid_refresh.discard(token)
                    self.spent_refresh.add(token)
                elif not ok and token in self.spent_refresh:
                    self.valid_refresh.clear()  # RFC 9700: a replayed one revokes the family
            if not ok:
                h.json(400, {"error": "invalid_grant", "error_description": "refresh token"})
                return
            if self.rotate:
                self._issue(h, form.get("scope"))
            else:
                self._issue(h, form.get("scope"), refresh=False)
        else:
            h.json(400, {"error": "unsupported_grant_type"})

    def _authorize(self, h: Any) -> None:
        query = dict(parse_qsl(urlsplit(h.path).query))
        redirect = query["redirect_uri"]
        sep = "&" if "?" in redirect else "?"
        if self.authorize_error:
            params = {"error": self.authorize_error, "state": query.get("state", "")}
        else:
            code = self._next(CODE)
            assert query.get("code_challenge_method") == "S256"
            self.codes[code] = {
                "challenge": query["code_challenge"],
                "redirect_uri": redirect,
                "scope": query.get("scope"),
                "used": False,
                "issued": [],
            }
            params = {"code": code, "state": query.get("state", "")}
        h._send(302, b"", "text/plain", Location=f"{redirect}{sep}{urlencode(params)}")

    def _api(self, h: Any) -> None:
        auth = h.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ")
        expiry = self.valid_access.get(token, -1.0)
        ok = auth.startswith("Bearer ") and (expiry is None or (expiry > self.clock()))
        if h.path.startswith("/api/scope"):
            h.json(403, {"error": "insufficient_scope"},
                   WWW_Authenticate='Bearer error="insufficient_scope", scope="admin"')  # fmt: skip
            return
        if not ok:
            h.json(401, {"error": "invalid_token"}, WWW_Authenticate=self.api_challenge)
            return
        h.json(200, {"ok": True, "token": self.issued.index(token) + 1})

    # -- what a browser does -----------------------------------------------------------------

    def browse(self, authorization_url: str) -> Any:
        """Follow the authorization URL like a browser: to the consent, then to the redirect."""
        import requests

        with requests.Session() as session:
            session.trust_env = False
            return session.get(authorization_url, timeout=10)

    def redirect_for(self, authorization_url: str) -> str:
        """The redirect URL the browser would land on, without visiting it (paste-the-URL)."""
        import requests

        with requests.Session() as session:
            session.trust_env = False
            answer = session.get(authorization_url, timeout=10, allow_redirects=False)
        return answer.headers["Location"]


def seed(srv: UserAuthServer) -> str:
    """A refresh token ``srv`` accepts (``REFRESH + "seed"``), to build a RefreshLogin with."""
    token = f"{REFRESH}seed"
    srv.valid_refresh.add(token)
    return token


def full_text(exc: BaseException) -> str:
    from .conftest import full_text as text  # late: conftest imports this module

    return text(exc)


def assert_clean(text: str) -> None:
    assert CANARY not in text, text[text.index(CANARY) - 80 : text.index(CANARY) + 80]


def leaky_locals(exc: BaseException) -> list[str]:
    """``frame:variable`` for every traceback local whose repr shows a canary (IPython %xmode Verbose)."""
    from .conftest import leaky_locals as showing  # late: conftest imports this module

    return showing(exc, (CANARY,))


# -- fixtures (registered in tests/oauth/conftest.py) ------------------------------------------


@pytest.fixture
def sleep_clock() -> SleepClock:
    return SleepClock()


@pytest.fixture
def user_server(sleep_clock: SleepClock):  # type: ignore[no-untyped-def]
    srv = UserAuthServer(clock=sleep_clock)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def real_server():  # type: ignore[no-untyped-def]
    srv = UserAuthServer()
    try:
        yield srv
    finally:
        srv.stop()
