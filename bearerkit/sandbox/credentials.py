"""Credentials the sandbox hands out: its read-access token, OAuth client and issued tokens.

Nothing here is ever written to a log or a repr; the sandbox's request log keeps
only whether a request carried an ``Authorization`` header.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time

from bearerkit.errors import TokenError

# Issued OAuth tokens kept at most; the oldest go first (a notebook left running
# with a 1-second TTL must not grow without bound).
MAX_ISSUED_TOKENS = 10_000


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def read_access_token() -> str:
    """Generate a token shaped like TMDB's API Read Access Token (an HS256 JWT).

    >>> read_access_token().startswith("eyJ")
    True
    """
    header = {"alg": "HS256"}
    payload = {
        "aud": secrets.token_hex(16),
        "nbf": int(time.time()),
        "sub": secrets.token_hex(12),
        "scopes": ["api_read"],
        "version": 1,
    }
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )
    signature = hmac.new(secrets.token_bytes(32), signing_input.encode(), "sha256").digest()
    return f"{signing_input}.{_b64url(signature)}"


def client_credentials() -> tuple[str, str]:
    """Generate an OAuth client id and secret for one sandbox."""
    return f"sandbox-{secrets.token_hex(6)}", secrets.token_urlsafe(32)


def check_token(token: str) -> str:
    """Validate a caller-chosen sandbox token: it must fit in an HTTP header as is."""
    if not isinstance(token, str) or not token:
        raise TokenError("The sandbox token must be a non-empty string.")
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise TokenError(
            "The sandbox token must be printable ASCII without spaces "
            "(it travels in an 'Authorization: Bearer ...' header)."
        )
    return token


def same_secret(given: str, expected: str) -> bool:
    """Compare two secrets in constant time (any characters allowed)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class IssuedTokens:
    """Thread-safe store of OAuth access tokens and their expiry times."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, ttl: float) -> str:
        """Create a token that is valid for ``ttl`` seconds (0: already expired)."""
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            while len(self._expiry) >= MAX_ISSUED_TOKENS:
                del self._expiry[next(iter(self._expiry))]
            self._expiry[token] = now + ttl
        return token

    def is_valid(self, token: str) -> bool:
        """Return True if ``token`` was issued here, is not revoked and has not expired."""
        with self._lock:
            expiry = self._expiry.get(token)
        return expiry is not None and time.monotonic() < expiry

    def revoke_all(self) -> None:
        """Invalidate every issued token."""
        with self._lock:
            self._expiry.clear()
