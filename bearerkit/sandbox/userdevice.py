"""The device authorization grant (RFC 8628) of the sandbox's sign-in server.

``POST /oauth/device_authorization`` hands out a device code and a user code; the
verification page ``/oauth/device`` (a form: the code, Approve, Deny) is where the
user decides; ``/oauth/token`` polls answer ``authorization_pending``, ``slow_down``
(polled sooner than the interval, or when asked to; the interval then grows 5 s for
good), ``access_denied`` or ``expired_token``, and once approved, the tokens.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bearerkit.sandbox import userpages
from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.oauth import (
    NO_STORE,
    OAuthError,
    basic_credentials,
    method_not_allowed,
    parse_form,
)
from bearerkit.sandbox.usertokens import (
    CLIENT_NAME,
    SCOPES,
    Family,
    TokenIssuer,
    parse_scope,
    put,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_AUTHORIZATION_PATH = "/oauth/device_authorization"
VERIFICATION_PATH = "/oauth/device"
# RFC 8628 §6.1: 20 consonants, 8 characters (~34 bits), shown as XXXX-XXXX.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


def normalize_user_code(text: str) -> str:
    """The user code as the sandbox stores it: upper case, dashes and spaces dropped."""
    return re.sub(r"[\s\-]", "", text).upper()


def _new_user_code() -> str:
    chars = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def seconds_number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds


@dataclass
class Device:
    """A device sign-in: its codes' state, the interval it must keep, the user's decision."""

    client_id: str
    scope: str
    user_code: str
    expires_at: float
    interval: float
    last_poll: float | None = None
    decision: str = "pending"  # "approved" or "denied"
    used: bool = False


class DeviceFlow(TokenIssuer):
    """Device codes, the verification page and the polls."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.device_interval = 5.0
        self.device_code_ttl = 900.0
        self._slow_downs = 0
        self._devices: dict[str, Device] = {}
        self._user_codes: dict[str, str] = {}  # user code -> device code
        self._forms: dict[str, float] = {}  # verification page form token -> expiry

    def slow_down_next(self, n: int) -> None:
        """Answer the next ``n`` device-code polls with ``slow_down``."""
        with self._lock:
            self._slow_downs += n

    def decide(self, user_code: str, approve: bool) -> Device:
        """Approve or deny the pending device sign-in with this user code."""
        code = normalize_user_code(user_code)
        with self._lock:
            device = self._devices.get(self._user_codes.get(code, ""))
            if device is None:
                raise LookupError(f"No device sign-in has the code {user_code!r}: check it.")
            if self.clock() >= device.expires_at:
                raise LookupError(
                    f"The code {user_code!r} has expired: start the sign-in again for a new one."
                )
            if device.decision != "pending":
                raise LookupError(f"The code {user_code!r} was already {device.decision}.")
            device.decision = "approved" if approve else "denied"
            return device

    def _device_authorization(self, request: Request, root_url: str) -> Reply:
        if request.method != "POST":
            return method_not_allowed(DEVICE_AUTHORIZATION_PATH)
        try:
            form = parse_form(request)
            client_id = self._client(form, basic_of(request))
            scope = parse_scope(form.get("scope"))
        except OAuthError as error:
            return error.reply()
        device_code = secrets.token_urlsafe(32)
        with self._lock:
            user_code = _new_user_code()
            while normalize_user_code(user_code) in self._user_codes:
                user_code = _new_user_code()
            ttl, interval = self.device_code_ttl, self.device_interval
            device = Device(client_id, scope, user_code, self.clock() + ttl, interval)
            put(self._devices, device_code, device)
            if len(self._user_codes) >= len(self._devices):  # put() dropped the oldest device
                self._user_codes = {c: d for c, d in self._user_codes.items() if d in self._devices}
            self._user_codes[normalize_user_code(user_code)] = device_code
        verification_uri = root_url + VERIFICATION_PATH
        body = {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?{urlencode({'user_code': user_code})}",
            "expires_in": int(ttl),
            "interval": seconds_number(interval),
        }
        return json_reply(200, body, headers=NO_STORE)

    def _verification_page(self, *, user_code: str = "", error: str = "") -> Reply:
        token = secrets.token_urlsafe(24)
        with self._lock:
            put(self._forms, token, self.clock() + self.device_code_ttl)
        status = 400 if error else 200
        return userpages.verification_form(
            VERIFICATION_PATH, token, user_code=user_code, error=error, status=status
        )

    def _verify(self, request: Request) -> Reply:
        """The verification form was sent: approve or deny the code it names."""
        try:
            form = parse_form(request)
        except OAuthError as error:
            return self._verification_page(error=error.description)
        user_code = form.get("user_code", "")
        with self._lock:
            expires_at = self._forms.pop(form.get("form", ""), None)
        if expires_at is None or self.clock() >= expires_at:
            return self._verification_page(
                user_code=user_code,
                error="This page has expired or was already used: check the code and try again.",
            )
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            return self._verification_page(user_code=user_code, error="Choose Approve or Deny.")
        try:
            device = self.decide(user_code, decision == "approve")
        except LookupError as error:
            return self._verification_page(user_code=user_code, error=str(error))
        return userpages.verification_done(
            device.decision == "approved", CLIENT_NAME, device.scope, SCOPES
        )

    def _poll(self, form: dict[str, str], client_id: str) -> Reply:
        device_code = form.get("device_code")
        if not device_code:
            raise OAuthError(400, "invalid_request", "Missing device_code.")
        now = self.clock()
        with self._lock:
            device = self._devices.get(device_code)
            if device is None or device.client_id != client_id or device.used:
                raise OAuthError(400, "invalid_grant", "Unknown or already used device_code.")
            if now >= device.expires_at:
                raise OAuthError(
                    400, "expired_token", "The device code expired; start the sign-in again."
                )
            too_soon = device.last_poll is not None and now - device.last_poll < device.interval
            device.last_poll = now
            if self._slow_downs > 0 or too_soon:
                self._slow_downs = max(0, self._slow_downs - 1)
                device.interval += 5  # RFC 8628 §3.5: the client adds 5 s for all later polls
                raise OAuthError(
                    400,
                    "slow_down",
                    f"Polling too fast: wait at least {seconds_number(device.interval)} s between polls.",
                )
            if device.decision == "denied":
                raise OAuthError(400, "access_denied", "The user denied the sign-in.")
            if device.decision == "pending":
                raise OAuthError(
                    400, "authorization_pending", "The user has not approved the sign-in yet."
                )
            device.used = True
            family = Family(client_id, device.scope)
            return self._issue(family, device.scope, with_refresh=True)


def basic_of(request: Request) -> tuple[str, str] | None:
    return basic_credentials(request.headers.get("authorization", ""))
