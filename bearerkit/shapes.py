"""What tokens look like: placeholders, TMDB's two credential shapes, other APIs' prefixes.

One place for this knowledge: :mod:`bearerkit.token` uses it to tell a user what
they pasted, the scanner (:mod:`bearerkit.scan`) to find secrets in files.

>>> is_placeholder("paste-your-tmdb-read-access-token-here")
True
>>> placeholder_reason("x" * 40)
"is only the letter 'x' repeated, the way examples stand in for a token"
>>> bool(V3_KEY.fullmatch("0123456789abcdef0123456789abcdef"))
True
"""

from __future__ import annotations

import re

__all__ = [
    "JWT",
    "JWT_IN_TEXT",
    "PLACEHOLDER",
    "PLACEHOLDER_MARKERS",
    "PROVIDER_TOKENS",
    "V3_KEY",
    "is_placeholder",
    "placeholder_reason",
]

# The value .env.example ships with; a user who copied the file but did not paste
# their token gets told so instead of a puzzling 401.
PLACEHOLDER = "paste-your-tmdb-read-access-token-here"

# Substrings that mark a value as an example, not a secret (case-insensitive); the
# reasons below say, for each, why (a user must learn the real cause, not a guess).
PLACEHOLDER_MARKERS = (
    "your_",
    "your-",
    "<",
    ">",
    "{",
    "}",
    "$",
    "...",
    "…",
    "placeholder",
    "changeme",
    "change-me",
    "paste-your",
    "paste_your",
    "xxxxxxxx",
)

# A whole value that is a JWT (TMDB's API Read Access Token, most OAuth access tokens).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# A JWT inside longer text: long enough parts that prose and examples do not match.
# The lookbehind lets a match start only where a run of token characters starts: without
# it every "eyJ" inside a long run is a new start that rescans the run (80 KB of "eyJ"
# took seconds); with it each character is looked at a bounded number of times.
JWT_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,4096}\.[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,4096}"
)
# TMDB's v3 API key: 32 hexadecimal characters.
V3_KEY = re.compile(r"[0-9a-fA-F]{32}")

# Token shapes of the bearer APIs people adapt bearerkit to: (provider, pattern).
# Each starts with a literal prefix, so the regex engine skips ahead quickly.
PROVIDER_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("github", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b")),
    ("github", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{82}\b")),
    ("huggingface", re.compile(r"\bhf_[A-Za-z]{34}\b")),
    ("anthropic", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("openai", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
    ("slack", re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}")),
    ("stripe", re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}")),
    ("aws", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("google", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("notion", re.compile(r"\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,})\b")),
)


_MARKER_REASONS = {
    "your_": "contains 'your_', as example names like YOUR_TOKEN do",
    "your-": "contains 'your-', as example names like your-token do",
    "<": "contains '<' or '>', as template examples like <token> do",
    ">": "contains '<' or '>', as template examples like <token> do",
    "{": "contains '{' or '}', as template examples like {token} do",
    "}": "contains '{' or '}', as template examples like {token} do",
    "$": "contains '$', as a variable that was never filled in ($TOKEN) does",
    "...": "contains '...', as a shortened token in an example does",
    "…": "contains '…', as a shortened token in an example does",
    "xxxxxxxx": "contains a run of x's (xxxxxxxx), the way examples hide a token",
}


def placeholder_reason(value: str) -> str | None:
    """Why ``value`` is an example rather than a token, as a predicate; ``None`` if it is not one.

    The phrase names only the marker found, never the rest of the value, so it is safe
    in a message: ``f"{source} {reason}. Replace it with your token."``.

    >>> placeholder_reason("paste-your-tmdb-read-access-token-here")
    'is still the placeholder from .env.example'
    >>> placeholder_reason("<token>")
    "contains '<' or '>', as template examples like <token> do"
    >>> placeholder_reason("eyJhbGciOi.eyJzdWIiOi.c2ln") is None
    True
    """
    lowered = value.lower()
    if lowered == PLACEHOLDER:
        return "is still the placeholder from .env.example"
    if len(lowered) >= len("xxxxxxxx") and set(lowered) == {"x"}:
        return "is only the letter 'x' repeated, the way examples stand in for a token"
    for marker in PLACEHOLDER_MARKERS:
        if marker in lowered:
            return _MARKER_REASONS.get(
                marker, f"contains '{marker}', a word examples use in place of a token"
            )
    return None


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is an example value (``.env.example``'s, ``<token>``, ``your_key``...)."""
    return placeholder_reason(value) is not None
