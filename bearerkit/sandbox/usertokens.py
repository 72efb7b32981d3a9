"""What the sandbox's sign-in server issues, and to whom: clients, scopes, token families.

The base of :class:`~bearerkit.sandbox.userauth.UserAuth`: the one client and its
authentication, the scopes, and the tokens issued to a signed-in user, kept in
families (every access and refresh token descended from one sign-in), so that a
replayed refresh token or a reused authorization code revokes them together
(RFC 9700 §4.14.2, RFC 6749 §4.1.2). The refresh grant (RFC 6749 §6) lives here too.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bearerkit.sandbox.credentials import same_secret
from bearerkit.sandbox.messages import Reply, json_reply
from bearerkit.sandbox.oauth import NO_STORE, OAuthError

CLIENT_NAME = "bearerkit sandbox notebook"
# What each scope lets the client do, in the words the pages show.
SCOPES = {"profile": "read your sandbox profile", "ratings": "read your movie ratings"}
DEFAULT_SCOPE = "profile"
# Entries of each kind kept at most; the oldest go first (a notebook left running
# must not grow without bound).
MAX_ENTRIES = 10_000

Clock = Callable[[], float]
T = TypeVar("T")


def put(table: dict[str, T], key: str, value: T) -> None:
    while len(table) >= MAX_ENTRIES:
        del table[next(iter(table))]
    table[key] = value


def parse_scope(requested: str | None) -> str:
    """The scope asked for, checked: known words, single spaces (default: ``profile``)."""
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


@dataclass
class Family:
    """One sign-in: every access and refresh token descended from one grant."""

    client_id: str
    scope: str
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    revoked: bool = False


@dataclass
class Access:
    """An issued access token: its family, scope and expiry (sandbox clock)."""

    family: Family
    scope: str
    expires_at: float


@dataclass
class Refresh:
    """An issued refresh token; ``rotated`` once it was used (it may not be used again)."""

    family: Family
    expires_at: float | None
    rotated: bool = False


class TokenIssuer:
    """The client, its knobs and the issued tokens (thread-safe: one lock for all state)."""

    def __init__(
        self, *, clock: Clock, token_ttl: Callable[[], float], issuer: Callable[[], str], **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self._token_ttl = token_ttl
        self._issuer = issuer  # the sandbox's root URL, known once its port is
        self.client_id = f"sandbox-login-{secrets.token_hex(6)}"
        self.client_secret = secrets.token_urlsafe(32)
        self.secret_required = False
        self.refresh_token_ttl: float | None = None
        self.rotate_refresh_tokens = True
        self._lock = threading.Lock()
        self._access: dict[str, Access] = {}
        self._refresh: dict[str, Refresh] = {}

    def revoke_all(self) -> None:
        """Revoke every user access and refresh token."""
        with self._lock:
            for table in (self._access, self._refresh):
                for entry in table.values():
                    entry.family.revoked = True
            self._access.clear()
            self._refresh.clear()

    def is_valid(self, token: str) -> bool:
        """Whether ``token`` is a live user access token."""
        return self._live_access(token) is not None

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

    def _renew(self, form: dict[str, str], client_id: str) -> Reply:
        """The refresh grant (RFC 6749 §6): rotate, never widen the scope, catch replays."""
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
                scope = parse_scope(form["scope"])
                if not set(scope.split()) <= set(granted):
                    raise OAuthError(
                        400,
                        "invalid_scope",
                        f"A refresh cannot widen the scope beyond {entry.family.scope!r}.",
                    )
            if self.rotate_refresh_tokens:
                entry.rotated = True
            return self._issue(entry.family, scope, with_refresh=self.rotate_refresh_tokens)

    def _issue(self, family: Family, scope: str, *, with_refresh: bool) -> Reply:
        """Issue an access token (and a refresh token) in ``family``; the lock is held."""
        now, ttl = self.clock(), self._token_ttl()
        access = secrets.token_urlsafe(32)
        put(self._access, access, Access(family, scope, now + ttl))
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
            put(self._refresh, refresh, Refresh(family, None if life is None else now + life))
            family.refresh.add(refresh)
            body["refresh_token"] = refresh
        return json_reply(200, body, headers=NO_STORE)

    def _revoke(self, family: Family) -> None:
        """Revoke a family's tokens; the lock is held."""
        family.revoked = True
        for token in family.access:
            self._access.pop(token, None)
        for token in family.refresh:
            self._refresh.pop(token, None)

    def _live_access(self, token: str) -> Access | None:
        with self._lock:
            entry = self._access.get(token)
        if entry is None or entry.family.revoked or self.clock() >= entry.expires_at:
            return None
        return entry
