"""PKCE (RFC 7636): a code verifier and its S256 challenge.

The verifier is 32 random octets, base64url-encoded without padding (43
characters, RFC 7636 §4.1); the challenge is BASE64URL(SHA256(verifier))
(§4.2). The verifier is a secret until the code is exchanged, so it is handed
out as a :class:`~bearerkit.redact.Secret`.

>>> s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")  # RFC 7636 Appendix B
'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from bearerkit.redact import Secret

__all__ = ["VERIFIER_CHARS", "make_verifier", "s256_challenge"]

# RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
VERIFIER_CHARS = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def make_verifier() -> Secret:
    """A fresh code verifier: 32 random octets, base64url (43 characters), sealed."""
    return Secret(_b64url(secrets.token_bytes(32)))


def s256_challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier`` (RFC 7636 §4.2).

    Raises:
        ValueError: ``verifier`` is not 43-128 unreserved characters.
    """
    if not VERIFIER_CHARS.fullmatch(verifier):
        raise ValueError("a PKCE code verifier is 43-128 characters of A-Z a-z 0-9 - . _ ~")
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
