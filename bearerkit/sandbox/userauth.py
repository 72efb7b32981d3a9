"""The sandbox as an OAuth 2.0 authorization server for signing in as a user.

Three ways to sign in, strict to the RFCs, for one sandbox user and one client
(``login_client_id``: public by default, PKCE required):

- device authorization grant (RFC 8628): ``POST /oauth/device_authorization``,
  the verification page ``/oauth/device`` (a form: code, Approve, Deny), then
  ``/oauth/token`` polls answer ``authorization_pending``, ``slow_down`` (when
  polled faster than the interval, or on request), ``access_denied`` or
  ``expired_token``;
- authorization code with PKCE S256 (RFC 6749 §4.1, RFC 7636):
  ``GET /oauth/authorize`` shows a consent page that redirects to the loopback
  ``redirect_uri`` (``http://127.0.0.1/callback`` or ``http://[::1]/callback``,
  any port, RFC 8252 §7.3) with ``code``, ``state`` and ``iss`` (RFC 9207); codes
  are single-use, and a reused code revokes the tokens issued from it;
- refresh tokens that rotate (RFC 9700 §4.14.2): a rotated refresh token used
  again revokes its whole family (every token descended from that sign-in).

``/user/me`` (scope ``profile``) and ``/user/ratings`` (scope ``ratings``) are the
protected resource, with RFC 6750 §3 challenges. All times come from the
sandbox's clock, so tests and notebooks can move time instead of waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

from bearerkit.sandbox import catalogue, userpages
from bearerkit.sandbox.credentials import same_secret
from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.oauth import NO_STORE, OAuthError, basic_credentials, parse_form

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = frozenset({DEVICE_GRANT, "authorization_code", "refresh_token"})
DEVICE_AUTHORIZATION_PATH = "/oauth/device_authorization"
VERIFICATION_PATH = "/oauth/device"
AUTHORIZE_PATH = "/oauth/authorize"
METADATA_PATH = "/.well-known/oauth-authorization-server"
USER_API_PATH = "/user"
CLIENT_NAME = "bearerkit sandbox notebook"
# What each scope lets the client do, in the words the pages show.
SCOPES = {"profile": "read your sandbox profile", "ratings": "read your movie ratings"}
DEFAULT_SCOPE = "profile"
# RFC 8628 §6.1: 20 consonants, 8 characters (~34 bits), shown as XXXX-XXXX.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
# RFC 8252 §7.3: loopback redirect URIs as registered; any port is accepted.
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")
REDIRECT_PATH = "/callback"
# RFC 7636 §4.1: 43-128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")  # base64url of a SHA-256 digest, unpadded
# Entries of each kind kept at most; the oldest go first (a notebook left running
# must not grow without bound).
MAX_ENTRIES = 10_000
REALM = "bearerkit-sandbox"

Clock = Callable[[], float]
T = TypeVar("T")


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2).

    >>> s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def normalize_user_code(text: str) -> str:
    """The user code as the sandbox stores it: upper case, dashes and spaces dropped."""
    return re.sub(r"[\s\-]", "", text).upper()


def _new_user_code() -> str:
    chars = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds


@dataclass
class _Family:
    """One sign-in: every access and refresh token descended from one grant."""

    client_id: str
    scope: str
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    revoked: bool = False


@dataclass
class _Device:
    client_id: str
    scope: str
    user_code: str
    expires_at: float
    interval: float
    last_poll: float | None = None
    decision: str = "pending"  # "approved" or "denied"
    used: bool = False


@dataclass(frozen=True)
class _Consent:
    """An authorization request waiting on the consent page."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    challenge: str
    expires_at: float


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str
    expires_at: float
    used: bool = False
    family: _Family | None = None


@dataclass
class _Access:
    family: _Family
    scope: str
    expires_at: float


@dataclass
class _Refresh:
    family: _Family
    expires_at: float | None
    rotated: bool = False


def _put(table: dict[str, T], key: str, value: T) -> None:
    while len(table) >= MAX_ENTRIES:
        del table[next(iter(table))]
    table[key] = value


class UserAuth:
    """The authorization server's state and endpoints (thread-safe: one lock)."""

    grant_types = GRANT_TYPES

    def __init__(
        self, *, clock: Clock, token_ttl: Callable[[], float], issuer: Callable[[], str]
    ) -> None:
        self.clock = clock
        self._token_ttl = token_ttl
        self._issuer = issuer  # the sandbox's root URL, known once its port is
        self.client_id = f"sandbox-login-{secrets.token_hex(6)}"
        self.client_secret = secrets.token_urlsafe(32)
        self.secret_required = False
        self.device_interval = 5.0
        self.device_code_ttl = 900.0
        self.code_ttl = 600.0
        self.refresh_token_ttl: float | None = None
        self.rotate_refresh_tokens = True
        self._slow_downs = 0
        self._lock = threading.Lock()
        self._devices: dict[str, _Device] = {}
        self._user_codes: dict[str, str] = {}  # user code -> device code
        self._consents: dict[str, _Consent] = {}
        self._forms: dict[str, float] = {}  # verification page form token -> expiry
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}

    # --- acting as the user, and knobs ------------------------------------------------

    def slow_down_next(self, n: int) -> None:
        """Answer the next ``n`` device-code polls with ``slow_down``."""
        with self._lock:
            self._slow_downs += n

    def decide(self, user_code: str, approve: bool) -> _Device:
        """Approve or deny the pending device sign-in with this user code."""
        code = normalize_user_code(user_code)
        with self._lock:
            device = self._devices.get(self._user_codes.get(code, ""))
            if device is None:
                raise LookupError(f"No device sign-in has the code {user_code!r}: check it.")
            if self.clock() >= device.expires_at:
                raise LookupError(
                    f"The code {user_code!r} has expired: start the sign-in again for a new one."
                )
            if device.decision != "pending":
                raise LookupError(f"The code {user_code!r} was already {device.decision}.")
            device.decision = "approved" if approve else "denied"
            return device

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

    def revoke_all(self) -> None:
        """Revoke every user access and refresh token."""
        with self._lock:
            for family in {id(e.family): e.family for e in self._access.values()}.values():
                family.revoked = True
            for family in {id(e.family): e.family for e in self._refresh.values()}.values():
                family.revoked = True
            self._access.clear()
            self._refresh.clear()

    def is_valid(self, token: str) -> bool:
        """Whether ``token`` is a live user access token."""
        return self._live_access(token) is not None

    # --- routing ------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """Answer a sign-in page, endpoint or ``/user`` request; ``None`` if not one of them."""
        path, method, root_url = request.path, request.method, self._issuer()
        if path == DEVICE_AUTHORIZATION_PATH:
            return self._device_authorization(request, root_url)
        if path == VERIFICATION_PATH:
            if method == "POST":
                return self._verify(request)
            return self._verification_page(user_code=request.query.get("user_code", ""))
        if path == AUTHORIZE_PATH:
            if method == "POST":
                return self._consent_decision(request)
            consent = self._check_authorization(request.query)
            if isinstance(consent, Reply):
                return consent
            return self._consent_page(consent)
        if path == METADATA_PATH:
            return json_reply(200, self.metadata(root_url))
        if path == USER_API_PATH or path.startswith(USER_API_PATH + "/"):
            return self._user_api(request)
        return None

    def metadata(self, root_url: str) -> dict[str, object]:
        """Authorization server metadata (RFC 8414)."""
        return {
            "issuer": root_url,
            "authorization_endpoint": root_url + AUTHORIZE_PATH,
            "token_endpoint": root_url + "/oauth/token",
            "device_authorization_endpoint": root_url + DEVICE_AUTHORIZATION_PATH,
            "grant_types_supported": sorted(GRANT_TYPES | {"client_credentials"}),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": sorted(SCOPES),
            "token_endpoint_auth_methods_supported": [
                "none",
                "client_secret_basic",
                "client_secret_post",
            ],
            "authorization_response_iss_parameter_supported": True,
        }

    # --- clients and scopes -------------------------------------------------------

    def _client(self, form: dict[str, str], basic: tuple[str, str] | None) -> str:
        """Authenticate the client of a token or device request; return its id."""
        client_id, secret = basic if basic else (form.get("client_id"), form.get("client_secret"))
        if not client_id:
            raise OAuthError(401, "invalid_client", "Send client_id (this is a public client).")
        if not same_secret(client_id, self.client_id):
            raise OAuthError(
                401,
                "invalid_client",
                "Unknown client_id: use the sandbox's login_client_id.",
                basic=basic is not None,
            )
        if secret is None and self.secret_required:
            raise OAuthError(401, "invalid_client", "This client must send its client_secret.")
        if secret is not None and not same_secret(secret, self.client_secret):
            raise OAuthError(
                401, "invalid_client", "Client authentication failed.", basic=basic is not None
            )
        return client_id

    @staticmethod
    def _scope(requested: str | None) -> str:
        if requested is None or not requested.strip():
            return DEFAULT_SCOPE
        words = requested.split()
        unknown = [w for w in words if w not in SCOPES]
        if unknown or requested != " ".join(words):
            shown = ", ".join(repr(w) for w in unknown) or repr(requested)
            raise OAuthError(
                400,
                "invalid_scope",
                f"Unknown or malformed scope {shown}; this server knows: {', '.join(SCOPES)}.",
            )
        return " ".join(dict.fromkeys(words))

    # --- device authorization (RFC 8628) --------------------------------------------

    def _device_authorization(self, request: Request, root_url: str) -> Reply:
        if request.method != "POST":
            return _method_not_allowed(DEVICE_AUTHORIZATION_PATH)
        try:
            form = parse_form(request)
            client_id = self._client(form, _basic(request))
            scope = self._scope(form.get("scope"))
        except OAuthError as error:
            return error.reply()
        device_code = secrets.token_urlsafe(32)
        with self._lock:
            user_code = _new_user_code()
            while normalize_user_code(user_code) in self._user_codes:
                user_code = _new_user_code()
            ttl, interval = self.device_code_ttl, self.device_interval
            device = _Device(client_id, scope, user_code, self.clock() + ttl, interval)
            _put(self._devices, device_code, device)
            self._user_codes = {c: d for c, d in self._user_codes.items() if d in self._devices}
            self._user_codes[normalize_user_code(user_code)] = device_code
        verification_uri = root_url + VERIFICATION_PATH
        body = {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?{urlencode({'user_code': user_code})}",
            "expires_in": int(ttl),
            "interval": _number(interval),
        }
        return json_reply(200, body, headers=NO_STORE)

    def _verification_page(self, *, user_code: str = "", error: str = "") -> Reply:
        token = secrets.token_urlsafe(24)
        with self._lock:
            _put(self._forms, token, self.clock() + self.device_code_ttl)
        status = 400 if error else 200
        return userpages.verification_form(
            VERIFICATION_PATH, token, user_code=user_code, error=error, status=status
        )

    def _verify(self, request: Request) -> Reply:
        """The verification form was sent: approve or deny the code it names."""
        try:
            form = parse_form(request)
        except OAuthError as error:
            return self._verification_page(error=error.description)
        user_code = form.get("user_code", "")
        with self._lock:
            expires_at = self._forms.pop(form.get("form", ""), None)
        if expires_at is None or self.clock() >= expires_at:
            return self._verification_page(
                user_code=user_code,
                error="This page has expired or was already used: check the code and try again.",
            )
        decision = form.get("decision")
        if decision not in ("approve", "deny"):
            return self._verification_page(user_code=user_code, error="Choose Approve or Deny.")
        try:
            device = self.decide(user_code, decision == "approve")
        except LookupError as error:
            return self._verification_page(user_code=user_code, error=str(error))
        return userpages.verification_done(
            device.decision == "approved", CLIENT_NAME, device.scope, SCOPES
        )

    def _poll(self, form: dict[str, str], client_id: str) -> Reply:
        device_code = form.get("device_code")
        if not device_code:
            raise OAuthError(400, "invalid_request", "Missing device_code.")
        now = self.clock()
        with self._lock:
            device = self._devices.get(device_code)
            if device is None or device.client_id != client_id or device.used:
                raise OAuthError(400, "invalid_grant", "Unknown or already used device_code.")
            if now >= device.expires_at:
                raise OAuthError(
                    400, "expired_token", "The device code expired; start the sign-in again."
                )
            too_soon = device.last_poll is not None and now - device.last_poll < device.interval
            device.last_poll = now
            if self._slow_downs > 0 or too_soon:
                self._slow_downs = max(0, self._slow_downs - 1)
                device.interval += 5  # RFC 8628 §3.5: the client adds 5 s for all later polls
                raise OAuthError(
                    400,
                    "slow_down",
                    f"Polling too fast: wait at least {_number(device.interval)} s between polls.",
                )
            if device.decision == "denied":
                raise OAuthError(400, "access_denied", "The user denied the sign-in.")
            if device.decision == "pending":
                raise OAuthError(
                    400, "authorization_pending", "The user has not approved the sign-in yet."
                )
            device.used = True
            family = _Family(client_id, device.scope)
            return self._issue(family, device.scope, with_refresh=True)

    # --- authorization code (RFC 6749 §4.1, RFC 7636, RFC 8252) ---------------------

    def _check_authorization(self, query: dict[str, str]) -> _Consent | Reply:
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
        if not _CHALLENGE.fullmatch(challenge):
            return error("invalid_request", "The code_challenge is not a base64url SHA-256.")
        try:
            scope = self._scope(query.get("scope"))
        except OAuthError as bad:
            return error(bad.error, bad.description)
        return _Consent(
            client_id, redirect_uri, scope, state, challenge, self.clock() + self.code_ttl
        )

    def _consent_page(self, consent: _Consent) -> Reply:
        request_id = secrets.token_urlsafe(24)
        with self._lock:
            _put(self._consents, request_id, consent)
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

    def _decided(self, consent: _Consent, approve: bool) -> str:
        """The redirect URI with the code (or ``access_denied``), ``state`` and ``iss``."""
        if not approve:
            params = {"error": "access_denied", "error_description": "The user denied access."}
            return _with_query(consent.redirect_uri, params, consent.state, self._issuer())
        code = secrets.token_urlsafe(32)
        entry = _Code(
            consent.client_id,
            consent.redirect_uri,
            consent.scope,
            consent.challenge,
            self.clock() + self.code_ttl,
        )
        with self._lock:
            _put(self._codes, code, entry)
        return _with_query(consent.redirect_uri, {"code": code}, consent.state, self._issuer())

    def _exchange(self, form: dict[str, str], client_id: str) -> Reply:
        code, verifier = form.get("code"), form.get("code_verifier")
        if not code:
            raise OAuthError(400, "invalid_request", "Missing code.")
        if not verifier:
            raise OAuthError(400, "invalid_request", "Missing code_verifier (PKCE is required).")
        if not _VERIFIER.fullmatch(verifier):
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
            entry.family = _Family(client_id, entry.scope)
            return self._issue(entry.family, entry.scope, with_refresh=True)

    # --- refresh (RFC 6749 §6, RFC 9700 §4.14) --------------------------------------

    def _renew(self, form: dict[str, str], client_id: str) -> Reply:
        token = form.get("refresh_token")
        if not token:
            raise OAuthError(400, "invalid_request", "Missing refresh_token.")
        with self._lock:
            entry = self._refresh.get(token)
            if entry is None or entry.family.client_id != client_id or entry.family.revoked:
                raise OAuthError(
                    400, "invalid_grant", "The refresh token is not valid: sign in again."
                )
            if entry.rotated:
                self._revoke(entry.family)
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "The refresh token was already used, so this sign-in is revoked: "
                    "sign in again.",
                )
            if entry.expires_at is not None and self.clock() >= entry.expires_at:
                raise OAuthError(400, "invalid_grant", "The refresh token expired: sign in again.")
            granted = entry.family.scope.split()
            scope = entry.family.scope
            if "scope" in form:
                scope = self._scope(form["scope"])
                if not set(scope.split()) <= set(granted):
                    raise OAuthError(
                        400,
                        "invalid_scope",
                        f"A refresh cannot widen the scope beyond {entry.family.scope!r}.",
                    )
            if self.rotate_refresh_tokens:
                entry.rotated = True
            return self._issue(entry.family, scope, with_refresh=self.rotate_refresh_tokens)

    # --- tokens -------------------------------------------------------------------

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> Reply:
        """Answer a token request for one of :data:`GRANT_TYPES`."""
        client_id = self._client(form, basic)
        grant_type = form["grant_type"]
        if grant_type == DEVICE_GRANT:
            return self._poll(form, client_id)
        if grant_type == "authorization_code":
            return self._exchange(form, client_id)
        return self._renew(form, client_id)

    def _issue(self, family: _Family, scope: str, *, with_refresh: bool) -> Reply:
        """Issue an access token (and a refresh token) in ``family``; the lock is held."""
        now, ttl = self.clock(), self._token_ttl()
        access = secrets.token_urlsafe(32)
        _put(self._access, access, _Access(family, scope, now + ttl))
        family.access.add(access)
        body: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(ttl),
            "scope": scope,
        }
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            life = self.refresh_token_ttl
            _put(self._refresh, refresh, _Refresh(family, None if life is None else now + life))
            family.refresh.add(refresh)
            body["refresh_token"] = refresh
        return json_reply(200, body, headers=NO_STORE)

    def _revoke(self, family: _Family) -> None:
        """Revoke a family's tokens; the lock is held."""
        family.revoked = True
        for token in family.access:
            self._access.pop(token, None)
        for token in family.refresh:
            self._refresh.pop(token, None)

    def _live_access(self, token: str) -> _Access | None:
        with self._lock:
            entry = self._access.get(token)
        if entry is None or entry.family.revoked or self.clock() >= entry.expires_at:
            return None
        return entry

    # --- the protected resource (RFC 6750) ---------------------------------------

    def _user_api(self, request: Request) -> Reply:
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _challenge(401, "Sign in to read /user: send an Authorization: Bearer token.")
        entry = self._live_access(token.strip())
        if entry is None:
            return _challenge(
                401,
                "The access token is expired, revoked or unknown.",
                error="invalid_token",
            )
        needed = {"/user/me": "profile", "/user/ratings": "ratings"}.get(request.path)
        if request.method != "GET" or needed is None:
            return json_reply(404, {"error": "not_found", "message": "Try /user/me."})
        if needed not in entry.scope.split():
            return _challenge(
                403,
                f"This needs the scope {needed!r}; sign in again asking for it.",
                error="insufficient_scope",
                scope=needed,
            )
        if needed == "profile":
            return json_reply(
                200,
                {"id": 1, "username": "sandbox-user", "name": "Sandbox User", "scope": entry.scope},
            )
        movies = sorted(catalogue.movies_by_id().values(), key=lambda m: m["id"])[:5]
        ratings = [
            {"id": m["id"], "title": m["title"], "rating": 6.0 + i} for i, m in enumerate(movies)
        ]
        return json_reply(200, {"page": 1, "results": ratings, "total_results": len(ratings)})


def _challenge(
    status: int, message: str, *, error: str | None = None, scope: str | None = None
) -> Reply:
    """An RFC 6750 §3 answer: a ``WWW-Authenticate: Bearer`` challenge and a JSON body."""
    params = [f'realm="{REALM}"']
    if error is not None:
        params += [f'error="{error}"', f'error_description="{message}"']
    if scope is not None:
        params.append(f'scope="{scope}"')
    body: dict[str, str] = {"message": message}
    if error is not None:
        body["error"] = error
    return json_reply(status, body, headers=(("WWW-Authenticate", "Bearer " + ", ".join(params)),))


def _method_not_allowed(path: str) -> Reply:
    body = {"error": "invalid_request", "error_description": f"Use POST for {path}."}
    return json_reply(405, body, headers=(*NO_STORE, ("Allow", "POST")))


def _basic(request: Request) -> tuple[str, str] | None:
    return basic_credentials(request.headers.get("authorization", ""))


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
