"""The sandbox's OAuth 2.0 token endpoint: client credentials grant (RFC 6749 §4.4).

TMDB itself has no such endpoint; many other bearer APIs do, so the sandbox
offers one at ``/oauth/token`` for testing token renewal. Checks run in the
order Authlib's server uses: request syntax, then the grant type, then the
client's credentials, then the scope.

The same endpoint answers the user sign-in grants (device code, authorization
code, refresh token): :func:`token_endpoint` hands those to the
:class:`~bearerkit.sandbox.userauth.UserAuth` it is given, which reuses the form
and Basic parsing and the error reply defined here.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote_plus

from bearerkit.sandbox.credentials import IssuedTokens, same_secret
from bearerkit.sandbox.messages import Reply, Request, json_reply

if TYPE_CHECKING:
    from bearerkit.sandbox.userauth import UserAuth

TOKEN_PATH = "/oauth/token"
FORM_TYPE = "application/x-www-form-urlencoded"
# RFC 6749 §3.3: scope tokens are NQCHAR (printable ASCII but space, '"' and '\').
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
# RFC 6749 §5.1/§5.2: token responses must not be cached anywhere.
NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


@dataclass(frozen=True)
class OAuthClient:
    """The one client the sandbox knows, and how long the tokens it gets live."""

    client_id: str
    client_secret: str
    ttl: float


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str, *, basic: bool = False):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.basic = basic

    def reply(self) -> Reply:
        headers: tuple[tuple[str, str], ...] = NO_STORE
        if self.basic:  # RFC 6749 §5.2: a failed Basic login must get a challenge back
            headers += (("WWW-Authenticate", 'Basic realm="bearerkit-sandbox"'),)
        body = {"error": self.error, "error_description": self.description}
        return json_reply(self.status, body, headers=headers)


def token_endpoint(
    request: Request, client: OAuthClient, tokens: IssuedTokens, users: UserAuth | None = None
) -> Reply:
    """Answer one request to ``/oauth/token``: a token, or an RFC 6749 §5.2 error.

    ``users`` answers the user sign-in grants; without it only client
    credentials are supported.
    """
    if request.method != "POST":
        return method_not_allowed(TOKEN_PATH)
    try:
        form = parse_form(request)
        basic = basic_credentials(request.headers.get("authorization", ""))
        if users is not None and form.get("grant_type") in users.grant_types:
            _one_client_method(form, basic)
            client_id = basic[0] if basic is not None else form.get("client_id", "")
            if same_secret(client_id, client.client_id):
                raise OAuthError(
                    400,
                    "unauthorized_client",
                    "This client may only use client_credentials; sign users in with the "
                    "sandbox's login_client_id.",
                )
            return users.token(form, basic)
        scope = _authorize(form, basic, client, users)
    except OAuthError as error:
        return error.reply()
    payload: dict[str, object] = {
        "access_token": tokens.issue(client.ttl),
        "token_type": "Bearer",
        "expires_in": int(client.ttl),  # whole seconds, rounded down so clients renew early
    }
    if scope is not None:
        payload["scope"] = scope
    return json_reply(200, payload, headers=NO_STORE)


def method_not_allowed(path: str) -> Reply:
    """The 405 an OAuth endpoint that takes only POST answers other methods with."""
    body = {"error": "invalid_request", "error_description": f"Use POST for {path}."}
    return json_reply(405, body, headers=(*NO_STORE, ("Allow", "POST")))


def _one_client_method(form: dict[str, str], basic: tuple[str, str] | None) -> None:
    """Refuse a request that authenticates the client in two ways (RFC 6749 §2.3)."""
    if basic is not None and (
        "client_secret" in form or form.get("client_id", basic[0]) != basic[0]
    ):
        raise OAuthError(
            400,
            "invalid_request",
            "Use one client authentication method: HTTP Basic or the client_id/client_secret "
            "form fields, not both.",
        )


def _authorize(
    form: dict[str, str],
    basic: tuple[str, str] | None,
    client: OAuthClient,
    users: UserAuth | None,
) -> str | None:
    """Check a client-credentials request; return the granted scope (``None`` if none asked)."""
    _one_client_method(form, basic)
    supported = ["client_credentials", *(sorted(users.grant_types) if users else ())]
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError(
            400, "invalid_request", f"Missing grant_type (one of: {', '.join(supported)})."
        )
    if grant_type != "client_credentials":
        raise OAuthError(
            400,
            "unsupported_grant_type",
            f"grant_type {grant_type!r} is not supported here; use one of: {', '.join(supported)}.",
        )
    client_id, secret = (
        basic if basic is not None else (form.get("client_id"), form.get("client_secret"))
    )
    if client_id is None or secret is None:
        raise OAuthError(
            401,
            "invalid_client",
            "Client authentication is missing: send HTTP Basic credentials or "
            "client_id and client_secret form fields.",
        )
    if not (same_secret(client_id, client.client_id) and same_secret(secret, client.client_secret)):
        raise OAuthError(
            401, "invalid_client", "Client authentication failed.", basic=basic is not None
        )
    scope = form.get("scope")
    if scope is not None and not all(_SCOPE_TOKEN.fullmatch(s) for s in scope.split(" ")):
        raise OAuthError(400, "invalid_scope", "The scope is malformed.")
    return scope


def parse_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise OAuthError(400, "invalid_request", f"The token request body must be {FORM_TYPE}.")
    try:
        fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "The form body is not UTF-8.") from None
    repeated = sorted(name for name, values in fields.items() if len(values) > 1)
    if repeated:  # RFC 6749 §3.2: parameters must not be included more than once
        raise OAuthError(
            400, "invalid_request", f"Parameter given more than once: {', '.join(repeated)}."
        )
    return {name: values[0] for name, values in fields.items()}


def basic_credentials(header: str) -> tuple[str, str] | None:
    """Return (client_id, secret) from an HTTP Basic header, or None if there is none."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(
            401, "invalid_client", "The Basic credentials are not valid base64.", basic=True
        ) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError(
            401, "invalid_client", "The Basic credentials need the form id:secret.", basic=True
        )
    # RFC 6749 §2.3.1: both parts are form-encoded before they are base64-encoded.
    return unquote_plus(client_id), unquote_plus(secret)
