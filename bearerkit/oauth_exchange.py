"""One OAuth 2.0 client-credentials exchange with a token endpoint (RFC 6749 §4.4).

:class:`TokenExchange` builds the token request (with Authlib, see
:mod:`bearerkit.oauth` for why and which parts), POSTs it without following
redirects and with a timeout, checks the token response (RFC 6749 §5.1) and
turns every failure into one bearerkit error: transport trouble into
:class:`NetworkError`, an RFC 6749 §5.2 error body into :class:`AuthError` with
a hint, anything that is not a token into :class:`ResponseFormatError`. Server
text quoted in a message is scrubbed of the client secret and the current token.
Caching and renewal are not here: they belong to
:class:`bearerkit.oauth.ClientCredentials`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import requests

from bearerkit.errors import AuthError, NetworkError, ResponseFormatError, ServerError, TokenError

__all__ = ["CLIENT_AUTH_METHODS", "GrantedToken", "TokenExchange", "display_url"]

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


def display_url(url: str) -> str:
    """The URL without user:password@, for messages and repr.

    >>> display_url("https://me:pw@auth.example.com/token")
    'https://auth.example.com/token'
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


@dataclass(frozen=True)
class GrantedToken:
    """A checked token response: the access token and its lifetime in seconds (None: unknown)."""

    access_token: str = field(repr=False)
    expires_in: float | None  # finite and >= 0 when given


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
    ...     client_secret="secret").run()  # doctest: +SKIP
    GrantedToken(expires_in=3600.0)
    """

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | Sequence[str] | None = None
    audience: str | None = None
    client_auth: str = "basic"
    timeout: float = 10.0
    credentials_hint: str = "client_id / client_secret"
    current_token: str | None = field(default=None, repr=False)

    def run(self) -> GrantedToken:
        """Request a token from the endpoint and return it once checked.

        Raises:
            TokenError: the token request could not be built.
            AuthError: the token endpoint refused (the message quotes its error).
            NetworkError: the token endpoint could not be reached in time.
            ServerError: the token endpoint failed with HTTP 5xx.
            ResponseFormatError: the answer was not a usable Bearer token.
        """
        headers, body = self._token_request()
        return self._parse_token(self._token_payload(self._post(headers, body)))

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
            client_auth = ClientAuth(self.client_id, self.client_secret, method)
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
        url = display_url(self.token_url)
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
        url = display_url(self.token_url)
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
            where = display_url(resp.headers.get("Location", "?"))
            raise ResponseFormatError(
                f"The token endpoint {url} redirected (HTTP {status}) to {where}. "
                "Set token_url to the final address: client credentials are not "
                "sent on to a redirect."
            )
        if status in (401, 403):
            raise AuthError(
                f"The token endpoint {url} refused the client credentials (HTTP {status}). "
                f"Check {self.credentials_hint}.",
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
            f"Token endpoint refused {what}: {quoted}. " + hint.format(creds=self.credentials_hint),
            status_code=status,
            api_message=description or code,
            url=url,
        )

    def _parse_token(self, token: dict[str, Any]) -> GrantedToken:
        """Check a token response (RFC 6749 §5.1): a Bearer access token and its lifetime."""
        url = display_url(self.token_url)
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
            return GrantedToken(access_token, expires_in=None)
        try:
            expires_in = max(float(raw), 0.0)
        except (TypeError, ValueError):
            expires_in = math.nan
        if not math.isfinite(expires_in):
            raise ResponseFormatError(
                f"The token endpoint {url} sent expires_in={self._snippet(str(raw))!r}, "
                "not a number of seconds."
            )
        return GrantedToken(access_token, expires_in=expires_in)

    # -- message helpers ------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """``text`` with the client secret (and current token) masked."""
        secrets = [self.client_secret]
        if self.current_token is not None:
            secrets.append(self.current_token)
        for secret in secrets:
            if len(secret) >= MIN_SCRUB_CHARS:
                text = text.replace(secret, "***")
        return text

    def _snippet(self, text: str) -> str:
        """A short, single-line, scrubbed excerpt of server text for a message."""
        flat = " ".join(self._scrub(text).split())
        return flat if len(flat) <= SNIPPET_CHARS else flat[:SNIPPET_CHARS] + "..."
