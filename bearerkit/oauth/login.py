"""What the three user sign-ins share: status, start/wait/forget, the store, refresh with rotation.

:class:`UserLogin` is the ``requests`` auth object behind
:class:`~bearerkit.oauth.device.DeviceLogin`,
:class:`~bearerkit.oauth.browser.BrowserLogin` and
:class:`~bearerkit.oauth.refresh.RefreshLogin`. It puts the access token on each
request and keeps it fresh:

- renewed ``leeway`` seconds before it expires, and once after a 401 whose
  ``WWW-Authenticate`` says ``invalid_token`` (never after ``insufficient_scope``:
  a refresh cannot widen the scope, RFC 6750 §3.1);
- one refresh at a time, across threads and (through the store's file lock)
  processes: a caller that finds a newer token in the store uses it;
- a new refresh token replaces the old one, the old one is kept when none comes
  back (RFC 6749 §6), and no scope is sent unless the provider needs it;
- ``invalid_grant`` means the sign-in is over: the tokens are dropped and the
  error says "sign in again" with the method to call, once, never in a loop.

A display (the Jupyter widget in :mod:`bearerkit.widgets.login_box`, or one line on
stderr) follows :attr:`UserLogin.state`, a :class:`LoginState` that holds nothing
secret, through :meth:`UserLogin.subscribe`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from bearerkit.auth import is_loopback
from bearerkit.cassette import replaying
from bearerkit.errors import AuthError, BearerkitError, InsecureTransportError, TokenError
from bearerkit.oauth.credentials import _renewal_delay, attach_bearer, resend_after_401
from bearerkit.oauth.exchange import scope_text
from bearerkit.oauth.grant import GrantRequest, UserToken
from bearerkit.oauth.store import StoredTokens, TokenStore, open_store
from bearerkit.redact import Secret, mask_url
from bearerkit.secrets import register

__all__ = ["STATUSES", "LoginState", "UserLogin", "logout", "show"]

log = logging.getLogger("bearerkit.oauth")

Clock = Callable[[], float]
STATUSES = ("idle", "pending", "signed_in", "denied", "expired", "error")
DEFAULT_LEEWAY = 30.0  # seconds before expiry to renew, as for ClientCredentials
DEFAULT_TIMEOUT = 10.0  # seconds for one request to the token endpoint
_INVALID_TOKEN = re.compile(r"""error\s*=\s*"?invalid_token""", re.IGNORECASE)

# -- the display's view ----------------------------------------------------------------


@dataclass(frozen=True)
class LoginState:
    """Everything a display shows about a sign-in; nothing in it is secret.

    See the README's sign-in section for what each field means.
    """

    flow: str
    status: str = "idle"
    verification_uri: str | None = None
    verification_uri_complete: str | None = None
    user_code: str | None = None
    expires_at: datetime | None = None
    authorization_url: str | None = None
    redirect_uri: str | None = None
    message: str | None = None
    storage: str = "memory only"


def _in_jupyter() -> bool:
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show(login: UserLogin, *, mode: str | None = None) -> None:
    """Show a sign-in: the widget in Jupyter, else one line on stderr.

    Args:
        login: the sign-in to show.
        mode: ``"widget"``, ``"terminal"`` or ``"none"``; by default the widget
            in a Jupyter kernel with ipywidgets, the line otherwise.
    """
    if mode is None:
        mode = "widget" if _in_jupyter() else "terminal"
    if mode == "none":
        return
    if mode == "widget":
        try:
            from IPython.display import display

            from bearerkit.widgets.login_box import LoginBox

            display(LoginBox(login))
            return
        except Exception:
            log.debug("login widget unavailable; showing the terminal line", exc_info=False)
    line = login._terminal_line()
    if line:
        print(line, file=sys.stderr, flush=True)


# -- the sign-in -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Live:
    """The tokens in use; replaced whole, so readers never see half."""

    access_token: Secret
    refresh_token: Secret | None
    renew_at: float | None  # on the login's clock; None: until a 401 says otherwise
    expires_at: float | None  # on the login's clock (epoch seconds by default)
    scope: str | None


def _seed(refresh_token: Secret | None) -> str | None:
    if refresh_token is None:
        return None
    return hashlib.sha256(refresh_token.reveal().encode()).hexdigest()[:32]


def check_url(name: str, url: str) -> None:
    """Raise ValueError / InsecureTransportError for an endpoint that is not a usable URL."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be a full http(s) URL such as 'https://auth.example.com/…'")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureTransportError(
            f"Refusing to sign in over plain http to {parts.hostname}: use an https:// "
            f"{name} (plain http is only allowed to localhost)."
        )


class UserLogin(AuthBase):
    """Base class of the user sign-ins: a ``requests`` auth object with a status.

    Subclasses implement :meth:`_begin` (start the interactive part) and
    :meth:`_terminal_line`; everything else (refresh, store, waiting, 401) lives here.
    """

    flow: ClassVar[str] = "refresh"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        *,
        scope: str | Sequence[str] | None = None,
        client_secret: str | None = None,
        store: bool | str | os.PathLike[str] = True,
        clock: Clock | None = None,
    ) -> None:
        secret = Secret(client_secret if isinstance(client_secret, str) else "")
        del client_secret  # only the sealed copy from here on: every check below can raise
        check_url("token_url", token_url)
        if not isinstance(client_id, str) or not client_id.strip():
            raise TokenError("client_id is empty: pass the client id your provider issued.")
        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope_text(scope)
        self.client_auth = "basic"  # with a client secret; providers may say "post"
        self.scope_separator = " "
        self.refresh_scope = False  # send the granted scope on refresh (Microsoft)
        self.leeway = DEFAULT_LEEWAY
        self.timeout = DEFAULT_TIMEOUT
        self.clock: Clock = clock if clock is not None else time.time
        self.token_fields: dict[str, Any] = {}
        self._client_secret = secret
        self._store: TokenStore = open_store(store, token_url, client_id, self.scope)
        self._refresh_lock = threading.Lock()
        self._state_lock = threading.RLock()
        self._state = LoginState(self.flow, storage=self._store.location)
        self._listeners: list[Callable[[LoginState], None]] = []
        self._done = threading.Event()  # set when the status leaves "pending"
        self._failure: tuple[type[BearerkitError], str] | None = None
        self._live: _Live | None = None
        self._held: list[Secret] = [secret]  # every secret seen, for bearerkit_secrets()
        self._cancel = threading.Event()  # stops the background part of an attempt
        self._refresh_count = 0
        self._seed: str | None = None
        # Errors, cassettes and logs scrub what every live login holds (bearerkit.secrets).
        register(self)

    # -- what a user sees -------------------------------------------------------------

    def __repr__(self) -> str:
        state = getattr(self, "_state", None)
        return (
            f"<{type(self).__name__} token_url={mask_url(getattr(self, 'token_url', ''))!r} "
            f"client_id={getattr(self, 'client_id', '')!r} "
            f"status={state.status if state else 'idle'!r}>"
        )

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(
            f"{type(self).__name__} cannot be pickled: it holds tokens. Use store=True to "
            "keep the sign-in between sessions."
        )

    @property
    def status(self) -> str:
        """``"idle"``, ``"pending"``, ``"signed_in"``, ``"denied"``, ``"expired"`` or ``"error"``."""
        return self._state.status

    @property
    def state(self) -> LoginState:
        """A snapshot of everything a display shows (no secrets)."""
        return self._state

    @property
    def storage(self) -> str:
        """Where the tokens are kept: a file path, a keyring entry, or ``"memory only"``."""
        return self._store.location

    @property
    def refresh_count(self) -> int:
        """How many refresh requests this object has sent."""
        return self._refresh_count

    @property
    def expires_at(self) -> datetime | None:
        """When the current access token expires (UTC), if known."""
        live = self._live
        if live is None or live.expires_at is None or not math.isfinite(live.expires_at):
            return None
        return datetime.now(timezone.utc) + timedelta(seconds=live.expires_at - self.clock())

    def subscribe(self, callback: Callable[[LoginState], None]) -> Callable[[], None]:
        """Call ``callback(state)`` now and after every change; returns the unsubscribe function."""
        with self._state_lock:
            self._listeners.append(callback)
            state = self._state
        self._notify(callback, state)

        def unsubscribe() -> None:
            with self._state_lock, contextlib.suppress(ValueError):
                self._listeners.remove(callback)

        return unsubscribe

    def show(self) -> None:
        """Show the sign-in again (the widget in Jupyter, one line in a terminal)."""
        show(self)

    def bearerkit_secrets(self) -> Iterable[str]:
        """The credential values this auth holds now, for bearerkit's scrubber."""
        for secret in list(self._held):
            value = secret.reveal()
            if value:
                yield value

    # -- start / wait / forget ---------------------------------------------------------

    def start(self) -> None:
        """Sign in: silently from the store when it can, else begin the interactive flow.

        Returns at once; the flow completes in the background. See :meth:`wait`.
        """
        self._cancel.set()  # a previous attempt's background part stops
        self._cancel = threading.Event()
        if self._sign_in_from_store():
            return
        self._done.clear()
        self._failure = None
        self._begin()
        show(self)

    def wait(self, timeout: float | None = None) -> None:
        """Block until signed in.

        Raises:
            AuthError: the sign-in was denied, expired or failed (the message says
                what to do), or ``timeout`` seconds passed first.
        """
        if self.status == "idle":
            self._first_use()
        if not self._done.wait(timeout):
            raise AuthError(
                f"Not signed in after {timeout:g} s: finish signing in "
                "(see the link above), then call login.wait() again."
            )
        self._raise_failure()

    def forget(self) -> bool:
        """Sign out here: drop the tokens and delete the stored ones. True if any were stored."""
        self._cancel.set()
        with self._refresh_lock, self._store.locked():
            deleted = self._store.delete()
            self._live = None
        self._failure = None
        self._done.clear()
        self._update(status="idle", message="Signed out: the stored tokens were deleted.")
        return deleted

    # -- for subclasses -----------------------------------------------------------------

    def _begin(self) -> None:
        raise NotImplementedError

    def _terminal_line(self) -> str:
        return ""

    def _first_use(self) -> None:
        """A request or wait() before start(): sign in silently, or say to call start()."""
        if self._sign_in_from_store():
            return
        raise AuthError(
            f"Not signed in yet: call login.start() and sign in, then run this again "
            f"({type(self).__name__})."
        )

    def _accepts(self, stored: StoredTokens) -> bool:
        """Whether a stored entry belongs to this sign-in (RefreshLogin checks the seed)."""
        return True

    def _keep(self, *secrets: Secret | None) -> None:
        """Remember secrets for bearerkit_secrets() (old ones may be echoed later)."""
        for secret in secrets:
            if secret is not None and secret.reveal() and all(s is not secret for s in self._held):
                self._held.append(secret)

    def _grant(self, url: str, fields: Sequence[tuple[str, str | Secret]]) -> GrantRequest:
        self._keep(*(v for _, v in fields if isinstance(v, Secret)))
        return GrantRequest(
            token_url=url,
            client_id=self.client_id,
            client_secret=self._client_secret,
            client_auth=self.client_auth,
            timeout=self.timeout,
            fields=tuple(fields),
        )

    def _scope_param(self) -> str | None:
        if self.scope is None:
            return None
        return self.scope_separator.join(self.scope.split())

    # -- state --------------------------------------------------------------------------

    def _update(self, **changes: Any) -> None:
        with self._state_lock:
            self._state = dataclasses.replace(self._state, **changes)
            state, listeners = self._state, list(self._listeners)
            if state.status not in ("pending", "idle"):
                self._done.set()
        for callback in listeners:
            self._notify(callback, state)

    @staticmethod
    def _notify(callback: Callable[[LoginState], None], state: LoginState) -> None:
        try:
            callback(state)
        except Exception as exc:
            log.debug("a login listener failed: %s", type(exc).__name__)

    def _fail(self, status: str, error: type[BearerkitError], message: str) -> None:
        self._failure = (error, message)
        self._update(status=status, message=message)

    def _raise_failure(self) -> None:
        failure = self._failure
        if self.status == "signed_in" and self._live is not None:
            return
        if failure is None:
            raise AuthError("Not signed in: call login.start() and sign in first.")
        error, message = failure
        raise error(message)

    def _signed_in(self, token: UserToken, *, message: str | None = None) -> None:
        """Adopt a freshly granted token: keep it, store it, and say so."""
        with self._refresh_lock, self._store.locked():
            live = self._adopt(token, previous=self._live)
            self._save(live)
        self._failure = None
        self._update(status="signed_in", message=message or "Signed in.")

    def _adopt(self, token: UserToken, *, previous: _Live | None) -> _Live:
        now = self.clock()
        self._keep(token.access_token, token.refresh_token)
        refresh = token.refresh_token or (previous.refresh_token if previous else None)
        scope = token.scope or (previous.scope if previous else None) or self.scope
        live = _Live(
            access_token=token.access_token,
            refresh_token=refresh,  # RFC 6749 §6: none returned -> keep the old one
            renew_at=None
            if token.expires_in is None
            else now + _renewal_delay(token.expires_in, self.leeway),
            expires_at=None if token.expires_in is None else now + token.expires_in,
            scope=scope,
        )
        self._live = live
        self.token_fields = dict(token.fields)
        return live

    def _save(self, live: _Live) -> None:
        if replaying():
            return  # a replayed sign-in's tokens are masks: never store them
        self._store.save(
            StoredTokens(
                access_token=live.access_token,
                refresh_token=live.refresh_token,
                expires_at=live.expires_at,
                scope=live.scope,
                seed=self._seed,
            )
        )

    def _from_stored(self, stored: StoredTokens) -> _Live | None:
        self._keep(stored.access_token, stored.refresh_token)
        if stored.access_token is None and stored.refresh_token is None:
            return None
        expires = stored.expires_at
        renew = None if expires is None else expires - self.leeway
        if stored.access_token is None:
            renew = expires = float("-inf")  # only the refresh token: renew at once
        return _Live(
            access_token=stored.access_token or Secret(""),
            refresh_token=stored.refresh_token,
            renew_at=renew,
            expires_at=expires,
            scope=stored.scope,
        )

    def _due(self, live: _Live) -> bool:
        return live.renew_at is not None and self.clock() >= live.renew_at

    # -- silent sign-in and refresh -------------------------------------------------------

    def _sign_in_from_store(self) -> bool:
        """Signed in from the store: no request while its access token is valid."""
        if replaying():
            return False  # a replay signs in from the cassette, whatever this machine holds
        stored = self._store.load()
        if stored is None or not self._accepts(stored):
            return False
        live = self._from_stored(stored)
        if live is None:
            return False
        self._live = live
        if not self._due(live):
            self._failure = None
            self._update(status="signed_in", message=f"Signed in from {self.storage}.")
            return True
        if live.refresh_token is None:
            self._live = None
            return False
        refreshed = self._renew(stale=live.access_token, quiet=True)
        if refreshed is None:
            return False
        self._update(status="signed_in", message=f"Signed in from {self.storage} (refreshed).")
        return True

    def _renew(self, *, stale: Secret | None, quiet: bool = False) -> _Live | None:
        """A fresh token, unless another thread or process already got one.

        ``stale`` is the token found wanting (expired, or refused with a 401).
        With ``quiet``, an ``invalid_grant`` returns None instead of raising.
        """
        stale_text = stale.reveal() if stale is not None else None
        with self._refresh_lock, self._store.locked():
            live = self._live
            if (
                live is not None
                and live.access_token.reveal() != stale_text
                and not self._due(live)
            ):
                return live  # another thread renewed while this one waited
            stored = None if replaying() else self._store.load()
            if stored is not None and self._accepts(stored):
                candidate = self._from_stored(stored)
                if (
                    candidate is not None
                    and candidate.access_token.reveal() != stale_text
                    and candidate.access_token.reveal()
                    and not self._due(candidate)
                ):
                    self._live = candidate  # another process refreshed: use its token
                    return candidate
                if candidate is not None and candidate.refresh_token is not None:
                    live = dataclasses.replace(
                        live or candidate, refresh_token=candidate.refresh_token
                    )
            if live is None or live.refresh_token is None:
                self._signed_out(
                    "The access token expired and there is no refresh token to renew it: "
                    "sign in again with login.start().",
                    quiet=quiet,
                )
                return None
            fields: list[tuple[str, str | Secret]] = [
                ("grant_type", "refresh_token"),
                ("refresh_token", live.refresh_token),
            ]
            if self.refresh_scope and live.scope:
                fields.append(("scope", live.scope))  # the granted scope: never wider
            answer = self._grant(self.token_url, fields).answer()
            self._refresh_count += 1
            if answer.error_code() == "invalid_grant":
                self._signed_out(
                    f"The sign-in has expired or was revoked ({answer.error_text()}): "
                    f"sign in again with {self._again()}.",
                    quiet=quiet,
                )
                return None
            token = answer.user_token()
            fresh = self._adopt(token, previous=live)
            self._save(fresh)
            return fresh

    def _again(self) -> str:
        return "login.start()"

    def _signed_out(self, message: str, *, quiet: bool) -> None:
        """Drop the tokens (memory and store); raise "sign in again" unless quiet."""
        self._live = None
        self._store.delete()
        if quiet:
            return None
        self._fail("error", AuthError, message)
        raise AuthError(message)

    # -- requests' auth protocol ----------------------------------------------------------

    def _token_for_request(self) -> Secret:
        live = self._live
        if live is None:
            self._await_sign_in()
            live = self._live
            if live is None:
                self._raise_failure()
                raise AuthError("Not signed in: call login.start() and sign in first.")
        if not self._due(live):
            return live.access_token
        fresh = self._renew(stale=live.access_token)
        assert fresh is not None  # not quiet: a failure raised
        return fresh.access_token

    def _await_sign_in(self) -> None:
        """Before the first token: wait for a pending sign-in (bounded by its expiry)."""
        state = self._state
        if state.status == "idle":
            self._first_use()
            return
        if state.status == "pending":
            limit = None
            if state.expires_at is not None:
                limit = max(0.0, (state.expires_at - datetime.now(timezone.utc)).total_seconds())
            self._done.wait(limit)
            if not self._done.is_set():
                raise AuthError(
                    "The sign-in was not finished before its code expired: "
                    "call login.start() again."
                )
        self._raise_failure()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put the access token on ``r`` and arrange one re-send after a 401 ``invalid_token``."""
        return attach_bearer(r, self._token_for_request, self.handle_401)

    def handle_401(
        self,
        r: requests.Response,
        *,
        origin: tuple[str, str, int | None] | None,
        body_pos: int | None,
        **kwargs: Any,
    ) -> requests.Response:
        """Response hook: after a 401 ``invalid_token`` from the token's own origin, refresh
        and re-send once (as ``ClientCredentials.handle_401``, plus the RFC 6750 check)."""
        if r.status_code == 401 and not _INVALID_TOKEN.search(
            r.headers.get("WWW-Authenticate", "")
        ):
            return r
        return resend_after_401(
            r, self._renew_after_401, origin=origin, body_pos=body_pos, **kwargs
        )

    def _renew_after_401(self, rejected: requests.PreparedRequest) -> Secret:
        """A token to re-send with: a new one unless another thread already renewed."""
        stale = Secret((rejected.headers.get("Authorization") or "").removeprefix("Bearer "))
        fresh = self._renew(stale=stale)
        assert fresh is not None  # not quiet: a failure raised
        return fresh.access_token


def seconds_text(seconds: float) -> str:
    """``15 min`` / ``45 s`` for a message."""
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def make_sleep(cancel: threading.Event, clock: Clock) -> Callable[[float], bool]:
    """A sleep for a background loop, False once ``cancel`` is set.

    A clock object with a ``sleep(seconds)`` method (a test's fake clock) does the
    waiting itself, so tests move time instead of sleeping.
    """
    sleeper = getattr(clock, "sleep", None)

    def sleep(seconds: float) -> bool:
        if sleeper is not None:
            sleeper(seconds)
            return not cancel.is_set()
        return not cancel.wait(seconds)

    return sleep


def logout(
    login: UserLogin | None = None,
    *,
    token_url: str | None = None,
    client_id: str | None = None,
    scope: str | Sequence[str] | None = None,
    provider: str | None = None,
    tenant: str | None = None,
) -> bool:
    """Delete a stored sign-in: the one of ``login``, or the one for (token_url, client_id, scope).

    ``provider=`` names the token URL for you (``bk.logout(provider="strava",
    client_id="123", scope="read")``). Returns True if something was deleted.

    Raises:
        ValueError: neither a login nor a client_id with a token_url or provider.

    >>> import bearerkit as bk
    >>> bk.logout(login)  # doctest: +SKIP
    True
    """
    if login is not None:
        return login.forget()
    if provider is not None:
        from bearerkit.oauth.providers import get_provider

        token_url = get_provider(provider).endpoints(tenant).token_url
    if not token_url or not client_id:
        raise ValueError(
            "Say which sign-in to delete: bk.logout(login), or bk.logout(token_url=..., "
            "client_id=..., scope=...) with the values you signed in with."
        )
    from bearerkit.oauth.store import default_store

    store = default_store(token_url, client_id, scope_text(scope))
    with store.locked():
        return store.delete()
