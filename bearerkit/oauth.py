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
based, not thread-safe and has no retry-after-401. So the POST, the response
checks, the token cache, the lock and the renewal schedule live here, and no
Authlib exception can escape raw.

Token requests never follow redirects (a 307 would re-send the secret to
wherever it points) and always have a timeout.
"""

from __future__ import annotations

import base64
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase
from requests.cookies import extract_cookies_to_jar

from bearerkit.auth import check_transport, is_loopback
from bearerkit.errors import (
    AuthError,
    InsecureTransportError,
    NetworkError,
    ResponseFormatError,
    ServerError,
    TokenError,
)
from bearerkit.token import env_value

__all__ = ["ClientCredentials"]

CLIENT_AUTH_METHODS = ("basic", "post")
TOKEN_REQUEST_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
}

SNIPPET_CHARS = 200  # how much of a non-JSON body an error message quotes

# Secrets shorter than this are not scrubbed from server text: replacing a
# one-letter "secret" everywhere would garble the message and protect nothing.
MIN_SCRUB_CHARS = 4

# What to do next, by RFC 6749 §5.2 error code; {creds} names the credentials.
_ERROR_HINTS = {
    "invalid_client": "Check {creds} (some servers also accept only one of "
    "client_auth='basic' / 'post').",
    "unauthorized_client": "This client may not use the client-credentials grant: "
    "enable it for the client at the provider.",
    "invalid_scope": "Check scope= : the server does not grant it to this client.",
    "unsupported_grant_type": "This token endpoint does not offer the client-credentials "
    "grant: check token_url.",
    "invalid_request": "Check token_url, scope= and audience=.",
    "invalid_grant": "Check token_url, scope= and audience=.",
}
_CLIENT_ERRORS = {"invalid_client", "unauthorized_client"}


def _client_secret_basic(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """Authlib ``ClientAuth`` method: HTTP Basic with RFC 6749 §2.3.1 form-encoding."""
    pair = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret)}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("ascii")).decode("ascii")
    return uri, headers, body


def _display_url(url: str) -> str:
    """The URL without user:password@, for messages and repr."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


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
            f"<ClientCredentials token_url={_display_url(self.token_url)!r} "
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
        try:
            body_pos: int | None = r.body.tell()  # type: ignore[union-attr]
        except AttributeError:
            body_pos = None
        r.register_hook("response", self._make_401_hook(body_pos))
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
        headers, body = self._token_request()
        issued = self._parse_token(self._token_payload(self._post(headers, body)))
        self._issued = issued
        self._token_count += 1
        return issued

    def _token_request(self) -> tuple[dict[str, str], str]:
        """Headers and form body of the token request, client authentication applied."""
        # Imported here: `import bearerkit` should not pay for Authlib until OAuth is used.
        from authlib.common.errors import AuthlibBaseError
        from authlib.oauth2 import ClientAuth
        from authlib.oauth2.rfc6749.parameters import prepare_token_request

        try:
            body = prepare_token_request(
                "client_credentials", scope=self.scope, audience=self.audience
            )
            method = _client_secret_basic if self.client_auth == "basic" else "client_secret_post"
            client_auth = ClientAuth(self.client_id, self._client_secret, method)
            _, headers, body = client_auth.prepare(
                "POST", self.token_url, dict(TOKEN_REQUEST_HEADERS), body
            )
        except AuthlibBaseError as exc:  # defensive: nothing here is known to raise one
            raise TokenError(
                f"Could not build the token request ({exc.error}). Check scope= and audience=."
            ) from None
        return headers, body

    def _post(self, headers: dict[str, str], body: str) -> requests.Response:
        """Send the token request, turning transport failures into NetworkError."""
        url = _display_url(self.token_url)
        try:
            # No redirects: a 307 would re-send the secret to wherever it points.
            return requests.post(
                self.token_url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise NetworkError(
                f"The token endpoint {url} did not answer within {self.timeout:g} s. "
                "Try again, or pass a larger timeout=."
            ) from None
        except requests.ConnectionError as exc:
            raise NetworkError(
                f"Could not connect to the token endpoint {url} "
                f"({type(exc).__name__}). Check token_url and your network."
            ) from None
        except requests.RequestException as exc:
            raise NetworkError(
                f"The token request to {url} failed ({type(exc).__name__}). Check token_url."
            ) from None

    def _token_payload(self, resp: requests.Response) -> dict[str, Any]:
        """The JSON object of a successful token response, or the bearerkit error it deserves."""
        url = _display_url(self.token_url)
        status = resp.status_code
        try:
            body = resp.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "error" in body:
            raise self._endpoint_error(body, status=status, url=url)
        if status >= 500:
            raise ServerError(
                f"The token endpoint {url} failed with HTTP {status}. Try again later.",
                status_code=status,
                url=url,
            )
        if 300 <= status < 400:
            where = _display_url(resp.headers.get("Location", "?"))
            raise ResponseFormatError(
                f"The token endpoint {url} redirected (HTTP {status}) to {where}. "
                "Set token_url to the final address: client credentials are not "
                "sent on to a redirect."
            )
        if status in (401, 403):
            raise AuthError(
                f"The token endpoint {url} refused the client credentials (HTTP {status}). "
                f"Check {self._credentials_hint}.",
                status_code=status,
                url=url,
            )
        if body is None:
            ctype = resp.headers.get("Content-Type", "no content type")
            raise ResponseFormatError(
                f"The token endpoint {url} answered HTTP {status} with {ctype}, not JSON: "
                f"{self._snippet(resp.text)!r}. Check token_url."
            )
        if not isinstance(body, dict) or status >= 400:
            raise ResponseFormatError(
                f"The token endpoint {url} answered HTTP {status} without a token "
                f"(a JSON {type(body).__name__}). Check token_url."
            )
        return body

    def _endpoint_error(self, body: dict[str, Any], *, status: int, url: str) -> AuthError:
        """An AuthError quoting an RFC 6749 §5.2 error body, scrubbed of the secret."""
        code = self._scrub(str(body.get("error")))[:SNIPPET_CHARS]
        description = body.get("error_description")
        quoted = code
        if description:
            description = self._snippet(str(description))
            quoted = f"{code} ({description})"
        what = "the client credentials" if code in _CLIENT_ERRORS else "the token request"
        hint = _ERROR_HINTS.get(code, "Check token_url and {creds}.")
        return AuthError(
            f"Token endpoint refused {what}: {quoted}. "
            + hint.format(creds=self._credentials_hint),
            status_code=status,
            api_message=description or code,
            url=url,
        )

    def _parse_token(self, token: dict[str, Any]) -> _Issued:
        """Check a token response (RFC 6749 §5.1) and work out when to renew it."""
        url = _display_url(self.token_url)
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            keys = ", ".join(sorted(str(k) for k in token)) or "none"
            raise ResponseFormatError(
                f"The token endpoint {url} answered without an access_token "
                f"(keys: {keys}). Check token_url."
            )
        token_type = token.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ResponseFormatError(
                f"The token endpoint {url} issued a {self._snippet(str(token_type))!r} "
                "token; bearerkit can only send Bearer tokens."
            )
        raw = token.get("expires_in")
        if raw is None:
            return _Issued(access_token, renew_at=None, expires_at=None)
        try:
            expires_in = max(float(raw), 0.0)
        except (TypeError, ValueError):
            expires_in = math.nan
        if not math.isfinite(expires_in):
            raise ResponseFormatError(
                f"The token endpoint {url} sent expires_in={self._snippet(str(raw))!r}, "
                "not a number of seconds."
            )
        return _Issued(
            access_token,
            renew_at=time.monotonic() + _renewal_delay(expires_in, self.leeway),
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=expires_in),
        )

    # -- retry after 401 ----------------------------------------------------

    def _make_401_hook(self, body_pos: int | None) -> Callable[..., requests.Response]:
        """A response hook that re-sends a 401'd request once with a fresh token."""

        def handle_401(r: requests.Response, **kwargs: Any) -> requests.Response:
            connection = getattr(r, "connection", None)  # absent on cached responses
            if r.status_code != 401 or connection is None:
                return r
            body = r.request.body
            if body_pos is not None:
                body.seek(body_pos)  # type: ignore[union-attr]
            elif body is not None and not isinstance(body, (bytes, str)):
                return r  # a one-shot stream cannot be sent twice
            # Release the connection first so the retry can reuse it (as HTTPDigestAuth
            # does), and so it is not left open if the token endpoint now refuses.
            _ = r.content
            r.close()
            token = self._renew_after_401(r.request.headers.get("Authorization"))
            prep = r.request.copy()
            jar = getattr(prep, "_cookies", None)  # private in requests, untyped in stubs
            if jar is not None:
                extract_cookies_to_jar(jar, r.request, r.raw)
                prep.prepare_cookies(jar)
            prep.headers["Authorization"] = f"Bearer {token}"
            # The adapter does not run response hooks, so this retry happens once.
            retry: requests.Response = connection.send(prep, **kwargs)
            retry.history.append(r)
            retry.request = prep
            return retry

        return handle_401

    # -- message helpers ------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """``text`` with the client secret (and current token) masked."""
        secrets = [self._client_secret]
        if self._issued is not None:
            secrets.append(self._issued.access_token)
        for secret in secrets:
            if len(secret) >= MIN_SCRUB_CHARS:
                text = text.replace(secret, "***")
        return text

    def _snippet(self, text: str) -> str:
        """A short, single-line, scrubbed excerpt of server text for a message."""
        flat = " ".join(self._scrub(text).split())
        return flat if len(flat) <= SNIPPET_CHARS else flat[:SNIPPET_CHARS] + "..."
