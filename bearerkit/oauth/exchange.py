"""One OAuth 2.0 client-credentials exchange with a token endpoint (RFC 6749 §4.4).

:class:`TokenExchange` builds the token request, POSTs it through ``requests``
(so cassettes can record it) on a session that ignores ``~/.netrc`` and never
follows a redirect, checks the answer (RFC 6749 §5.1) and turns every failure
into one bearerkit error: transport trouble into :class:`NetworkError`, an RFC
6749 §5.2 error body into :class:`AuthError` with a hint, a token that cannot go
into a header into :class:`TokenError`, anything else that is not a token into
:class:`ResponseFormatError`.

Secrets (the Basic header, a form body with the client secret, the issued token)
live in :class:`~bearerkit.redact.Secret` holders and are revealed only inside
the expression that sends or returns them, so no frame that can raise holds one
in a plain local; errors are raised outside ``except`` blocks, so they do not
drag the request (and its headers) along as ``__context__``. Server text quoted
in a message is scrubbed of the client secret and the token being replaced.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import requests

from bearerkit.errors import (
    AuthError,
    BearerkitError,
    NetworkError,
    ResponseFormatError,
    ServerError,
    TokenError,
)
from bearerkit.redact import SECRET_BODY_FIELDS, Secret, mask_url, snippet

__all__ = ["CLIENT_AUTH_METHODS", "MAX_LIFETIME", "GrantedToken", "TokenExchange", "scope_text"]

CLIENT_AUTH_METHODS = ("basic", "post")
TOKEN_REQUEST_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
}

# The longest lifetime taken from expires_in (ten years): a larger one (1e12 s)
# would overflow datetime arithmetic, and such a token is renewed on a 401 anyway.
MAX_LIFETIME = 10 * 365 * 24 * 3600.0

# An access token goes into "Authorization: Bearer <token>": visible ASCII only
# (RFC 6750's b64token is narrower; some providers use other visible characters).
_NOT_IN_A_HEADER = re.compile(r"[^\x21-\x7e]")

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
# What _decode returns for a body that is not JSON, or JSON nested too deeply to read.
_NOT_JSON = object()
_TOO_DEEP = object()


def scope_text(scope: str | Sequence[str] | None) -> str | None:
    """The ``scope`` form value: a space-separated string (RFC 6749 §3.3), or None.

    >>> scope_text(["read", "write"])
    'read write'
    """
    if scope is None or isinstance(scope, str):
        return scope or None
    if not all(isinstance(item, str) for item in scope):
        raise ValueError("scope must be a string or a list of strings")
    return " ".join(scope) or None


def _basic_credentials(client_id: str, client_secret: Secret) -> Secret:
    """The ``Authorization: Basic`` value of RFC 6749 §2.3.1 (both parts form-encoded first)."""
    # Authlib (dropped) sent base64(id:secret) unencoded; conforming servers (the
    # sandbox, Keycloak) decode, so a secret with '+', '%' or ':' would fail there.
    return Secret(
        "Basic "
        + base64.b64encode(
            f"{quote_plus(client_id)}:{quote_plus(client_secret.reveal())}".encode("ascii")
        ).decode("ascii")
    )


class _TokenSession(requests.Session):
    """A session for token requests: no netrc, no redirects, proxies read once."""

    def __init__(self, url: str) -> None:
        super().__init__()
        # trust_env=False: requests would otherwise let a ~/.netrc entry for the
        # token host replace the client credentials. Proxies and the CA bundle are
        # still taken from the environment, as bearerkit.Client does.
        self.trust_env = False
        self.proxies.update(requests.utils.get_environ_proxies(url))
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if ca_bundle:
            self.verify = ca_bundle

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # Even with allow_redirects=False requests parses the Location to offer a
        # `next` request, and raises ValueError/UnicodeDecodeError on a bad one. A
        # token request never goes anywhere else: the caller reports the Location.
        return None


@dataclass(frozen=True)
class GrantedToken:
    """A checked token response: the access token and its lifetime in seconds (None: unknown)."""

    access_token: Secret
    expires_in: float | None  # finite, 0 <= expires_in <= MAX_LIFETIME when given


@dataclass(frozen=True, kw_only=True)
class TokenExchange:
    """One client-credentials token request and the checks on its answer.

    Args:
        token_url: the token endpoint (already checked by the caller).
        client_id: the client id.
        client_secret: the client secret; scrubbed from every message.
        scope: scope(s) to request, a space-separated string or a list.
        audience: sent as the ``audience`` form field.
        client_auth: ``"basic"`` or ``"post"``.
        timeout: seconds to wait for the token endpoint.
        credentials_hint: how messages name the credentials to check.
        current_token: the token being replaced, if any; also scrubbed.

    >>> TokenExchange(token_url="https://auth.example.com/token", client_id="id",
    ...     client_secret=Secret("secret")).run()  # doctest: +SKIP
    GrantedToken(access_token=Secret('***'), expires_in=3600.0)
    """

    token_url: str
    client_id: str
    client_secret: Secret
    scope: str | Sequence[str] | None = None
    audience: str | None = None
    client_auth: str = "basic"
    timeout: float = 10.0
    credentials_hint: str = "client_id / client_secret"
    current_token: Secret | None = None

    def run(self) -> GrantedToken:
        """Request a token from the endpoint and return it once checked.

        Raises:
            AuthError: the token endpoint refused (the message quotes its error).
            NetworkError: the token endpoint could not be reached in time.
            ServerError: the token endpoint failed with HTTP 5xx.
            TokenError: the issued token cannot be sent in an HTTP header.
            ResponseFormatError: the answer was not a usable Bearer token.
        """
        with _TokenSession(self.token_url) as session:
            return self._parse_token(self._token_payload(self._post(session)))

    # -- the request ------------------------------------------------------------------

    def _form(self) -> Secret:
        """The form body (it holds the client secret when client_auth='post')."""
        fields = [("grant_type", "client_credentials")]
        fields += [
            (name, value)
            for name, value in (("scope", scope_text(self.scope)), ("audience", self.audience))
            if value
        ]
        if self.client_auth == "post":
            fields += [("client_id", self.client_id), ("client_secret", self.client_secret.reveal())]
        return Secret(urlencode(fields))

    def _headers(self) -> dict[str, str]:
        """Headers of the token request; the Basic one is revealed here, as it is sent."""
        if self.client_auth != "basic":
            return dict(TOKEN_REQUEST_HEADERS)
        return {
            **TOKEN_REQUEST_HEADERS,
            "Authorization": _basic_credentials(self.client_id, self.client_secret).reveal(),
        }

    def _post(self, session: requests.Session) -> requests.Response:
        """Send the token request, turning transport failures into NetworkError."""
        try:
            return session.post(
                self.token_url,
                data=self._form().reveal(),
                headers=self._headers(),
                timeout=self.timeout,
                allow_redirects=False,  # a 307 would re-send the secret wherever it points
            )
        except requests.Timeout:
            error: BearerkitError = NetworkError(
                f"The token endpoint {self._url} did not answer within {self.timeout:g} s. "
                "Try again, or pass a larger timeout=."
            )
        except requests.exceptions.ContentDecodingError:
            error = ResponseFormatError(
                f"The token endpoint {self._url} sent a body that does not decode as its "
                "Content-Encoding header says. Check token_url."
            )
        except requests.ConnectionError as exc:
            error = NetworkError(
                f"Could not connect to the token endpoint {self._url} ({type(exc).__name__}). "
                "Check token_url and your network."
            )
        except requests.RequestException as exc:
            error = NetworkError(
                f"The token request to {self._url} failed ({type(exc).__name__}). Check token_url."
            )
        # Raised here, outside the except blocks: the requests exception (which holds
        # the request and its headers) must not ride along as __context__.
        raise error

    # -- the answer -------------------------------------------------------------------

    @property
    def _url(self) -> str:
        return mask_url(self.token_url)

    def _token_payload(self, resp: requests.Response) -> dict[str, Any]:
        """The JSON object of a successful token response, or the bearerkit error it deserves."""
        status = resp.status_code
        body = self._decode(resp)
        if body is _TOO_DEEP:
            raise ResponseFormatError(
                f"The token endpoint {self._url} answered HTTP {status} with JSON nested too "
                "deeply to read. Check token_url."
            )
        if isinstance(body, dict) and "error" in body:
            raise self._endpoint_error(body, status=status)
        if status >= 500:
            raise ServerError(
                f"The token endpoint {self._url} failed with HTTP {status}. Try again later.",
                status_code=status,
                url=self._url,
            )
        if 300 <= status < 400:
            raise ResponseFormatError(
                f"The token endpoint {self._url} redirected (HTTP {status}) to "
                f"{snippet(mask_url(resp.headers.get('Location')) or '?')}. Set token_url to "
                "the final address: client credentials are not sent on to a redirect."
            )
        if status in (401, 403):
            raise AuthError(
                f"The token endpoint {self._url} refused the client credentials "
                f"(HTTP {status}). Check {self.credentials_hint}.",
                status_code=status,
                url=self._url,
            )
        if body is _NOT_JSON:
            raise ResponseFormatError(
                f"The token endpoint {self._url} answered HTTP {status} with "
                f"{resp.headers.get('Content-Type', 'no content type')}, not JSON: "
                f"{snippet(resp.content, secrets=self._secrets())!r}. Check token_url."
            )
        if not isinstance(body, dict) or status >= 400:
            raise ResponseFormatError(
                f"The token endpoint {self._url} answered HTTP {status} without a token "
                f"(a JSON {type(body).__name__}). Check token_url."
            )
        return body

    @staticmethod
    def _decode(resp: requests.Response) -> Any:
        """The JSON body with secret fields sealed, or ``_NOT_JSON`` / ``_TOO_DEEP``."""
        try:
            return _sealed(json.loads(resp.content))
        except RecursionError:
            return _TOO_DEEP
        except ValueError:  # JSONDecodeError and UnicodeDecodeError
            return _NOT_JSON

    def _endpoint_error(self, body: dict[str, Any], *, status: int) -> AuthError:
        """An AuthError quoting an RFC 6749 §5.2 error body, scrubbed of secrets."""
        error, description = body.get("error"), body.get("error_description")
        shown = error if isinstance(error, str) else f"(a JSON {type(error).__name__})"
        code = snippet(shown, secrets=self._secrets())
        quoted = code
        if isinstance(description, str) and description:
            description = snippet(description, secrets=self._secrets())
            quoted = f"{code} ({description})"
        else:
            description = None
        what = "the client credentials" if code in _CLIENT_ERRORS else "the token request"
        hint = _ERROR_HINTS.get(code, "Check token_url and {creds}.")
        return AuthError(
            f"Token endpoint refused {what}: {quoted}. " + hint.format(creds=self.credentials_hint),
            status_code=status,
            api_message=description or code,
            url=self._url,
        )

    def _parse_token(self, token: dict[str, Any]) -> GrantedToken:
        """Check a token response (RFC 6749 §5.1): a Bearer access token and its lifetime."""
        access_token = token.get("access_token")
        if not isinstance(access_token, Secret) or not access_token.reveal():
            keys = ", ".join(sorted(str(k) for k in token)) or "none"
            raise ResponseFormatError(
                f"The token endpoint {self._url} answered without an access_token "
                f"(keys: {snippet(keys)}). Check token_url."
            )
        token_type = token.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            shown = token_type if isinstance(token_type, str) else type(token_type).__name__
            raise ResponseFormatError(
                f"The token endpoint {self._url} issued a "
                f"{snippet(shown, secrets=self._secrets(), limit=40)!r} token; bearerkit can only "
                "send Bearer tokens."
            )
        self._check_header_safe(access_token)
        return GrantedToken(access_token, expires_in=self._lifetime(token.get("expires_in")))

    def _check_header_safe(self, access_token: Secret) -> None:
        """Raise TokenError (without the token) if it cannot go into an Authorization header."""
        bad = _NOT_IN_A_HEADER.search(access_token.reveal())
        if bad is None:
            return
        char = bad.group()
        what = (
            "a line break" if char in "\r\n"
            else "a space" if char.isspace()
            else "a non-ASCII character" if ord(char) > 0x7E
            else "a control character"
        )  # fmt: skip
        raise TokenError(
            f"The token endpoint {self._url} issued an access token that cannot be sent in an "
            f"HTTP header: it contains {what} (at position {bad.start()}). Check token_url; "
            "the provider may be misconfigured.",
            reason="malformed",
        )

    def _lifetime(self, raw: Any) -> float | None:
        """``expires_in`` as seconds in [0, MAX_LIFETIME], None if absent; an error if not a number."""
        if raw is None:
            return None
        try:
            seconds = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError, OverflowError):
            seconds = math.nan
        if not math.isfinite(seconds):
            shown = str(raw) if isinstance(raw, (str, int, float)) else type(raw).__name__
            raise ResponseFormatError(
                f"The token endpoint {self._url} sent expires_in={snippet(shown, limit=40)!r}, "
                "not a number of seconds."
            )
        return min(max(seconds, 0.0), MAX_LIFETIME)

    def _secrets(self) -> tuple[str, ...]:
        """The secrets to scrub from server text (revealed only for the scrubbing call)."""
        secrets = [self.client_secret.reveal()]
        if self.current_token is not None:
            secrets.append(self.current_token.reveal())
        return tuple(secrets)


def _sealed(body: Any) -> Any:
    """``body`` with the values of secret fields (access_token, ...) wrapped in Secret."""
    if not isinstance(body, dict):
        return body
    return {
        key: Secret(value) if key in SECRET_BODY_FIELDS and isinstance(value, str) else value
        for key, value in body.items()
    }
