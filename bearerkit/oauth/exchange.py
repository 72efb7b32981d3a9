"""One OAuth 2.0 client-credentials token request (RFC 6749 §4.4), sent and answered.

:class:`TokenExchange` builds the request by hand (``grant_type``, ``scope``,
``audience`` form fields; the client authenticated by an RFC 6749 §2.3.1 Basic
header or by ``client_id`` / ``client_secret`` fields: what Authlib was once
used for), POSTs it through ``requests`` (so cassettes can record it) on a
session that ignores ``~/.netrc`` and never follows a redirect, and hands the
response to :class:`~bearerkit.oauth.answer.TokenAnswer` for checking. Transport
trouble becomes :class:`NetworkError`.

The Basic header and a form body holding the client secret are
:class:`~bearerkit.redact.Secret` values revealed only inside the call that sends
them, so no frame that can raise holds one in a plain local; errors are raised
outside ``except`` blocks, so they do not drag the request (and its headers)
along as ``__context__``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

import requests
from requests.adapters import HTTPAdapter

from bearerkit.cassette import cassette_miss
from bearerkit.deadline import Deadline, DeadlineExceeded, install
from bearerkit.errors import BearerkitError, NetworkError, ResponseFormatError
from bearerkit.oauth.answer import GrantedToken, TokenAnswer
from bearerkit.redact import Secret, mask_url
from bearerkit.transport import read_environment_once

__all__ = ["CLIENT_AUTH_METHODS", "TokenExchange", "scope_text"]

CLIENT_AUTH_METHODS = ("basic", "post")
TOKEN_REQUEST_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
}


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
        # As for bearerkit.Client: no ~/.netrc entry may replace the client credentials.
        read_environment_once(self, url)
        # timeout as a deadline for the whole answer, as for every Client request: a
        # token endpoint trickling bytes cannot stretch it.
        for adapter in self.adapters.values():
            if isinstance(adapter, HTTPAdapter):
                install(adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # Even with allow_redirects=False requests parses the Location to offer a
        # `next` request, and raises ValueError/UnicodeDecodeError on a bad one. A
        # token request never goes anywhere else: the caller reports the Location.
        return None


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
            return TokenAnswer(
                self._post(session),
                url=mask_url(self.token_url),
                secrets=self._secrets(),
                credentials_hint=self.credentials_hint,
            ).granted()

    # -- the request ------------------------------------------------------------------

    def _form(self) -> Secret:
        """The form body (it holds the client secret when client_auth='post')."""
        public = [("grant_type", "client_credentials")] + [
            (name, value)
            for name, value in (("scope", scope_text(self.scope)), ("audience", self.audience))
            if value
        ]
        if self.client_auth != "post":
            return Secret(urlencode(public))
        return Secret(
            urlencode(public)
            + "&"
            + urlencode({"client_id": self.client_id, "client_secret": self.client_secret.reveal()})
        )

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
        url = mask_url(self.token_url)
        timed_out = NetworkError(
            f"The token endpoint {url} did not answer within {self.timeout:g} s. "
            "Try again, or pass a larger timeout=."
        )
        error: BearerkitError
        with Deadline(self.timeout) as deadline:
            try:
                response = session.post(
                    self.token_url,
                    data=self._form().reveal(),
                    headers=self._headers(),
                    timeout=self.timeout,
                    allow_redirects=False,  # a 307 would re-send the secret wherever it points
                )
            except (requests.Timeout, DeadlineExceeded):
                error = timed_out
            except requests.exceptions.ContentDecodingError:
                error = ResponseFormatError(
                    f"The token endpoint {url} sent a body that does not decode as its "
                    "Content-Encoding header says. Check token_url."
                )
            except requests.ConnectionError as exc:
                error = (
                    timed_out  # the watchdog cut the answer short
                    if deadline.expired
                    else NetworkError(
                        f"Could not connect to the token endpoint {url} "
                        f"({type(exc).__name__}). Check token_url and your network."
                    )
                )
            except requests.RequestException as exc:
                error = (
                    timed_out  # the watchdog cut the body short
                    if deadline.expired
                    else NetworkError(
                        f"The token request to {url} failed ({type(exc).__name__}). "
                        "Check token_url."
                    )
                )
            except Exception as exc:
                miss = cassette_miss(exc, "POST", self.token_url)
                if miss is None:
                    raise
                error = miss
            else:
                if not deadline.expired:
                    return response
                error = timed_out
        # Raised here, outside the except blocks: the requests exception (which holds
        # the request and its headers) must not ride along as __context__.
        raise error

    def _secrets(self) -> tuple[Secret, ...]:
        """The secrets to scrub from server text: the client secret and the token being replaced."""
        current = (self.current_token,) if self.current_token is not None else ()
        return (self.client_secret, *current)
