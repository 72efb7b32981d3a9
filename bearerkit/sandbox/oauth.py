"""The sandbox's OAuth 2.0 token endpoint: client credentials grant (RFC 6749 §4.4).

TMDB itself has no such endpoint; many other bearer APIs do, so the sandbox
offers one at ``/oauth/token`` for testing token renewal. Checks run in the
order Authlib's server uses: request syntax, then the grant type, then the
client's credentials, then the scope.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_plus

from bearerkit.sandbox.credentials import IssuedTokens, same_secret
from bearerkit.sandbox.messages import Reply, Request, json_reply

TOKEN_PATH = "/oauth/token"
FORM_TYPE = "application/x-www-form-urlencoded"
# RFC 6749 §3.3: scope tokens are NQCHAR (printable ASCII but space, '"' and '\').
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
# RFC 6749 §5.1/§5.2: token responses must not be cached anywhere.
_NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


@dataclass(frozen=True)
class OAuthClient:
    """The one client the sandbox knows, and how long the tokens it gets live."""

    client_id: str
    client_secret: str
    ttl: float


class _OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str, *, basic: bool = False):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.basic = basic

    def reply(self) -> Reply:
        headers: tuple[tuple[str, str], ...] = _NO_STORE
        if self.basic:  # RFC 6749 §5.2: a failed Basic login must get a challenge back
            headers += (("WWW-Authenticate", 'Basic realm="bearerkit-sandbox"'),)
        body = {"error": self.error, "error_description": self.description}
        return json_reply(self.status, body, headers=headers)


def token_endpoint(request: Request, client: OAuthClient, tokens: IssuedTokens) -> Reply:
    """Answer one request to ``/oauth/token``: a token, or an RFC 6749 §5.2 error."""
    if request.method != "POST":
        body = {"error": "invalid_request", "error_description": "Use POST for /oauth/token."}
        return json_reply(405, body, headers=(*_NO_STORE, ("Allow", "POST")))
    try:
        scope = _authorize(request, client)
    except _OAuthError as error:
        return error.reply()
    payload: dict[str, object] = {
        "access_token": tokens.issue(client.ttl),
        "token_type": "Bearer",
        "expires_in": int(client.ttl),  # whole seconds, rounded down so clients renew early
    }
    if scope is not None:
        payload["scope"] = scope
    return json_reply(200, payload, headers=_NO_STORE)


def _authorize(request: Request, client: OAuthClient) -> str | None:
    """Check the request; return the granted scope (``None`` if none was asked)."""
    form = _parse_form(request)
    basic = _basic_credentials(request.headers.get("authorization", ""))
    if basic is not None and (
        "client_secret" in form or form.get("client_id", basic[0]) != basic[0]
    ):
        raise _OAuthError(
            400,
            "invalid_request",
            "Use one client authentication method: HTTP Basic or the client_id/client_secret "
            "form fields, not both.",
        )
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _OAuthError(400, "invalid_request", "Missing grant_type (use client_credentials).")
    if grant_type != "client_credentials":
        raise _OAuthError(
            400,
            "unsupported_grant_type",
            f"grant_type {grant_type!r} is not supported here; use client_credentials.",
        )
    client_id, secret = (
        basic if basic is not None else (form.get("client_id"), form.get("client_secret"))
    )
    if client_id is None or secret is None:
        raise _OAuthError(
            401,
            "invalid_client",
            "Client authentication is missing: send HTTP Basic credentials or "
            "client_id and client_secret form fields.",
        )
    if not (same_secret(client_id, client.client_id) and same_secret(secret, client.client_secret)):
        raise _OAuthError(
            401, "invalid_client", "Client authentication failed.", basic=basic is not None
        )
    scope = form.get("scope")
    if scope is not None and not all(_SCOPE_TOKEN.fullmatch(s) for s in scope.split(" ")):
        raise _OAuthError(400, "invalid_scope", "The scope is malformed.")
    return scope


def _parse_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise _OAuthError(400, "invalid_request", f"The token request body must be {FORM_TYPE}.")
    try:
        fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise _OAuthError(400, "invalid_request", "The form body is not UTF-8.") from None
    repeated = sorted(name for name, values in fields.items() if len(values) > 1)
    if repeated:  # RFC 6749 §3.2: parameters must not be included more than once
        raise _OAuthError(
            400, "invalid_request", f"Parameter given more than once: {', '.join(repeated)}."
        )
    return {name: values[0] for name, values in fields.items()}


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """Return (client_id, secret) from an HTTP Basic header, or None if there is none."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _OAuthError(
            401, "invalid_client", "The Basic credentials are not valid base64.", basic=True
        ) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _OAuthError(
            401, "invalid_client", "The Basic credentials need the form id:secret.", basic=True
        )
    # RFC 6749 §2.3.1: both parts are form-encoded before they are base64-encoded.
    return unquote_plus(client_id), unquote_plus(secret)
