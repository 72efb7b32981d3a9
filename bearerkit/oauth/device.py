"""Sign in on another device: the OAuth 2.0 device authorization grant (RFC 8628).

``login.start()`` asks for a device code and a user code, shows the page to open
and the code to type (the widget in Jupyter, one line in a terminal) and returns
at once; a background thread polls the token endpoint, so the kernel stays free:

- it waits ``interval`` seconds (5 when not given) **after** each answer;
- ``authorization_pending`` keeps the interval, ``slow_down`` adds 5 s for this
  and every later poll (RFC 8628 §3.5);
- ``access_denied`` and ``expired_token`` stop it with a clear error (also when
  the code's ``expires_in`` runs out first); a connection failure doubles the
  interval (capped at a minute) and polls on until the code expires.

>>> import bearerkit as bk
>>> login = bk.DeviceLogin.from_provider("github", "Iv1.0123456789abcdef")  # doctest: +SKIP
>>> login.start()  # doctest: +SKIP
>>> api = bk.Client("https://api.github.com", auth=login)  # doctest: +SKIP
>>> api.get("/user")["login"]  # waits until you have entered the code  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from bearerkit.errors import AuthError, BearerkitError, NetworkError, ResponseFormatError
from bearerkit.oauth.grant import UserTokenAnswer
from bearerkit.oauth.login import Clock, UserLogin, check_url, make_sleep, seconds_text
from bearerkit.redact import Secret

__all__ = ["DEVICE_GRANT", "DeviceLogin"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0  # RFC 8628 §3.2: seconds between polls when the server does not say
SLOW_DOWN_STEP = 5.0  # RFC 8628 §3.5: added on slow_down, for that and every later poll
MAX_BACKOFF = 60.0  # the longest wait between polls after connection failures
_DENIED = ("access_denied", "authorization_declined")  # the latter: Microsoft
_EXPIRED = ("expired_token", "token_expired")  # the latter: GitHub


@dataclass(frozen=True)
class _Codes:
    device_code: Secret
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float


def _number(value: Any, default: float | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return default
    try:
        number = float(value)
    except ValueError:
        return default
    return number if number >= 0 else default


def _codes(answer: UserTokenAnswer) -> _Codes:
    """The device authorization answer, checked (RFC 8628 §3.2); the device code sealed."""
    data = answer.checked()
    device_code = answer._secret("device_code")
    user_code = data.get("user_code")
    # Google names it verification_url.
    uri = data.get("verification_uri") or data.get("verification_url")
    complete = data.get("verification_uri_complete")
    expires_in = _number(data.get("expires_in"), None)
    interval = _number(data.get("interval"), DEFAULT_INTERVAL)
    missing = [
        name
        for name, ok in (
            ("device_code", device_code is not None),
            ("user_code", isinstance(user_code, str) and user_code),
            (
                "verification_uri",
                isinstance(uri, str) and urlsplit(uri).scheme in ("http", "https"),
            ),
            ("expires_in", expires_in is not None),
        )
        if not ok
    ]
    del data  # it holds the device code in clear
    if missing or device_code is None:
        raise ResponseFormatError(
            f"The device authorization endpoint {answer.url} answered without "
            f"{', '.join(missing)} (RFC 8628 §3.2). Check device_authorization_url."
        )
    return _Codes(
        device_code=device_code,
        user_code=str(user_code),
        verification_uri=str(uri),
        verification_uri_complete=complete if isinstance(complete, str) and complete else None,
        expires_in=float(expires_in or 0),
        interval=DEFAULT_INTERVAL if interval is None else float(interval),
    )


class DeviceLogin(UserLogin):
    """Sign in as a user by typing a short code on another device (RFC 8628).

    A ``requests`` auth object: ``bk.Client(base_url, auth=login)``. A request made
    while the sign-in is pending waits for it (at most until the code expires).

    Args:
        device_authorization_url: the device authorization endpoint.
        token_url: the token endpoint.
        client_id: the app's client id.
        scope: scope(s) to ask for, a space-separated string or a list.
        client_secret: only for providers that want one with the device flow (Google).
        store: ``True`` keeps the tokens in the keyring or a 0600 file in your
            per-user data folder (``login.storage`` says which); ``False`` in memory
            only; a path for a file of your choice (not inside a git work tree
            unless git-ignored).
        clock: the time source in seconds (``time.time``); a clock with a
            ``sleep(seconds)`` method also drives the polling waits (tests).

    >>> login = DeviceLogin("https://auth.example.com/device", "https://auth.example.com/token",
    ...                     "my-client-id", scope="read")  # doctest: +SKIP
    >>> login.start(); login.wait()  # doctest: +SKIP
    """

    flow = "device"

    def __init__(
        self,
        device_authorization_url: str,
        token_url: str,
        client_id: str,
        *,
        scope: str | Sequence[str] | None = None,
        client_secret: str | None = None,
        store: bool | str | os.PathLike[str] = True,
        clock: Clock | None = None,
    ) -> None:
        check_url("device_authorization_url", device_authorization_url)
        super().__init__(
            token_url, client_id, scope=scope, client_secret=client_secret, store=store, clock=clock
        )
        self.device_authorization_url = device_authorization_url

    @classmethod
    def from_provider(
        cls,
        name: str,
        client_id: str,
        *,
        scope: str | Sequence[str] | None = None,
        tenant: str | None = None,
        **kw: Any,
    ) -> DeviceLogin:
        """A DeviceLogin with a provider's endpoints and quirks (see :func:`bearerkit.oauth.providers`).

        Args:
            name: ``"github"``, ``"google"``, ``"microsoft"``, ...
            client_id: your app's client id at that provider.
            scope: the scopes to ask for (the provider's default when None).
            tenant: Microsoft only: ``"common"`` (default), ``"organizations"``,
                ``"consumers"`` or a tenant id.
            kw: other DeviceLogin arguments (client_secret, store, clock).

        Raises:
            ValueError: an unknown provider, or one without the device flow.

        >>> login = DeviceLogin.from_provider("github", "Iv1.0123", scope="repo")  # doctest: +SKIP
        """
        from bearerkit.oauth.providers import get_provider

        provider = get_provider(name)
        urls = provider.endpoints(tenant)
        if urls.device_authorization_url is None:
            raise ValueError(
                f"{provider.title} does not offer the device flow: use "
                f"bk.BrowserLogin.from_provider({name!r}, ...)."
            )
        login = cls(
            urls.device_authorization_url,
            urls.token_url,
            client_id,
            scope=provider.scope_or_default(scope, "device"),
            **kw,
        )
        provider.configure(login)
        return login

    # -- the flow ------------------------------------------------------------------------

    def _begin(self) -> None:
        scope = self._scope_param()
        answer = self._grant(
            self.device_authorization_url, [("scope", scope)] if scope else []
        ).answer()
        codes = _codes(answer)
        self._keep(codes.device_code)
        deadline = self.clock() + codes.expires_in
        self._update(
            status="pending",
            verification_uri=codes.verification_uri,
            verification_uri_complete=codes.verification_uri_complete,
            user_code=codes.user_code,
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=codes.expires_in),
            message=f"Waiting for the code to be entered at {codes.verification_uri} …",
        )
        threading.Thread(
            target=self._poll,
            args=(codes, deadline, self._cancel),
            name="bearerkit-device-login",
            daemon=True,
        ).start()

    def _poll(self, codes: _Codes, deadline: float, cancel: threading.Event) -> None:
        """The polling loop (a background thread); ends in a status, never raises."""
        sleep = make_sleep(cancel, self.clock)
        interval = codes.interval
        try:
            while sleep(interval):
                if self.clock() >= deadline:
                    self._fail("expired", AuthError, self._expired_message(codes))
                    return
                try:
                    answer = self._grant(
                        self.token_url,
                        [("grant_type", DEVICE_GRANT), ("device_code", codes.device_code)],
                    ).answer()
                except NetworkError:
                    interval = min(max(interval * 2, DEFAULT_INTERVAL), MAX_BACKOFF)
                    continue
                if cancel.is_set():
                    return
                code = answer.error_code()
                if code is None and answer.status >= 500:  # a passing server failure
                    interval = min(max(interval * 2, DEFAULT_INTERVAL), MAX_BACKOFF)
                    continue
                if code == "authorization_pending":
                    continue
                if code == "slow_down":
                    told = _number(answer._data.get("interval"), None)  # GitHub says the new one
                    interval = max(interval + SLOW_DOWN_STEP, told or 0.0)
                    continue
                if code in _DENIED:
                    self._fail(
                        "denied",
                        AuthError,
                        "Sign-in was denied (the request was declined at "
                        f"{codes.verification_uri}): call login.start() to try again.",
                    )
                    return
                if code in _EXPIRED:
                    self._fail("expired", AuthError, self._expired_message(codes))
                    return
                self._signed_in(answer.user_token())
                return
        except BearerkitError as exc:
            self._fail("error", type(exc), str(exc))
        except Exception as exc:
            self._fail(
                "error",
                AuthError,
                f"The sign-in stopped unexpectedly ({type(exc).__name__}): "
                "call login.start() to try again.",
            )

    @staticmethod
    def _expired_message(codes: _Codes) -> str:
        return (
            f"The code {codes.user_code} expired before the sign-in was finished: "
            "call login.start() for a new one."
        )

    def _terminal_line(self) -> str:
        state = self.state
        if state.status != "pending" or not state.user_code:
            return ""
        left = (
            f" (expires in {seconds_text((state.expires_at - datetime.now(timezone.utc)).total_seconds())})"
            if state.expires_at
            else ""
        )
        also = (
            f", or open {state.verification_uri_complete}"
            if state.verification_uri_complete
            else ""
        )
        return (
            f"Sign in: open {state.verification_uri} and enter the code {state.user_code}"
            f"{left}{also}; waiting in the background."
        )
