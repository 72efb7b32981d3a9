"""The secret detectors behind ``python -m bearerkit scan``: text in, hits out.

Pure functions over strings: nothing here reads files or knows about notebooks
beyond their JSON values. :class:`Detector` runs every detector over a block of
text (or every string of a JSON value), keeps the surest hit where two overlap,
and drops placeholders, allow-listed values and lines with an allow marker.
See :mod:`bearerkit.scanner` for what is caught and what is not, on purpose.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALLOW_MARKERS",
    "IMAGE_MIMES",
    "PLACEHOLDER_MARKERS",
    "Detector",
    "Hit",
    "is_env_secret",
    "is_placeholder",
    "mask",
]

ALLOW_MARKERS = ("bearerkit: allow-secret", "noqa: secret")
IMAGE_MIMES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"}
)
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
)

# Each pattern starts with a literal so the regex engine can skip ahead quickly;
# what a lookbehind would check (the character before) is checked in Python.
_JWT = re.compile(r"(eyJ[A-Za-z0-9_-]{10,})\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
_BEARER = re.compile(r"(?i)bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)")
_V3_KEY = re.compile(
    r"(?i)key[\"']?[ \t]*[:=,][ \t]*(?:[rbfu]?[\"'][ \t]*)?([0-9a-f]{32})(?![0-9a-z])"
)
_V3_KEY_NAME = re.compile(r"(?i)^(?:\w*api[_-]?key|(?:tmdb[_-]?)?key)$")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_SECRET_NAME = re.compile(
    r"(?i)TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|(?:^|_)(?:PASS|AUTH|PWD)(?:_|$)"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NEWLINE = re.compile(r"\n")
_MIN_BEARER = 20
_MIN_ENV_VALUE = 8
# Priority when two detectors see the same text: the .env match is the surest.
_PRIORITY = {"env_value": 0, "jwt": 1, "tmdb_v3_key": 2, "bearer": 3}


@dataclass(frozen=True)
class Hit:
    """One detector match: its kind, the secret itself and its span in the text."""

    kind: str
    secret: str
    start: int
    end: int
    env_name: str | None = None


class Detector:
    """Runs every detector over text, applying placeholders and the allow-list.

    >>> detector = Detector({}, ())
    >>> [hit.kind for _, hit in detector.text("key = 'Bearer <your token here>'")]
    []
    """

    def __init__(self, env_secrets: dict[str, str], allow: tuple[re.Pattern[str], ...]) -> None:
        self._env_secrets = env_secrets
        self._allow = allow
        self._env_re = (
            re.compile("|".join(re.escape(v) for v in sorted(env_secrets, key=len, reverse=True)))
            if env_secrets
            else None
        )

    def text(self, text: str) -> Iterator[tuple[int, Hit]]:
        """Yield (1-based line, hit) for a block of text; an allow marker covers its own line."""
        if "\x1b" in text:
            text = _ANSI.sub("", text)  # colour codes would glue onto a token's edges
        # One pass of each regex over the whole block: far faster than line by line.
        hits = self._hits(text)
        if not hits:
            return
        line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        for hit in hits:
            index = bisect.bisect_right(line_starts, hit.start) - 1
            end = text.find("\n", hit.start)
            line = text[line_starts[index] : len(text) if end < 0 else end]
            if not any(marker in line for marker in ALLOW_MARKERS):
                yield index + 1, hit

    def tree(self, obj: Any) -> Iterator[Hit]:
        """Hits in every string of a JSON value (outputs, metadata, widget state)."""
        for key, value in _strings(obj):
            if key is not None and _V3_KEY_NAME.match(key) and _HEX32.fullmatch(value.strip()):
                secret = value.strip()
                if self._reportable(secret):
                    yield Hit("tmdb_v3_key", secret, 0, 0)
                continue
            for _, hit in self.text(value):
                yield hit

    def _hits(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        if self._env_re is not None:
            for m in self._env_re.finditer(text):
                name = self._env_secrets[m.group()]
                hits.append(Hit("env_value", m.group(), m.start(), m.end(), name))
        for m in _JWT.finditer(text):
            if (
                not _glued(text, m.start(), "-")
                and _is_jwt_header(m.group(1))
                and not _truncated(text, m.end())
            ):
                hits.append(Hit("jwt", m.group(), m.start(), m.end()))
        for m in _V3_KEY.finditer(text):
            if _is_key_name(text, m.start()):
                hits.append(Hit("tmdb_v3_key", m.group(1), m.start(1), m.end(1)))
        for m in _BEARER.finditer(text):
            if _glued(text, m.start(), ""):
                continue  # "Xbearer": part of another word
            raw = m.group(1)
            value = raw.rstrip(".")  # a sentence's full stop is not part of the token
            if "..." in raw or text[m.end(1) : m.end(1) + 1] in ("{", "$", "…"):
                continue  # "Bearer abc...", "Bearer sk_{token}": an example, not a token
            if _is_token_like(value):
                hits.append(Hit("bearer", value, m.start(1), m.start(1) + len(value)))
        chosen: list[Hit] = []
        for hit in sorted(hits, key=lambda h: (_PRIORITY[h.kind], h.start)):
            overlaps = any(hit.start < c.end and c.start < hit.end for c in chosen)
            if not overlaps and self._reportable(hit.secret):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)

    def _reportable(self, secret: str) -> bool:
        return not is_placeholder(secret) and not any(p.search(secret) for p in self._allow)


def is_env_secret(name: str, value: str) -> bool:
    """Whether a ``.env`` variable holds a secret worth looking for elsewhere.

    >>> is_env_secret("TMDB_TOKEN", "plain-words-but-secret-9"), is_env_secret("DEBUG", "1")
    (True, False)
    """
    return (
        len(value) >= _MIN_ENV_VALUE
        and _SECRET_NAME.search(name) is not None
        and not is_placeholder(value)
    )


def is_placeholder(value: str) -> bool:
    """Whether a value is an example (``YOUR_TOKEN``, ``<token>``, ``xxxxxxxx``), not a secret."""
    lowered = value.lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return True
    return len(set(lowered) - set("-_. ")) <= 1


def mask(secret: str) -> str:
    """First 4 and last 2 characters; fewer when that would give away a short value.

    >>> mask("abcdefghijklmnopqrstuvwxyz")
    'abcd…yz'
    """
    if len(secret) >= 16:
        return f"{secret[:4]}…{secret[-2:]}"
    if len(secret) >= _MIN_ENV_VALUE:
        return f"{secret[:2]}…"
    return "…"


def _strings(obj: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    """Yield (nearest dict key, text) for every string in a JSON value, skipping images."""
    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in IMAGE_MIMES:
                yield from _strings(v, str(k))
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            # nbformat stores multi-line text as a list of lines; tracebacks as a list
            # of frames without newlines, which must not run together.
            yield key, "".join(x if x.endswith("\n") else x + "\n" for x in obj)
        else:
            for item in obj:
                yield from _strings(item, key)


def _is_jwt_header(segment: str) -> bool:
    """Whether a base64url segment decodes to a JSON header with "alg" or "typ"."""
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


def _glued(text: str, start: int, extra: str) -> bool:
    """Whether the match at ``start`` continues a word (letters, digits, _ or ``extra``)."""
    if start == 0:
        return False
    before = text[start - 1]
    return before.isalnum() or before == "_" or before in extra


def _is_key_name(text: str, start: int) -> bool:
    """Whether the "key" at ``start`` ends a key-like name: api_key, apikey, tmdb_key, key."""
    before = text[max(0, start - 5) : start].lower()
    if before.endswith(("api", "api_", "api-")):
        return True
    for prefix in ("tmdb_", "tmdb-", "tmdb", ""):
        if before.endswith(prefix) and not _glued(text, start - len(prefix), "-"):
            return True
    return False


def _truncated(text: str, end: int) -> bool:
    """Whether a match is cut short with an ellipsis, as in documentation examples."""
    return text.startswith(("...", "…"), end)


def _is_token_like(value: str) -> bool:
    """Whether a Bearer value looks random rather than like a word or a variable name."""
    if len(value) < _MIN_BEARER:
        return False
    # "authorization_header_value", "TMDB_READ_ACCESS_TOKEN": names, not tokens.
    wordy = not any(c.isdigit() for c in value) and (value.islower() or value.isupper())
    return not wordy
