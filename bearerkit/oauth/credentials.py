"""OAuth 2.0 client credentials (RFC 6749 §4.4) as a ``requests`` auth object.

:class:`ClientCredentials` fetches an access token from a token endpoint (through
:mod:`bearerkit.oauth.exchange`), caches it, renews it shortly before it expires
and once more after a 401, and puts it on every request as
``Authorization: Bearer ...``. Plug it into a client with
``bearerkit.Client(base_url, auth=ClientCredentials(...))``.

The re-send after a 401 is :meth:`ClientCredentials.handle_401`, a response hook
as in requests' ``HTTPDigestAuth``: it re-sends only to the origin (scheme, host,
port) the token was put on, after the same transport check as every request, so
a redirect to another host that answers 401 never receives the token.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.cookies import extract_cookies_to_jar

from bearerkit.auth import check_transport, is_loopback
from bearerkit.auth import origin as _origin  # handle_401 has an argument named origin
from bearerkit.errors import InsecureTransportError, TokenError
from bearerkit.oauth.answer import GrantedToken
from bearerkit.oauth.exchange import CLIENT_AUTH_METHODS, TokenExchange, scope_text
from bearerkit.redact import Secret, mask_url
from bearerkit.secrets import basic_blobs, register
from bearerkit.token import env_value

__all__ = ["ClientCredentials"]

Clock = Callable[[], float]


def _renewal_delay(expires_in: float, leeway: float) -> float:
    """Seconds after issue at which to fetch a new token.

    ``leeway`` seconds before expiry, or at half-life when the token lives less
    than two leeways (so a 60-second token with a 30-second leeway is still
    used for 30 seconds, and a 1-second token for half a second).
    """
    if expires_in >= 2 * leeway:
        return expires_in - leeway
    return expires_in / 2


def _sendable(value: str) -> bool:
    """Whether ``value`` can be UTF-8 encoded for the token request (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def attach_bearer(
    r: requests.PreparedRequest,
    token: Callable[[], Secret],
    on_response: Callable[..., requests.Response],
) -> requests.PreparedRequest:
    """Put ``token()`` on ``r`` and hook ``on_response`` (a ``handle_401``) to its answer.

    The ``__call__`` of both :class:`ClientCredentials` and the user sign-ins.
    """
    check_transport(r.url or "")  # the access token is as secret as the client's
    r.headers["Authorization"] = f"Bearer {token().reveal()}"
    try:
        body_pos: int | None = r.body.tell()  # type: ignore[union-attr]
    except AttributeError:
        body_pos = None
    # Bound per request (not thread-local state as in HTTPDigestAuth): requests
    # copies hooks onto redirected requests, and the copy must still know where
    # the token was meant to go.
    r.register_hook(
        "response", functools.partial(on_response, origin=_origin(r.url), body_pos=body_pos)
    )
    return r


def resend_after_401(
    r: requests.Response,
    renew: Callable[[requests.PreparedRequest], Secret],
    *,
    origin: tuple[str, str, int | None] | None,
    body_pos: int | None,
    **kwargs: Any,
) -> requests.Response:
    """Re-send a 401'd request once with ``renew(rejected_request)``, to its own origin only.

    The body of ``handle_401`` in both :class:`ClientCredentials` and the user sign-ins.

    Args:
        r: the response; returned as is unless it is a 401 from ``origin``
            to a request that carried a bearer token.
        renew: the token to re-send with, given the request that was refused.
        origin: ``(scheme, host, port)`` the token was put on in ``__call__``.
        body_pos: where a file-like body started, to rewind it.
        kwargs: the send arguments (timeout, verify, ...), used for the re-send.
    """
    connection = getattr(r, "connection", None)  # absent on cached responses
    if (
        r.status_code != 401
        or connection is None
        or origin is None
        or _origin(r.request.url) != origin  # a redirect took it elsewhere
        or "Authorization" not in r.request.headers  # stripped on the way
    ):
        return r
    body = r.request.body
    if body_pos is not None:
        body.seek(body_pos)  # type: ignore[union-attr]
    elif body is not None and not isinstance(body, (bytes, str)):
        return r  # a one-shot stream cannot be sent twice
    check_transport(r.request.url or "")
    # Release the connection first so the re-send can reuse it (as HTTPDigestAuth
    # does), and so it is not left open if the token endpoint now refuses.
    _ = r.content
    r.close()
    prep = r.request.copy()
    jar = getattr(prep, "_cookies", None)  # private in requests, untyped in stubs
    if jar is not None:
        extract_cookies_to_jar(jar, r.request, r.raw)
        prep.prepare_cookies(jar)
    prep.headers["Authorization"] = f"Bearer {renew(r.request).reveal()}"
    # The adapter does not run response hooks, so this re-send happens once.
    retry: requests.Response = connection.send(prep, **kwargs)
    retry.history.append(r)
    retry.request = prep
    return retry


@dataclass(frozen=True)
class _Issued:
    """One issued access token and when to replace it."""

    access_token: Secret
    renew_at: float | None  # on the auth's clock; None: until a 401 says otherwise
    expires_at: datetime | None  # wall clock, for people


class ClientCredentials(AuthBase):
    """Bearer auth whose token comes from an OAuth 2.0 client-credentials grant.

    Thread-safe: concurrent requests that find no valid token trigger one token
    request, not one each.

    Args:
        token_url: the token endpoint, ``https://`` (plain ``http://`` only to
            localhost / 127.0.0.1).
        client_id: the client id the provider issued.
        client_secret: the client secret; never shown in repr, str or errors.
        scope: scope(s) to request, a space-separated string or a list.
        audience: sent as the ``audience`` form field (Auth0-style APIs).
        client_auth: ``"basic"`` (HTTP Basic header, the default) or ``"post"``
            (``client_id`` / ``client_secret`` form fields).
        leeway: renew this many seconds before the token expires.
        timeout: seconds to wait for the token endpoint.
        clock: the time source for expiry, in seconds (``time.monotonic`` by
            default; tests pass a fake one to move time instead of sleeping).

    Raises:
        ValueError: an unknown ``client_auth``, a token_url that is not
            http(s), a scope or audience that is not text, or a negative
            leeway / non-positive timeout.
        TokenError: an empty client_id or client_secret, or one that cannot
            be encoded (a lone surrogate).
        InsecureTransportError: token_url is plain http to a non-loopback host.

    >>> from bearerkit import sandbox
    >>> import bearerkit as bk
    >>> with sandbox.start() as sb:  # doctest: +SKIP
    ...     auth = ClientCredentials(sb.token_url, sb.client_id, sb.client_secret)
    ...     bk.Client(sb.url, auth=auth).get("/authentication")["success"]
    True
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | Sequence[str] | None = None,
        audience: str | None = None,
        client_auth: str = "basic",
        leeway: float = 30.0,
        timeout: float = 10.0,
        clock: Clock = time.monotonic,
    ) -> None:
        secret = Secret(client_secret) if isinstance(client_secret, str) else None
        del client_secret  # only the sealed copy from here on: every check below can raise
        if client_auth not in CLIENT_AUTH_METHODS:
            raise ValueError(f"client_auth must be 'basic' or 'post', not {client_auth!r}")
        parts = urlsplit(token_url) if isinstance(token_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "token_url must be a full http(s) URL such as "
                "'https://auth.example.com/oauth/token'"
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise InsecureTransportError(
                f"Refusing to send client credentials over plain http to {parts.hostname}: "
                "use an https:// token_url (plain http is only allowed to localhost)."
            )
        if not isinstance(client_id, str) or not client_id.strip():
            raise TokenError("client_id is empty: pass the client id your provider issued.")
        if secret is None or not secret.reveal().strip():
            raise TokenError("client_secret is empty: pass the client secret your provider issued.")
        if not (_sendable(client_id) and _sendable(secret.reveal())):
            raise TokenError(
                "client_id or client_secret contains a character that cannot be sent "
                "(a lone surrogate): copy it again from your provider.",
                reason="malformed",
            )
        if audience is not None and not (isinstance(audience, str) and _sendable(audience)):
            raise ValueError("audience must be a string")
        scope_text(scope)  # a scope that is neither text nor a list of text fails here
        if not leeway >= 0:  # also rejects NaN
            raise ValueError(f"leeway must be >= 0 seconds, not {leeway!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, not {timeout!r}")

        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope
        self.audience = audience
        self.client_auth = client_auth
        self.leeway = float(leeway)
        self.timeout = float(timeout)
        self.clock = clock
        self._client_secret = secret
        # Named in error messages; from_env() replaces it with the variable names.
        self._credentials_hint = "client_id / client_secret"
        self._lock = threading.Lock()
        self._issued: _Issued | None = None  # replaced whole, so readers never see half
        # Replaced tokens stay known to the scrubber: an answer may still echo one.
        self._replaced: deque[Secret] = deque(maxlen=8)
        self._token_count = 0
        register(self)  # cassettes and errors scrub its secrets, even before a Client holds it

    @classmethod
    def from_env(
        cls,
        prefix: str = "OAUTH",
        *,
        token_url: str | None = None,
        env_file: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> ClientCredentials:
        """Build from ``{prefix}_CLIENT_ID``, ``{prefix}_CLIENT_SECRET`` and ``{prefix}_TOKEN_URL``.

        Each is looked up in the process environment first, then in the nearest
        ``.env`` (or ``env_file``). ``{prefix}_TOKEN_URL`` is only read when
        ``token_url`` is not given. Other keyword arguments go to the constructor.

        Raises:
            TokenError: a variable is missing or empty (the message names it).

        >>> auth = ClientCredentials.from_env("MYAPI", scope="read")  # doctest: +SKIP
        """
        names = [f"{prefix}_CLIENT_ID", f"{prefix}_CLIENT_SECRET"]
        if token_url is None:
            names.append(f"{prefix}_TOKEN_URL")
        values: dict[str, Secret] = {}  # sealed: the secret is among them
        for name in names:
            values[name] = Secret((env_value(name, env_file=env_file) or "").strip())
            if not values[name].reveal():
                raise TokenError(
                    f"{name} is not set. Add a line {name}=... to your .env file "
                    "(or set it in the environment), then run this again."
                )
        try:
            auth = cls(
                token_url if token_url is not None else values[f"{prefix}_TOKEN_URL"].reveal(),
                values[f"{prefix}_CLIENT_ID"].reveal(),
                values[f"{prefix}_CLIENT_SECRET"].reveal(),
                **kwargs,
            )
        except ValueError as exc:
            if token_url is not None or "token_url" not in str(exc):
                raise
            message = f"{prefix}_TOKEN_URL in your .env: {exc}"
        else:
            auth._credentials_hint = f"{prefix}_CLIENT_ID / {prefix}_CLIENT_SECRET"
            return auth
        raise TokenError(message)

    def __repr__(self) -> str:
        # getattr: a verbose traceback may show a half-built object from a refused __init__.
        return (
            f"<ClientCredentials token_url={mask_url(getattr(self, 'token_url', ''))!r} "
            f"client_id={getattr(self, 'client_id', '')!r} "
            f"client_auth={getattr(self, 'client_auth', '')!r}>"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the client secret to disk (a checkpoint, a cache): refuse.
        raise TypeError(
            "ClientCredentials cannot be pickled; keep the client secret in .env and "
            "use ClientCredentials.from_env()"
        )

    def bearerkit_secrets(self) -> Iterator[str]:
        """The client secret (also as Basic), and the issued tokens, for :mod:`bearerkit.secrets`."""
        secret = self._client_secret.reveal()
        yield secret
        yield from basic_blobs(self.client_id, secret)
        issued = self._issued
        if issued is not None:
            yield issued.access_token.reveal()
        for token in list(self._replaced):
            yield token.reveal()

    @property
    def token_count(self) -> int:
        """How many tokens this object has fetched so far."""
        return self._token_count

    @property
    def token_expires_at(self) -> datetime | None:
        """When the current token expires (UTC), or None if none yet or no ``expires_in``."""
        issued = self._issued
        return issued.expires_at if issued else None

    def fetch_token(self) -> None:
        """Fetch a fresh token now, replacing the cached one.

        Raises:
            AuthError: the token endpoint refused (the message quotes its error).
            NetworkError: the token endpoint could not be reached in time.
            TokenError: the issued token cannot be sent in an HTTP header.
            ResponseFormatError: the token endpoint answered with something other
                than a token.
        """
        with self._lock:
            self._fetch_locked()

    # -- requests' auth protocol ------------------------------------------------------

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put the bearer token on ``r`` and arrange one re-send with a fresh token on 401."""
        return attach_bearer(r, self._current_token, self.handle_401)

    def handle_401(
        self,
        r: requests.Response,
        *,
        origin: tuple[str, str, int | None] | None,
        body_pos: int | None,
        **kwargs: Any,
    ) -> requests.Response:
        """Response hook: re-send a 401'd request once with a fresh token, to its own origin only.

        Args:
            r: the response; returned as is unless it is a 401 from ``origin``
                to a request that carried a bearer token.
            origin: ``(scheme, host, port)`` the token was put on in ``__call__``.
            body_pos: where a file-like body started, to rewind it.
            kwargs: the send arguments (timeout, verify, ...), used for the re-send.
        """
        return resend_after_401(
            r, self._renew_after_401, origin=origin, body_pos=body_pos, **kwargs
        )

    # -- token cache ------------------------------------------------------------------

    def _current_token(self) -> Secret:
        """A valid access token, fetching one if there is none or it is due."""
        issued = self._issued
        if issued is None or self._due(issued):
            with self._lock:
                # Double-checked: another thread may have renewed while we waited.
                issued = self._issued
                if issued is None or self._due(issued):
                    issued = self._fetch_locked()
        return issued.access_token

    def _due(self, issued: _Issued) -> bool:
        return issued.renew_at is not None and self.clock() >= issued.renew_at

    def _renew_after_401(self, rejected: requests.PreparedRequest) -> Secret:
        """A token to re-send with: a new one unless another thread already renewed."""
        with self._lock:
            issued = self._issued
            if (
                issued is None
                or rejected.headers.get("Authorization") == f"Bearer {issued.access_token.reveal()}"
            ):
                issued = self._fetch_locked()
            return issued.access_token

    def _fetch_locked(self) -> _Issued:
        """Request a token from the endpoint; the caller holds ``self._lock``."""
        issued = self._issue(self._exchange().run())
        if self._issued is not None:
            self._replaced.append(self._issued.access_token)
        self._issued = issued
        self._token_count += 1
        return issued

    def _exchange(self) -> TokenExchange:
        """The token request as configured now (attributes may have changed since __init__)."""
        current = self._issued
        return TokenExchange(
            token_url=self.token_url,
            client_id=self.client_id,
            client_secret=self._client_secret,
            scope=self.scope,
            audience=self.audience,
            client_auth=self.client_auth,
            timeout=self.timeout,
            credentials_hint=self._credentials_hint,
            current_token=current.access_token if current else None,
        )

    def _issue(self, granted: GrantedToken) -> _Issued:
        """Cache entry for a fresh token: when to renew it and when it expires."""
        if granted.expires_in is None:
            return _Issued(granted.access_token, renew_at=None, expires_at=None)
        return _Issued(
            granted.access_token,
            renew_at=self.clock() + _renewal_delay(granted.expires_in, self.leeway),
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=granted.expires_in),
        )
