"""Tests for bearerkit.oauth: the client-credentials grant against real local servers.

``AuthServer`` is a small threaded token endpoint plus a protected resource on
127.0.0.1. It records every token request byte for byte, so these tests pin down
exactly how the credentials travel (Basic header vs form fields). Tests at the
end run the same flows against the bearerkit sandbox through ``bearerkit.Client``.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_plus, unquote_plus

import pytest
import requests

from bearerkit.errors import (
    AuthError,
    BearerkitError,
    InsecureTransportError,
    NetworkError,
    ResponseFormatError,
    ServerError,
    TokenError,
)
from bearerkit.oauth import ClientCredentials, _renewal_delay

# Built at run time so no credential-shaped literal sits in the sources.
CLIENT_ID = "bk-test-client"
SECRET = "-".join(["bk", "leak", "canary", "client", "secret", "93f1"])
TOKEN_PREFIX = "bk-leak-canary-access-"


@dataclass
class Scripted:
    """A canned token-endpoint answer."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def scripted_json(status: int, obj: object) -> Scripted:
    return Scripted(status, json.dumps(obj).encode())


class AuthServer:
    """A token endpoint at ``/token`` and a bearer-protected ``/api/...`` on 127.0.0.1."""

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
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def make_auth(srv: AuthServer, **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(srv.token_url, CLIENT_ID, SECRET, **kwargs)


def full_text(exc: BaseException) -> str:
    """Everything a notebook would show for ``exc``: message, repr, chained tracebacks."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + repr(exc)


def assert_no_secrets(text: str, srv: AuthServer | None = None) -> None:
    assert SECRET not in text
    assert TOKEN_PREFIX not in text
    for token in srv.issued if srv else []:
        assert token not in text


# -- how the token request looks on the wire -------------------------------------


def test_basic_client_auth_sends_credentials_in_the_authorization_header(server, session):
    session.get(f"{server.url}/api/x", auth=make_auth(server), timeout=5)

    [req] = server.token_requests
    expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert req["authorization"] == f"Basic {expected}"
    assert req["form"] == {"grant_type": "client_credentials"}
    assert req["content_type"].startswith("application/x-www-form-urlencoded")
    assert "application/json" in req["accept"]


def test_post_client_auth_sends_credentials_as_form_fields(server, session):
    session.get(f"{server.url}/api/x", auth=make_auth(server, client_auth="post"), timeout=5)

    [req] = server.token_requests
    assert req["authorization"] is None
    assert req["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"scope": "read write"}, {"scope": "read write"}),
        ({"scope": ["read", "write"]}, {"scope": "read write"}),
        ({"audience": "https://api.example.com"}, {"audience": "https://api.example.com"}),
        ({"scope": "read", "audience": "aud-1"}, {"scope": "read", "audience": "aud-1"}),
    ],
)
def test_scope_and_audience_are_form_fields(server, kwargs, expected):
    make_auth(server, **kwargs).fetch_token()

    [req] = server.token_requests
    assert req["form"] == {"grant_type": "client_credentials", **expected}


def test_bearer_header_carries_the_issued_token(server, session):
    r = session.get(f"{server.url}/api/x", auth=make_auth(server), timeout=5)

    assert r.status_code == 200
    assert server.api_requests[0]["authorization"] == f"Bearer {server.issued[0]}"


@pytest.mark.parametrize("bad", ["Basic", "client_secret_basic", "", "form"])
def test_unknown_client_auth_is_a_value_error_naming_both_choices(bad):
    with pytest.raises(ValueError, match=r"'basic' or 'post'"):
        ClientCredentials("https://auth.example.com/token", CLIENT_ID, SECRET, client_auth=bad)


@pytest.mark.parametrize(
    "url, kwargs, error",
    [
        ("auth.example.com/token", {}, ValueError),
        ("ftp://auth.example.com/token", {}, ValueError),
        ("https://auth.example.com/token", {"leeway": -1}, ValueError),
        ("https://auth.example.com/token", {"timeout": 0}, ValueError),
    ],
)
def test_bad_arguments_are_rejected_before_any_request(url, kwargs, error):
    with pytest.raises(error):
        ClientCredentials(url, CLIENT_ID, SECRET, **kwargs)


@pytest.mark.parametrize("client_id, secret", [("", SECRET), (CLIENT_ID, ""), (CLIENT_ID, "  ")])
def test_empty_credentials_are_a_token_error(client_id, secret):
    with pytest.raises(TokenError, match="empty"):
        ClientCredentials("https://auth.example.com/token", client_id, secret)


# -- caching and renewal ---------------------------------------------------------


def test_token_is_cached_across_requests(server, session):
    auth = make_auth(server)
    for _ in range(5):
        assert session.get(f"{server.url}/api/x", auth=auth, timeout=5).status_code == 200

    assert len(server.token_requests) == 1
    assert auth.token_count == 1
    assert {r["authorization"] for r in server.api_requests} == {f"Bearer {server.issued[0]}"}


@pytest.mark.parametrize(
    "expires_in, leeway, expected",
    [
        (3600, 30, 3570),  # long-lived: leeway before expiry
        (60, 30, 30),  # exactly two leeways: leeway rule
        (59, 30, 29.5),  # shorter: half-life
        (1, 30, 0.5),
        (10, 0, 10),
        (0, 30, 0),
    ],
)
def test_renewal_schedule(expires_in, leeway, expected):
    assert _renewal_delay(expires_in, leeway) == pytest.approx(expected)


def test_short_lived_token_is_renewed_and_calls_keep_succeeding(server, session):
    server.ttl = 1  # renewed at half-life, 0.5 s
    auth = make_auth(server)

    first = session.get(f"{server.url}/api/x", auth=auth, timeout=5).json()
    time.sleep(0.7)
    second = session.get(f"{server.url}/api/x", auth=auth, timeout=5).json()

    assert (first["token_number"], second["token_number"]) == (1, 2)
    assert auth.token_count == 2
    assert len(server.token_requests) == 2


def test_token_without_expires_in_is_kept_until_a_401(server, session):
    server.ttl = None
    auth = make_auth(server)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)
    assert auth.token_expires_at is None

    server.revoke()
    r = session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    assert r.status_code == 200
    assert auth.token_count == 2


def test_expires_in_as_a_numeric_string_is_accepted(server):
    server.scripted.append(
        scripted_json(
            200, {"access_token": TOKEN_PREFIX + "s", "token_type": "bearer", "expires_in": "120"}
        )
    )
    auth = make_auth(server)
    auth.fetch_token()

    assert auth.token_expires_at is not None
    left = auth.token_expires_at - datetime.now(timezone.utc)
    assert timedelta(seconds=100) < left <= timedelta(seconds=120)


def test_fetch_token_forces_a_new_token_and_returns_nothing(server):
    auth = make_auth(server)
    assert auth.token_expires_at is None
    assert auth.fetch_token() is None
    assert auth.fetch_token() is None

    assert auth.token_count == 2
    assert len(server.token_requests) == 2
    assert auth.token_expires_at is not None
    assert auth.token_expires_at.tzinfo is not None


# -- retry after 401 ---------------------------------------------------------------


def test_401_is_retried_once_with_a_fresh_token(server, session):
    auth = make_auth(server)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)
    server.revoke()

    r = session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    assert r.status_code == 200
    assert r.json()["token_number"] == 2
    assert [h.status_code for h in r.history] == [401]
    assert r.request.headers["Authorization"] == f"Bearer {server.issued[1]}"
    assert len(server.token_requests) == 2
    assert auth.token_count == 2


def test_a_second_401_is_returned_not_retried_again(server, session):
    auth = make_auth(server)
    server.accept_tokens = False

    r = session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    assert r.status_code == 401
    assert len(r.history) == 1
    assert len(server.api_requests) == 2
    assert len(server.token_requests) == 2


def test_retry_after_401_resends_the_body(server, session):
    auth = make_auth(server)
    auth.fetch_token()
    server.revoke()

    r = session.post(f"{server.url}/api/echo", json={"title": "Amélie"}, auth=auth, timeout=5)

    assert r.status_code == 200
    first, second = server.api_requests
    assert first["body"] == second["body"] == json.dumps({"title": "Amélie"}).encode()


def test_other_errors_are_not_retried(server, session):
    auth = make_auth(server)
    r = session.get(f"{server.url}/nothing-here", auth=auth, timeout=5)

    assert r.status_code == 404
    assert r.history == []
    assert auth.token_count == 1


# -- threads ---------------------------------------------------------------------


def test_concurrent_requests_share_one_token_request(server, session):
    server.token_delay = 0.3  # keep the first fetch in flight while the others arrive
    auth = make_auth(server)

    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: session.get(f"{server.url}/api/x", auth=auth, timeout=5).status_code,
                range(8),
            )
        )

    assert codes == [200] * 8
    assert len(server.token_requests) == 1
    assert auth.token_count == 1


def test_concurrent_401s_share_one_renewal(server, session):
    auth = make_auth(server)
    auth.fetch_token()
    server.revoke()
    server.token_delay = 0.2

    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: session.get(f"{server.url}/api/x", auth=auth, timeout=5).status_code,
                range(8),
            )
        )

    assert codes == [200] * 8
    assert len(server.token_requests) == 2
    assert auth.token_count == 2


# -- token endpoint errors -----------------------------------------------------------


def test_wrong_secret_is_an_auth_error_quoting_the_endpoint(server):
    auth = ClientCredentials(server.token_url, CLIENT_ID, SECRET + "-wrong")

    with pytest.raises(AuthError) as info:
        auth.fetch_token()

    message = str(info.value)
    assert "invalid_client" in message
    assert "Client authentication failed." in message
    assert "client_id / client_secret" in message
    assert info.value.status_code == 401
    assert info.value.api_message == "Client authentication failed."
    assert SECRET not in full_text(info.value)
    assert auth.token_count == 0


def test_endpoint_error_through_a_request_reaches_the_caller(server, session):
    auth = ClientCredentials(server.token_url, CLIENT_ID, "not-" + SECRET)

    with pytest.raises(AuthError, match="invalid_client"):
        session.get(f"{server.url}/api/x", auth=auth, timeout=5)
    assert server.api_requests == []  # nothing sent without a token


@pytest.mark.parametrize(
    "canned, error, words",
    [
        (
            scripted_json(400, {"error": "unsupported_grant_type"}),
            AuthError,
            ["unsupported_grant_type", "token_url"],
        ),
        (
            scripted_json(400, {"error": "invalid_scope", "error_description": "no such scope"}),
            AuthError,
            ["invalid_scope (no such scope)", "scope="],
        ),
        (scripted_json(200, {"error": "invalid_request"}), AuthError, ["invalid_request"]),
        (
            Scripted(401, b"nope", "text/plain"),
            AuthError,
            ["HTTP 401", "client_id / client_secret"],
        ),
        (
            Scripted(200, b"<html><body>Sign in</body></html>", "text/html"),
            ResponseFormatError,
            ["text/html", "Sign in"],
        ),
        (
            Scripted(404, b"<h1>Not Found</h1>", "text/html"),
            ResponseFormatError,
            ["HTTP 404", "Not Found", "token_url"],
        ),
        (Scripted(503, b"<h1>Down</h1>", "text/html"), ServerError, ["HTTP 503", "later"]),
        (scripted_json(502, {"message": "bad gateway"}), ServerError, ["HTTP 502"]),
        (scripted_json(200, ["not", "an", "object"]), ResponseFormatError, ["JSON list"]),
        (
            scripted_json(200, {"token_type": "Bearer", "expires_in": 60}),
            ResponseFormatError,
            ["access_token", "expires_in, token_type"],
        ),
        (
            scripted_json(200, {"access_token": TOKEN_PREFIX + "m", "token_type": "mac"}),
            ResponseFormatError,
            ["'mac'", "Bearer"],
        ),
        (
            scripted_json(200, {"access_token": TOKEN_PREFIX + "e", "expires_in": "soon"}),
            ResponseFormatError,
            ["expires_in='soon'"],
        ),
    ],
)
def test_unusable_token_answers_become_bearerkit_errors(server, canned, error, words):
    server.scripted.append(canned)
    auth = make_auth(server)

    with pytest.raises(error) as info:
        auth.fetch_token()

    for word in words:
        assert word in str(info.value)
    assert_no_secrets(full_text(info.value))
    assert auth.token_count == 0


def test_secret_echoed_by_the_server_is_masked(server):
    server.scripted.append(
        scripted_json(401, {"error": "invalid_client", "error_description": f"bad secret {SECRET}"})
    )
    with pytest.raises(AuthError) as info:
        make_auth(server).fetch_token()

    assert "bad secret ***" in str(info.value)
    assert SECRET not in full_text(info.value)


def test_redirect_is_not_followed_with_the_credentials(server):
    server.scripted.append(
        Scripted(307, b"", "text/plain", {"Location": f"{server.url}/elsewhere"})
    )

    with pytest.raises(ResponseFormatError, match="redirected"):
        make_auth(server).fetch_token()
    assert server.other_hits == 0


def test_unreachable_token_endpoint_is_a_network_error():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    auth = ClientCredentials(f"http://127.0.0.1:{port}/token", CLIENT_ID, SECRET)

    with pytest.raises(NetworkError, match="Could not connect") as info:
        auth.fetch_token()
    assert_no_secrets(full_text(info.value))


def test_silent_token_endpoint_times_out(server):
    server.hanging = True
    auth = make_auth(server, timeout=0.3)

    with pytest.raises(NetworkError, match=r"did not answer within 0.3 s") as info:
        auth.fetch_token()
    assert_no_secrets(full_text(info.value))


@pytest.mark.parametrize("client_auth", ["basic", "post"])
@pytest.mark.parametrize("odd", ["a+b/c=d:e%f g", "sécret-☃-value"])
def test_secrets_with_special_characters_work_with_both_methods(server, odd, client_auth):
    server.client_secret = odd
    auth = ClientCredentials(server.token_url, CLIENT_ID, odd, client_auth=client_auth)
    auth.fetch_token()

    assert auth.token_count == 1
    req = server.token_requests[0]
    if client_auth == "basic":  # RFC 6749 §2.3.1: form-encode, then base64
        pair = base64.b64decode(req["authorization"][6:]).decode("ascii")
        assert pair == f"{CLIENT_ID}:{quote_plus(odd)}"
    else:
        assert req["form"]["client_secret"] == odd


def test_no_authlib_exception_escapes(server):
    from authlib.common.errors import AuthlibBaseError

    for canned in [scripted_json(400, {"error": "x"}), Scripted(200, b"garbage", "text/plain")]:
        server.scripted.append(canned)
        with pytest.raises(BearerkitError) as info:
            make_auth(server).fetch_token()
        assert not isinstance(info.value, AuthlibBaseError)


# -- transport security -----------------------------------------------------------


@pytest.mark.parametrize("url", ["http://auth.example.com/token", "http://10.0.0.5/token"])
def test_plain_http_token_url_to_a_remote_host_is_refused(url):
    with pytest.raises(InsecureTransportError, match="https"):
        ClientCredentials(url, CLIENT_ID, SECRET)


@pytest.mark.parametrize(
    "url", ["http://localhost:1/token", "http://127.0.0.1:1/token", "https://auth.example.com/t"]
)
def test_https_and_loopback_token_urls_are_allowed(url):
    assert ClientCredentials(url, CLIENT_ID, SECRET).token_url == url


def test_access_token_is_not_put_on_plain_http_to_a_remote_host(server):
    auth = make_auth(server)
    request = requests.Request("GET", "http://api.example.com/v1/x", auth=auth)

    with pytest.raises(InsecureTransportError):
        request.prepare()
    assert server.token_requests == []


# -- secrets stay secret -----------------------------------------------------------


def test_repr_and_str_show_url_and_client_id_but_no_secrets(server, session):
    auth = make_auth(server)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    for text in (repr(auth), str(auth), f"{auth}"):
        assert server.token_url in text
        assert CLIENT_ID in text
        assert_no_secrets(text, server)


def test_repr_drops_userinfo_from_the_token_url():
    auth = ClientCredentials("https://user:pw-xyz@auth.example.com/token", CLIENT_ID, SECRET)
    assert "pw-xyz" not in repr(auth)
    assert "auth.example.com/token" in repr(auth)


# -- from_env ------------------------------------------------------------------------


def write_env(folder: Path, text: str) -> Path:
    path = folder / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_from_env_reads_the_nearest_env_file(server, tmp_path, monkeypatch):
    write_env(
        tmp_path,
        f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET={SECRET}\nOAUTH_TOKEN_URL={server.token_url}\n",
    )
    sub = tmp_path / "notebooks"
    sub.mkdir()
    monkeypatch.chdir(sub)

    auth = ClientCredentials.from_env(client_auth="post")
    auth.fetch_token()

    assert auth.token_url == server.token_url
    assert auth.client_auth == "post"
    assert server.token_requests[0]["form"]["client_secret"] == SECRET


def test_from_env_with_prefix_env_file_and_explicit_token_url(server, tmp_path):
    env = write_env(tmp_path, f"MYAPI_CLIENT_ID={CLIENT_ID}\nMYAPI_CLIENT_SECRET={SECRET}\n")

    auth = ClientCredentials.from_env(
        "MYAPI", token_url=server.token_url, env_file=env, scope="read"
    )
    auth.fetch_token()

    assert server.token_requests[0]["form"]["scope"] == "read"


def test_process_environment_wins_over_env_file(server, tmp_path, monkeypatch):
    write_env(
        tmp_path,
        f"OAUTH_CLIENT_ID=other\nOAUTH_CLIENT_SECRET=other-secret\nOAUTH_TOKEN_URL={server.token_url}\n",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OAUTH_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OAUTH_CLIENT_SECRET", SECRET)

    ClientCredentials.from_env().fetch_token()
    assert len(server.issued) == 1


@pytest.mark.parametrize(
    "env, missing",
    [
        (f"OAUTH_CLIENT_SECRET={SECRET}\nOAUTH_TOKEN_URL=https://a.example/t\n", "OAUTH_CLIENT_ID"),
        (
            f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_TOKEN_URL=https://a.example/t\n",
            "OAUTH_CLIENT_SECRET",
        ),
        (f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET={SECRET}\n", "OAUTH_TOKEN_URL"),
        (
            f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET=\nOAUTH_TOKEN_URL=https://a.example/t\n",
            "OAUTH_CLIENT_SECRET",
        ),
    ],
)
def test_from_env_missing_variable_is_a_token_error_naming_it(tmp_path, monkeypatch, env, missing):
    write_env(tmp_path, env)
    monkeypatch.chdir(tmp_path)

    with pytest.raises(TokenError) as info:
        ClientCredentials.from_env()

    assert missing in str(info.value)
    assert ".env" in str(info.value)
    assert_no_secrets(full_text(info.value))


def test_from_env_without_any_env_file_names_the_first_variable():
    with pytest.raises(TokenError, match="OAUTH_CLIENT_ID"):
        ClientCredentials.from_env()


def test_from_env_bad_token_url_names_the_variable(tmp_path, monkeypatch):
    write_env(
        tmp_path,
        f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET={SECRET}\nOAUTH_TOKEN_URL=auth.example.com\n",
    )
    monkeypatch.chdir(tmp_path)

    with pytest.raises(TokenError, match="OAUTH_TOKEN_URL"):
        ClientCredentials.from_env()


def test_errors_from_an_env_configured_client_name_the_variables(server, tmp_path):
    env = write_env(tmp_path, f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET=wrong-{SECRET}\n")
    auth = ClientCredentials.from_env(token_url=server.token_url, env_file=env)

    with pytest.raises(AuthError, match="Check OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET") as info:
        auth.fetch_token()
    assert_no_secrets(full_text(info.value))


# -- through bearerkit.Client ------------------------------------------------------------


def test_client_uses_the_auth_and_renews_after_a_401(server):
    from bearerkit.client import Client

    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api:
        assert api.get("x")["token_number"] == 1
        server.revoke()
        assert api.get("x")["token_number"] == 2

    assert auth.token_count == 2
    assert len(server.token_requests) == 2


def test_client_raises_auth_error_when_the_fresh_token_is_refused_too(server):
    from bearerkit.client import Client

    server.accept_tokens = False
    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("x")

    assert info.value.status_code == 401
    assert len(server.api_requests) == 2  # the request and exactly one retry
    assert len(server.token_requests) == 2
    assert_no_secrets(full_text(info.value) + repr(api), server)


def test_client_passes_token_endpoint_errors_through(server):
    from bearerkit.client import Client

    auth = ClientCredentials(server.token_url, CLIENT_ID, "wrong-" + SECRET)
    with Client(f"{server.url}/api", auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("x")

    assert "invalid_client" in str(info.value)
    assert server.api_requests == []
    assert_no_secrets(full_text(info.value))


def test_pickling_is_refused_so_the_secret_never_reaches_disk():
    import pickle

    with pytest.raises(TypeError, match="from_env"):
        pickle.dumps(ClientCredentials("https://auth.example.com/t", CLIENT_ID, SECRET))


# -- against the bearerkit sandbox ---------------------------------------------------------


@pytest.fixture
def sb() -> Iterator[Any]:
    from bearerkit import sandbox

    with sandbox.start() as running:
        yield running


def sandbox_auth(sb: Any, **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(sb.token_url, sb.client_id, sb.client_secret, **kwargs)


def sent_token(api: Any) -> str:
    """The access token the client really sent, read back from the request."""
    header = api.response("GET", "authentication").request.headers["Authorization"]
    return header.removeprefix("Bearer ")


@pytest.mark.parametrize("client_auth", ["basic", "post"])
def test_sandbox_accepts_both_client_auth_methods(sb, client_auth):
    from bearerkit.client import Client

    auth = sandbox_auth(sb, client_auth=client_auth)
    with Client(sb.url, auth=auth) as api:
        assert api.get("authentication")["success"] is True
        assert api.get("genre/movie/list")["genres"][0] == {"id": 28, "name": "Action"}

    assert sb.token_requests == 1
    assert auth.token_count == 1


def test_sandbox_short_lived_tokens_are_renewed(sb):
    from bearerkit.client import Client

    sb.token_ttl = 1  # renewed at half-life: every 0.5 s
    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api:
        for _ in range(3):
            assert api.get("authentication")["success"] is True
            time.sleep(0.6)

    assert auth.token_count == 3
    assert sb.token_requests == 3


def test_sandbox_revoked_token_costs_exactly_one_extra_token_request(sb):
    from bearerkit.client import Client

    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api:
        api.get("authentication")
        sb.revoke_tokens()
        assert api.get("authentication")["success"] is True
        assert api.get("authentication")["success"] is True

    assert sb.token_requests == 2
    assert auth.token_count == 2


def test_sandbox_eight_concurrent_requests_make_one_token_request(sb):
    from bearerkit.client import Client

    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: api.get("movie/popular", {"page": n}), range(1, 9)))

    assert [r["page"] for r in results] == list(range(1, 9))
    assert sb.token_requests == 1


def test_sandbox_paginate_with_eight_workers_makes_one_token_request(sb):
    from bearerkit.client import Client

    with Client(sb.url, auth=sandbox_auth(sb)) as api:
        frame = api.paginate("discover/movie", max_pages=8, workers=8, progress=False)

    assert len(frame) == 8 * 20
    assert sb.token_requests == 1


def test_sandbox_wrong_secret_is_an_auth_error_quoting_invalid_client(sb):
    from bearerkit.client import Client

    wrong = sb.client_secret[::-1]
    auth = ClientCredentials(sb.token_url, sb.client_id, wrong)
    with Client(sb.url, auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("authentication")

    text = full_text(info.value)
    assert "invalid_client" in str(info.value)
    assert "Client authentication failed." in str(info.value)
    assert wrong not in text
    assert sb.client_secret not in text


@pytest.mark.parametrize(
    "fault, error",
    [
        (lambda sb: sb.fail_next(1, status=503), ServerError),
        (lambda sb: sb.html_next(1), ResponseFormatError),
        (lambda sb: sb.reset_next(1), NetworkError),
    ],
)
def test_sandbox_token_endpoint_faults_become_bearerkit_errors(sb, fault, error):
    auth = sandbox_auth(sb)
    fault(sb)

    with pytest.raises(error) as info:
        auth.fetch_token()
    assert sb.client_secret not in full_text(info.value)

    auth.fetch_token()  # the fault was used up: the next try works
    assert auth.token_count == 1


def test_sandbox_from_env(sb, tmp_path, monkeypatch):
    from bearerkit.client import Client

    (tmp_path / ".env").write_text(
        f"OAUTH_CLIENT_ID={sb.client_id}\n"
        f"OAUTH_CLIENT_SECRET={sb.client_secret}\n"
        f"OAUTH_TOKEN_URL={sb.token_url}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    auth = ClientCredentials.from_env(client_auth="post")
    with Client(sb.url, auth=auth) as api:
        assert api.get("authentication")["success"] is True
    assert sb.token_requests == 1


def test_sandbox_secrets_never_show_in_repr_str_or_errors(sb):
    from bearerkit.client import Client

    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api:
        access_token = sent_token(api)
        sb.revoke_tokens()
        sb.fail_next(2, status=401)  # the API call and the retry's fresh token both fail
        with pytest.raises(BearerkitError) as info:
            api.get("authentication")
        shown = [repr(auth), str(auth), repr(api), str(api), full_text(info.value)]

    assert auth.token_count >= 1
    for text in shown:
        assert sb.client_secret not in text
        assert access_token not in text
    assert sb.client_id in repr(auth)
    assert sb.token_url in repr(auth)
