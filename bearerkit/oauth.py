"""OAuth 2.0 client credentials (RFC 6749 §4.4) as a ``requests`` auth object.

:class:`ClientCredentials` fetches an access token from a token endpoint, caches
it, renews it shortly before it expires and once more after a 401, and puts it
on every request as ``Authorization: Bearer ...``. Plug it into a client with
``bearerkit.Client(base_url, auth=ClientCredentials(...))``.

Why Authlib, and which parts: the token request body is built with Authlib's
``prepare_token_request`` (grant_type, scope as a list or string, extra fields
such as ``audience``) and the client authentication is applied through its
``ClientAuth`` (``client_secret_post`` as Authlib has it). For
``client_secret_basic`` bearerkit plugs its own encoder into ``ClientAuth``:
Authlib sends ``base64(id:secret)`` as is, while RFC 6749 §2.3.1 form-encodes
both first, and conforming servers (the sandbox, Keycloak) decode them, so a
secret with ``+``, ``%`` or ``:`` would fail. For the usual letters, digits and
``-_.~`` both encodings are identical; for a server that does not decode, use
``client_auth="post"``.

Authlib's ``OAuth2Session.fetch_token`` is not used: it parses expiry with
``int()`` (a ``"120.5"`` or ``"soon"`` becomes a bare ``ValueError``), raises
``OAuthError`` without the HTTP status, and its token cache is wall-clock
based, not thread-safe and has no retry-after-401. So the POST and the
response checks live in :mod:`bearerkit.oauth_exchange`, the token cache, the
lock and the renewal schedule here, and no Authlib exception can escape raw.

Token requests never follow redirects (a 307 would re-send the secret to
wherever it points) and always have a timeout.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from bearerkit.auth import check_transport, is_loopback
from bearerkit.errors import InsecureTransportError, TokenError
from bearerkit.oauth_exchange import CLIENT_AUTH_METHODS, GrantedToken, TokenExchange, display_url
from bearerkit.oauth_retry import retry_once_on_401
from bearerkit.token import env_value

__all__ = ["ClientCredentials"]


def _renewal_delay(expires_in: float, leeway: float) -> float:
    """Seconds after issue at which to fetch a new token.

    ``leeway`` seconds before expiry, or at half-life when the token lives less
    than two leeways (so a 60-second token with a 30-second leeway is still
    used for 30 seconds, and a 1-second token for half a second).
    """
    if expires_in >= 2 * leeway:
        return expires_in - leeway
    return expires_in / 2


@dataclass(frozen=True)
class _Issued:
    """One issued access token and when to replace it."""

    access_token: str = field(repr=False)
    renew_at: float | None  # time.monotonic() deadline; None: until a 401 says otherwise
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

    Raises:
        ValueError: an unknown ``client_auth``, a token_url that is not
            http(s), or a negative leeway / non-positive timeout.
        TokenError: an empty client_id or client_secret.
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
    ) -> None:
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
        if not isinstance(client_secret, str) or not client_secret.strip():
            raise TokenError("client_secret is empty: pass the client secret your provider issued.")
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
        self._client_secret = client_secret
        # Named in error messages; from_env() replaces it with the variable names.
        self._credentials_hint = "client_id / client_secret"
        self._lock = threading.Lock()
        self._issued: _Issued | None = None  # replaced whole, so readers never see half
        self._token_count = 0

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
        values: dict[str, str] = {}
        for name in names:
            value = env_value(name, env_file=env_file)
            if value is None or not value.strip():
                raise TokenError(
                    f"{name} is not set. Add a line {name}=... to your .env file "
                    "(or set it in the environment), then run this again."
                )
            values[name] = value.strip()
        url = token_url if token_url is not None else values[f"{prefix}_TOKEN_URL"]
        try:
            auth = cls(
                url,
                values[f"{prefix}_CLIENT_ID"],
                values[f"{prefix}_CLIENT_SECRET"],
                **kwargs,
            )
        except ValueError as exc:
            if token_url is not None or "token_url" not in str(exc):
                raise
            raise TokenError(f"{prefix}_TOKEN_URL in your .env: {exc}") from None
        auth._credentials_hint = f"{prefix}_CLIENT_ID / {prefix}_CLIENT_SECRET"
        return auth

    def __repr__(self) -> str:
        return (
            f"<ClientCredentials token_url={display_url(self.token_url)!r} "
            f"client_id={self.client_id!r} client_auth={self.client_auth!r}>"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the client secret to disk (a checkpoint, a cache): refuse.
        raise TypeError(
            "ClientCredentials cannot be pickled; keep the client secret in .env and "
            "use ClientCredentials.from_env()"
        )

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
            ResponseFormatError: the token endpoint answered with something other
                than a token.
        """
        with self._lock:
            self._fetch_locked()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put the bearer token on ``r`` and arrange one retry with a fresh token on 401."""
        check_transport(r.url or "")  # the access token is as secret as the client's
        r.headers["Authorization"] = f"Bearer {self._current_token()}"
        retry_once_on_401(r, self._renew_after_401)
        return r

    # -- token cache -------------------------------------------------------

    def _current_token(self) -> str:
        """A valid access token, fetching one if there is none or it is due."""
        issued = self._issued
        if issued is None or self._due(issued):
            with self._lock:
                # Double-checked: another thread may have renewed while we waited.
                issued = self._issued
                if issued is None or self._due(issued):
                    issued = self._fetch_locked()
        return issued.access_token

    @staticmethod
    def _due(issued: _Issued) -> bool:
        return issued.renew_at is not None and time.monotonic() >= issued.renew_at

    def _renew_after_401(self, rejected_header: str | None) -> str:
        """A token to retry with: a new one unless another thread already renewed."""
        with self._lock:
            issued = self._issued
            if issued is None or f"Bearer {issued.access_token}" == rejected_header:
                issued = self._fetch_locked()
            return issued.access_token

    def _fetch_locked(self) -> _Issued:
        """Request a token from the endpoint; the caller holds ``self._lock``."""
        issued = self._issue(self._exchange().run())
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
            renew_at=time.monotonic() + _renewal_delay(granted.expires_in, self.leeway),
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=granted.expires_in),
        )
