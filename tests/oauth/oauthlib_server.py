"""An independent authorization server for the conformance tests: oauthlib's server side.

oauthlib (3.3+) implements the RFC 8628 device grant, the authorization code grant
with PKCE and the refresh grant; this module only stores what its validator is
asked to store and serves its endpoints over HTTP on 127.0.0.1:

- ``POST /device``: ``DeviceApplicationServer`` (the device authorization answer);
- ``GET /authorize``: ``Server.create_authorization_response``, approving at once
  (the user's consent) and redirecting to the loopback ``redirect_uri``;
- ``POST /token``: ``Server.create_token_response`` for all three grants;
- ``GET /api``: ``Server.verify_request`` for the bearer token.

Device codes are approved with :meth:`OAuthlibServer.approve` (status strings of
``DeviceCodeGrant``), PKCE is required, refresh tokens rotate.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc8628.endpoints import DeviceApplicationServer
from oauthlib.oauth2.rfc8628.grant_types import DeviceCodeGrant
from oauthlib.oauth2.rfc8628.request_validator import RequestValidator

from .loginkit import ACCESS, CLIENT_ID, REFRESH

REDIRECT_PREFIXES = ("http://127.0.0.1:", "https://example.com/")


class _Validator(RequestValidator):
    def __init__(self, srv: OAuthlibServer) -> None:
        self.srv = srv

    # -- clients ---------------------------------------------------------------------------
    def client_authentication_required(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        return False  # a public client

    def authenticate_client_id(self, client_id: str, request: Any, *a: Any, **k: Any) -> bool:
        if client_id != CLIENT_ID:
            return False
        request.client = type("Client", (), {"client_id": client_id})()
        return True

    def validate_client_id(self, client_id: str, request: Any, *a: Any, **k: Any) -> bool:
        return client_id == CLIENT_ID

    def validate_grant_type(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def validate_response_type(self, client_id: str, response_type: str, *a: Any, **k: Any) -> bool:
        return response_type == "code"

    def validate_scopes(self, client_id: str, scopes: list[str], *a: Any, **k: Any) -> bool:
        return set(scopes) <= {"read", "write"}

    def get_default_scopes(self, *args: Any, **kwargs: Any) -> list[str]:
        return ["read"]

    # -- authorization codes ---------------------------------------------------------------
    def validate_redirect_uri(self, client_id: str, redirect_uri: str, *a: Any, **k: Any) -> bool:
        return redirect_uri.startswith(REDIRECT_PREFIXES)

    def get_default_redirect_uri(self, *args: Any, **kwargs: Any) -> None:
        return None

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        return True

    def save_authorization_code(
        self, client_id: str, code: dict, request: Any, *a: Any, **k: Any
    ) -> None:
        self.srv.codes[code["code"]] = {
            "challenge": request.code_challenge,
            "method": request.code_challenge_method,
            "redirect_uri": request.redirect_uri,
            "scopes": request.scopes,
        }

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *a: Any, **k: Any
    ) -> bool:
        entry = self.srv.codes.get(code)
        if entry is None:
            return False
        request.scopes = entry["scopes"]
        request.user = "analyst"
        return True

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        entry = self.srv.codes.get(code)
        return entry["challenge"] if entry else None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        entry = self.srv.codes.get(code)
        return entry["method"] if entry else None

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, *a: Any, **k: Any
    ) -> bool:
        entry = self.srv.codes.get(code)
        return entry is not None and entry["redirect_uri"] == redirect_uri

    def invalidate_authorization_code(self, client_id: str, code: str, *a: Any, **k: Any) -> None:
        self.srv.codes.pop(code, None)  # single use

    # -- device codes ----------------------------------------------------------------------
    def validate_device_code(
        self, client_id: str, code: str, request: Any, *a: Any, **k: Any
    ) -> str | None:
        entry = self.srv.devices.get(code)
        if entry is None:
            return None
        request.user = "analyst"
        request.scopes = entry["scopes"]
        return entry["status"]

    # -- tokens ----------------------------------------------------------------------------
    def save_bearer_token(self, token: dict, request: Any, *a: Any, **k: Any) -> None:
        with self.srv.lock:
            self.srv.access[token["access_token"]] = time.time() + token.get("expires_in", 3600)
            if "refresh_token" in token:
                self.srv.refresh[token["refresh_token"]] = list(request.scopes or ["read"])

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        expiry = self.srv.access.get(token or "")
        return expiry is not None and expiry > time.time()

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *a: Any, **k: Any
    ) -> bool:
        with self.srv.lock:
            scopes = self.srv.refresh.pop(refresh_token, None)  # rotated: the old one dies
        if scopes is None:
            return False
        request.user = "analyst"
        self.srv.refreshed_scopes = scopes
        return True

    def get_original_scopes(self, refresh_token: str, request: Any, *a: Any, **k: Any) -> list[str]:
        return self.srv.refreshed_scopes

    def rotate_refresh_token(self, request: Any) -> bool:
        return True


class OAuthlibServer:
    """oauthlib's endpoints over HTTP on 127.0.0.1."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, dict[str, Any]] = {}
        self.access: dict[str, float] = {}
        self.refresh: dict[str, list[str]] = {}
        self.refreshed_scopes: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self._n = 0
        validator = _Validator(self)

        def tokens(request: Any, refresh_token: bool = False) -> str:
            with self.lock:
                self._n += 1
                return f"{REFRESH if refresh_token else ACCESS}oauthlib-{self._n}"

        self.server = Server(
            validator,
            token_expires_in=3600,
            token_generator=lambda r: tokens(r),
            refresh_token_generator=lambda r: tokens(r, True),
        )
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, headers: dict[str, str], body: str | None, status: int) -> None:
                raw = (body or "").encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                uri = f"{owner.url}{self.path}"
                owner.requests.append((self.path, body))
                if self.path == "/device":
                    import json

                    headers, data, status = (
                        owner.device_endpoint.create_device_authorization_response(
                            uri, "POST", body, dict(self.headers)
                        )
                    )
                    if status == 200:
                        owner.devices[data["device_code"]] = {
                            "status": DeviceCodeGrant.DEVICE_CODE_PENDING,
                            "scopes": (data.get("scope") or "read").split(),
                            "user_code": data["user_code"],
                        }
                    self._reply(headers, json.dumps(data), status)
                else:
                    self._reply(
                        *owner.server.create_token_response(uri, "POST", body, dict(self.headers))
                    )

            def do_GET(self) -> None:
                uri = f"{owner.url}{self.path}"
                owner.requests.append((self.path, ""))
                if self.path.startswith("/authorize"):
                    scopes, _ = owner.server.validate_authorization_request(uri)
                    headers, body, status = owner.server.create_authorization_response(
                        uri, scopes=scopes
                    )
                    self._reply(headers, body, status)
                    return
                valid, _ = owner.server.verify_request(uri, headers=dict(self.headers))
                if valid:
                    self._reply({}, '{"ok": true}', 200)
                else:
                    self._reply({"WWW-Authenticate": 'Bearer error="invalid_token"'},
                                '{"error": "invalid_token"}', 401)  # fmt: skip

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.device_endpoint = DeviceApplicationServer(
            validator, verification_uri=f"{self.url}/activate", interval=0
        )
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def approve(self, status: str = DeviceCodeGrant.DEVICE_CODE_AUTHORIZED) -> None:
        for entry in self.devices.values():
            entry["status"] = status

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def oauthlib_server():  # type: ignore[no-untyped-def]
    srv = OAuthlibServer()
    try:
        yield srv
    finally:
        srv.stop()
