"""A token endpoint's answer: a checked Bearer token (RFC 6749 §5.1) or one bearerkit error.

:class:`TokenAnswer` turns the HTTP response of a token request into a
:class:`GrantedToken`, or raises: an RFC 6749 §5.2 error body becomes
:class:`AuthError` with a hint, a 5xx :class:`ServerError`, a token that cannot go
into a header :class:`TokenError`, anything else that is not a token
:class:`ResponseFormatError`. Server text quoted in a message is scrubbed of the
secrets in play.

The answer holds the issued token and maybe an echoed secret, so it is never a
plain ``dict`` in a local variable: :class:`TokenAnswer`'s repr shows only the
status, and the token leaves it as a :class:`~bearerkit.redact.Secret`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import requests

from bearerkit.errors import AuthError, ResponseFormatError, ServerError, TokenError
from bearerkit.redact import Secret, mask_url, snippet

__all__ = ["MAX_LIFETIME", "GrantedToken", "TokenAnswer"]

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


@dataclass(frozen=True)
class GrantedToken:
    """A checked token response: the access token and its lifetime in seconds (None: unknown)."""

    access_token: Secret
    expires_in: float | None  # finite, 0 <= expires_in <= MAX_LIFETIME when given


def _decode(content: bytes) -> tuple[Any, str | None]:
    """``(json, None)``, or ``(None, "not JSON" | "too deep")``."""
    try:
        return json.loads(content), None
    except RecursionError:  # deeply nested arrays or objects
        return None, "too deep"
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None, "not JSON"


class TokenAnswer:
    """One token-endpoint response, checked by :meth:`granted`; its repr never shows the body.

    Args:
        resp: the response of the token request (redirects not followed).
        url: the token endpoint as messages show it.
        secrets: scrubbed from any server text a message quotes.
        credentials_hint: how messages name the credentials to check.
    """

    def __init__(
        self,
        resp: requests.Response,
        *,
        url: str,
        secrets: tuple[Secret, ...] = (),
        credentials_hint: str = "client_id / client_secret",
    ) -> None:
        self.status = resp.status_code
        self.url = url
        self.content_type = resp.headers.get("Content-Type", "no content type")
        self.location = resp.headers.get("Location")
        self.credentials_hint = credentials_hint
        self._content = resp.content
        self._secrets = secrets
        self._data, self._problem = _decode(resp.content)

    def __repr__(self) -> str:
        return f"<TokenAnswer HTTP {self.status} from {self.url}>"

    def granted(self) -> GrantedToken:
        """The Bearer token and its lifetime, once every check passed.

        Raises:
            AuthError: the endpoint refused (an RFC 6749 §5.2 error, or 401/403).
            ServerError: HTTP 5xx.
            TokenError: the issued token cannot be sent in an HTTP header.
            ResponseFormatError: a redirect, or an answer that is not a Bearer token.
        """
        self._check_status()
        access_token = self._secret("access_token")
        if access_token is None:
            keys = ", ".join(sorted(str(k) for k in self._data)) or "none"
            raise ResponseFormatError(
                f"The token endpoint {self.url} answered without an access_token "
                f"(keys: {snippet(keys)}). Check token_url."
            )
        token_type = self._data.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ResponseFormatError(
                f"The token endpoint {self.url} issued a {self._text('token_type', limit=40)!r} "
                "token; bearerkit can only send Bearer tokens."
            )
        self._check_header_safe(access_token)
        return GrantedToken(access_token, expires_in=self._lifetime())

    # -- the checks, in order ---------------------------------------------------------

    def _check_status(self) -> None:
        """Raise for anything but a JSON object that is not an error, with a 2xx status."""
        if self._problem == "too deep":
            raise ResponseFormatError(
                f"The token endpoint {self.url} answered HTTP {self.status} with JSON nested "
                "too deeply to read. Check token_url."
            )
        if isinstance(self._data, dict) and "error" in self._data:
            raise self._endpoint_error()
        if self.status >= 500:
            raise ServerError(
                f"The token endpoint {self.url} failed with HTTP {self.status}. Try again later.",
                status_code=self.status,
                url=self.url,
            )
        if 300 <= self.status < 400:
            raise ResponseFormatError(
                f"The token endpoint {self.url} redirected (HTTP {self.status}) to "
                f"{snippet(mask_url(self.location) or '?')}. Set token_url to the final "
                "address: client credentials are not sent on to a redirect."
            )
        if self.status in (401, 403):
            raise AuthError(
                f"The token endpoint {self.url} refused the client credentials "
                f"(HTTP {self.status}). Check {self.credentials_hint}.",
                status_code=self.status,
                url=self.url,
            )
        if self._problem == "not JSON":
            raise ResponseFormatError(
                f"The token endpoint {self.url} answered HTTP {self.status} with "
                f"{self.content_type}, not JSON: {self._snippet(self._content)!r}. "
                "Check token_url."
            )
        if not isinstance(self._data, dict) or self.status >= 400:
            raise ResponseFormatError(
                f"The token endpoint {self.url} answered HTTP {self.status} without a token "
                f"(a JSON {type(self._data).__name__}). Check token_url."
            )

    def _endpoint_error(self) -> AuthError:
        """An AuthError quoting an RFC 6749 §5.2 error body, scrubbed of secrets."""
        code = self._text("error") or "(no error code)"
        description = self._text("error_description") or None
        quoted = f"{code} ({description})" if description else code
        what = "the client credentials" if code in _CLIENT_ERRORS else "the token request"
        hint = _ERROR_HINTS.get(code, "Check token_url and {creds}.")
        return AuthError(
            f"Token endpoint refused {what}: {quoted}. " + hint.format(creds=self.credentials_hint),
            status_code=self.status,
            api_message=description or code,
            url=self.url,
        )

    def _check_header_safe(self, access_token: Secret) -> None:
        """Raise TokenError (without the token) if it cannot go into an Authorization header."""
        bad = _NOT_IN_A_HEADER.search(access_token.reveal())
        if bad is None:
            return
        what = (
            "a line break" if bad.group() in "\r\n"
            else "a space" if bad.group().isspace()
            else "a non-ASCII character" if ord(bad.group()) > 0x7E
            else "a control character"
        )  # fmt: skip
        raise TokenError(
            f"The token endpoint {self.url} issued an access token that cannot be sent in an "
            f"HTTP header: it contains {what} (at position {bad.start()}). Check token_url; "
            "the provider may be misconfigured.",
            reason="malformed",
        )

    def _lifetime(self) -> float | None:
        """``expires_in`` as seconds in [0, MAX_LIFETIME], None if absent; an error if not a number."""
        raw = self._data.get("expires_in")
        if raw is None:
            return None
        try:
            seconds = math.nan if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError, OverflowError):
            seconds = math.nan
        if not math.isfinite(seconds):
            raise ResponseFormatError(
                f"The token endpoint {self.url} sent expires_in="
                f"{self._text('expires_in', limit=40)!r}, not a number of seconds."
            )
        return min(max(seconds, 0.0), MAX_LIFETIME)

    # -- reading fields without exposing them ------------------------------------------

    def _secret(self, name: str) -> Secret | None:
        """A non-empty string field, sealed; None if absent or not a string."""
        value = self._data.get(name)
        return Secret(value) if isinstance(value, str) and value else None

    def _text(self, name: str, *, limit: int = 200) -> str:
        """A field for a message: scrubbed text, a number, or ``(a JSON list)``."""
        value = self._data.get(name) if isinstance(self._data, dict) else None
        if isinstance(value, str):
            return self._snippet(value, limit=limit)
        if isinstance(value, (int, float)):
            return str(value)  # bool included: True
        return f"(a JSON {type(value).__name__})" if value is not None else ""

    def _snippet(self, text: str | bytes, *, limit: int = 160) -> str:
        return snippet(text, secrets=tuple(s.reveal() for s in self._secrets), limit=limit)
