"""The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, RFC 8252) of the sign-in server.

``GET /oauth/authorize`` checks the request and shows the consent page; its
Approve or Deny redirects to the loopback ``redirect_uri`` (``http://127.0.0.1/callback``
or ``http://[::1]/callback`` as registered, any port, RFC 8252 §7.3) with ``code``
(or ``error``), ``state`` and ``iss`` (RFC 9207). An unknown client or an
unregistered redirect URI gets an error page, never a redirect. Codes are
single-use: a reused one is refused and revokes what it gave.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bearerkit.sandbox import userpages
from bearerkit.sandbox.credentials import same_secret
from bearerkit.sandbox.messages import Reply, Request
from bearerkit.sandbox.oauth import OAuthError, parse_form
from bearerkit.sandbox.usertokens import (
    CLIENT_NAME,
    SCOPES,
    Family,
    TokenIssuer,
    parse_scope,
    put,
)

AUTHORIZE_PATH = "/oauth/authorize"
# RFC 8252 §7.3: loopback redirect URIs as registered; any port is accepted.
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
REDIRECT_PATH = "/callback"
# RFC 7636 §4.1: 43-128 unreserved characters.
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")  # base64url of a SHA-256 digest, unpadded


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2).

    >>> s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Consent:
    """An authorization request waiting on the consent page."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    challenge: str
    expires_at: float


@dataclass
class Code:
    """An authorization code: what it was issued for, and the family it gave (once used)."""

    client_id: str
    redirect_uri: str
    scope: str
    challenge: str
    expires_at: float
    used: bool = False
    family: Family | None = None


class CodeFlow(TokenIssuer):
    """Authorization requests, the consent page and the code exchange."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.code_ttl = 600.0
        self._consents: dict[str, Consent] = {}
        self._codes: dict[str, Code] = {}

    def consent(self, url: str, approve: bool) -> str:
        """Decide an authorization request as its consent page would; return the redirect."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
        consent = self._check_authorization(query)
        if isinstance(consent, Reply):
            location = dict(consent.headers).get("Location")
            if location is None:
                raise ValueError(
                    "The sandbox would show an error page for this authorization URL: "
                    + consent.body.decode("utf-8").split('role="alert">')[-1].split("<")[0]
                )
            return location
        return self._decided(consent, approve)

    def _check_authorization(self, query: dict[str, str]) -> Consent | Reply:
        """Validate an authorization request: a pending consent, or the error reply."""
        client_id = query.get("client_id", "")
        if not client_id or not same_secret(client_id, self.client_id):
            return userpages.error_page(
                400, "Unknown client_id: this sign-in link was not made for the sandbox."
            )
        redirect_uri = query.get("redirect_uri", "")
        if not _registered_redirect(redirect_uri):
            return userpages.error_page(
                400,
                "The redirect_uri is not registered: use http://127.0.0.1:PORT/callback or "
                "http://[::1]:PORT/callback (any port).",
            )
        state = query.get("state")

        def error(code: str, description: str) -> Reply:
            params = {"error": code, "error_description": description}
            return userpages.redirect(_with_query(redirect_uri, params, state, self._issuer()))

        if query.get("response_type") != "code":
            return error("unsupported_response_type", "Only response_type=code is supported.")
        challenge = query.get("code_challenge")
        if not challenge or query.get("code_challenge_method") != "S256":
            return error(
                "invalid_request", "PKCE is required: send code_challenge with method S256."
            )
        if not CHALLENGE.fullmatch(challenge):
            return error("invalid_request", "The code_challenge is not a base64url SHA-256.")
        try:
            scope = parse_scope(query.get("scope"))
        except OAuthError as bad:
            return error(bad.error, bad.description)
        return Consent(
            client_id, redirect_uri, scope, state, challenge, self.clock() + self.code_ttl
        )

    def _consent_page(self, consent: Consent) -> Reply:
        request_id = secrets.token_urlsafe(24)
        with self._lock:
            put(self._consents, request_id, consent)
        return userpages.consent_form(
            AUTHORIZE_PATH, request_id, CLIENT_NAME, consent.scope, SCOPES
        )

    def _consent_decision(self, request: Request) -> Reply:
        try:
            form = parse_form(request)
        except OAuthError as error:
            return userpages.error_page(400, error.description)
        with self._lock:
            consent = self._consents.pop(form.get("request", ""), None)
        if consent is None or self.clock() >= consent.expires_at:
            return userpages.error_page(
                400, "This sign-in page has expired or was already used: start the sign-in again."
            )
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            return userpages.error_page(400, "Choose Approve or Deny.")
        return userpages.redirect(self._decided(consent, decision == "approve"))

    def _decided(self, consent: Consent, approve: bool) -> str:
        """The redirect URI with the code (or ``access_denied``), ``state`` and ``iss``."""
        if not approve:
            params = {"error": "access_denied", "error_description": "The user denied access."}
            return _with_query(consent.redirect_uri, params, consent.state, self._issuer())
        code = secrets.token_urlsafe(32)
        entry = Code(
            consent.client_id,
            consent.redirect_uri,
            consent.scope,
            consent.challenge,
            self.clock() + self.code_ttl,
        )
        with self._lock:
            put(self._codes, code, entry)
        return _with_query(consent.redirect_uri, {"code": code}, consent.state, self._issuer())

    def _exchange(self, form: dict[str, str], client_id: str) -> Reply:
        code, verifier = form.get("code"), form.get("code_verifier")
        if not code:
            raise OAuthError(400, "invalid_request", "Missing code.")
        if not verifier:
            raise OAuthError(400, "invalid_request", "Missing code_verifier (PKCE is required).")
        if not VERIFIER.fullmatch(verifier):
            raise OAuthError(
                400, "invalid_request", "The code_verifier must be 43-128 unreserved characters."
            )
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry.client_id != client_id:
                raise OAuthError(400, "invalid_grant", "Unknown authorization code.")
            if entry.used:
                # RFC 6749 §4.1.2: a reused code may be stolen; revoke what it gave.
                if entry.family is not None:
                    self._revoke(entry.family)
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "The authorization code was already used; the tokens issued from it are "
                    "now revoked. Sign in again.",
                )
            entry.used = True
            if self.clock() >= entry.expires_at:
                raise OAuthError(400, "invalid_grant", "The authorization code expired.")
            if form.get("redirect_uri") != entry.redirect_uri:
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "redirect_uri must be exactly the one sent to the authorization endpoint.",
                )
            if not hmac.compare_digest(s256(verifier), entry.challenge):
                raise OAuthError(400, "invalid_grant", "The code_verifier does not match.")
            entry.family = Family(client_id, entry.scope)
            return self._issue(entry.family, entry.scope, with_refresh=True)


def _registered_redirect(uri: str) -> bool:
    """Whether ``uri`` is a registered redirect URI: exact, except the loopback port."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    return (
        parts.scheme == "http"
        and host in LOOPBACK_HOSTS
        and (port is None or port > 0)
        and parts.path == REDIRECT_PATH
        and not parts.query
        and not parts.fragment
        and "@" not in parts.netloc
    )


def _with_query(uri: str, params: dict[str, str], state: str | None, issuer: str) -> str:
    """``uri`` with the authorization response's parameters (RFC 6749 §4.1.2, RFC 9207)."""
    full = dict(params)
    if state is not None:
        full["state"] = state
    full["iss"] = issuer
    return f"{uri}?{urlencode(full)}"
