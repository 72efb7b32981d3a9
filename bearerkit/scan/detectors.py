"""The secret detectors: text in, hits out.

Pure functions over strings: nothing here reads files. :class:`Detector` runs
every detector over a block of text (or every string of a JSON value), keeps the
surest hit where two overlap, and drops placeholders, allow-listed values and lines
with an allow marker. The token shapes themselves live in :mod:`bearerkit.shapes`;
see :mod:`bearerkit.scan` for what is caught and what is not, on purpose.

Every pattern starts with a literal (a JWT only where a run of token characters
starts) and repeats one character class at a time, so a scan takes time linear in
the text: a run of ``eyJ`` cannot make it backtrack quadratically.
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
from urllib.parse import parse_qsl, urlsplit

from bearerkit.redact import form_pattern, is_secret_param, secret_forms
from bearerkit.shapes import JWT_IN_TEXT, PROVIDER_TOKENS, V3_KEY, is_placeholder

__all__ = ["ALLOW_MARKERS", "IMAGE_MIMES", "Detector", "Hit", "is_env_secret", "mask"]

ALLOW_MARKERS = ("bearerkit: allow-secret", "noqa: secret")
IMAGE_MIMES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"}
)

_BEARER = re.compile(r"(?i)bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)")
# A TMDB v3 key needs a key-like name in front: api_key, apikey, TMDB_API_KEY, tmdb_key,
# v3_key, "api-key": ... A bare ``key`` is not enough: md5 sums sit under that name.
_KEY_NAME = r"(?:api|tmdb|v3)[_-]?key"
_V3_KEY_IN_TEXT = re.compile(
    rf"(?i){_KEY_NAME}[\"']?[ \t]*[:=,][ \t]*(?:[rbfu]?[\"'][ \t]*)?({V3_KEY.pattern})(?![0-9a-z])"
)
_V3_KEY_NAME = re.compile(rf"(?i){_KEY_NAME}$")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Escape sequences as JSON, YAML and Python write them: "\nghp_..." must not glue the
# "n" onto the token's start. Blanked out with as many spaces, so offsets stay put.
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[nrtbf])")
_NEWLINE = re.compile(r"\n")
_MIN_BEARER = 20
# A sign-in token store file (bearerkit.oauth.store.MARKER is its first key), copied
# somewhere it should not be: its tokens are opaque, so the marker says what they are.
_LOGIN_STORE_MARKER = '"bearerkit_login"'
_LOGIN_STORE_TOKEN = re.compile(r'"(?:access_token|refresh_token)":[ \t]*"([^"\\]{8,})"')
_MIN_ENV_VALUE = 8

# Words that make a .env name secret-looking, matched against whole parts of the name
# (split at _, -, . and camelCase), so TOKENIZER_NAME and MONKEY_COUNT are not secrets.
_SECRET_WORDS = frozenset(
    {
        "token",
        "tokens",
        "secret",
        "secrets",
        "key",
        "keys",
        "apikey",
        "password",
        "passwd",
        "passphrase",
        "pass",
        "pwd",
        "credential",
        "credentials",
        "creds",
        "auth",
        "pat",
    }
)
# ...and glued endings (APITOKEN, CLIENTSECRET); not "key", or MONKEY would be one.
_SECRET_ENDINGS = ("token", "secret", "password", "apikey")
_NAME_PART = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
_NUMBER = re.compile(r"[+-]?[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# An ordinary word or name in one case (bert-base-uncased, CLIENT_CREDENTIALS): no digits.
_WORDS = re.compile(r"[a-z]+(?:[-_. ][a-z]+)*|[A-Z]+(?:[-_. ][A-Z]+)*")
_MAX_WORDS = 32
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")

# Provider shapes whose body may be a hyphenated slug ("sk-" + 20 word characters):
# their random part must mix upper case, lower case and digits to count.
_SLUG_LIKE = frozenset({"openai", "anthropic"})
# A shape so exact that nothing else matches it; AWS key ids may lack digits.
_FIXED = frozenset({"aws"})

# Priority when two detectors see the same text: the .env match is the surest,
# a provider's own prefix beats the generic shapes.
_PRIORITY = {"env_value": 0, "jwt": 1, "provider": 2, "tmdb_v3_key": 3, "bearer": 4}


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
        self._allow = allow
        # Each value in every form it takes in a file: raw, percent-encoded (a cassette's
        # URI), JSON-escaped, base64 (bearerkit.redact.secret_forms).
        self._env_secrets: dict[str, str] = {}
        for value, name in env_secrets.items():
            for form in (value, *secret_forms(value)):
                self._env_secrets.setdefault(form, name)
        self._env_re = (
            re.compile(
                "|".join(form_pattern(v) for v in sorted(self._env_secrets, key=len, reverse=True))
            )
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
        allowed: dict[int, bool] = {}  # per line, so many hits on one long line cost once
        for hit in hits:
            index = bisect.bisect_right(line_starts, hit.start) - 1
            if index not in allowed:
                end = text.find("\n", hit.start)
                line = text[line_starts[index] : len(text) if end < 0 else end]
                allowed[index] = any(marker in line for marker in ALLOW_MARKERS)
            if not allowed[index]:
                yield index + 1, hit

    def tree(self, obj: Any) -> Iterator[Hit]:
        """Hits in every string of a JSON value (outputs, metadata, widget state, cassettes)."""
        for key, value in _strings(obj):
            if key is not None and _V3_KEY_NAME.search(key) and V3_KEY.fullmatch(value.strip()):
                secret = value.strip()
                if self._reportable(secret):
                    yield Hit("tmdb_v3_key", secret, 0, 0)
                continue
            for _, hit in self.text(value):
                yield hit

    def _hits(self, text: str) -> list[Hit]:
        plain = _ESCAPE.sub(lambda m: " " * len(m.group()), text) if "\\" in text else text
        hits = [*self._env_hits(text), *_shape_hits(plain), *_bearer_hits(plain)]
        if _LOGIN_STORE_MARKER in text:
            hits += [
                Hit("bearerkit_login", m.group(1), m.start(1), m.end(1))
                for m in _LOGIN_STORE_TOKEN.finditer(text)
            ]
        # Surest first; a hit overlapping one already chosen is dropped. The chosen spans
        # do not overlap, so a sorted list and its two neighbours answer in log time.
        starts: list[int] = []
        ends: list[int] = []
        chosen: list[Hit] = []
        for hit in sorted(hits, key=lambda h: (_PRIORITY.get(h.kind, 2), h.start)):
            i = bisect.bisect_left(starts, hit.start)
            if (i > 0 and ends[i - 1] > hit.start) or (i < len(starts) and starts[i] < hit.end):
                continue
            if self._reportable(hit.secret):
                starts.insert(i, hit.start)
                ends.insert(i, hit.end)
                chosen.insert(i, hit)
        return chosen

    def _env_hits(self, text: str) -> Iterator[Hit]:
        if self._env_re is None:
            return
        for m in self._env_re.finditer(text):
            found = m.group()
            name = self._env_secrets.get(found) or self._env_secrets.get(_upper_escapes(found))
            if name is None:
                continue
            yield Hit("env_value", m.group(), m.start(), m.end(), name)

    def _reportable(self, secret: str) -> bool:
        return (
            not is_placeholder(secret)
            and len(set(secret.lower()) - set("-_. ")) > 1  # "xxxx", "0000": filler
            and not any(p.search(secret) for p in self._allow)
        )


def _upper_escapes(text: str) -> str:
    return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group().upper(), text)


def _shape_hits(text: str) -> Iterator[Hit]:
    """JWTs, provider tokens and TMDB v3 keys: the shapes that need no .env."""
    for m in JWT_IN_TEXT.finditer(text):
        if _is_jwt_header(m.group().split(".", 1)[0]) and not _truncated(text, m.end()):
            yield Hit("jwt", m.group(), m.start(), m.end())
    for provider, pattern in PROVIDER_TOKENS:
        for m in pattern.finditer(text):
            if _random_enough(provider, m.group()):
                yield Hit(provider, m.group(), m.start(), m.end())
    for m in _V3_KEY_IN_TEXT.finditer(text):
        yield Hit("tmdb_v3_key", m.group(1), m.start(1), m.end(1))


def _bearer_hits(text: str) -> Iterator[Hit]:
    for m in _BEARER.finditer(text):
        if _glued(text, m.start()):
            continue  # "Xbearer": part of another word
        raw = m.group(1)
        value = raw.rstrip(".")  # a sentence's full stop is not part of the token
        if "..." in raw or text[m.end(1) : m.end(1) + 1] in ("{", "$", "…"):
            continue  # "Bearer abc...", "Bearer sk_{token}": an example, not a token
        if len(value) >= _MIN_BEARER and not _wordy(value):
            yield Hit("bearer", value, m.start(1), m.start(1) + len(value))


def is_env_secret(name: str, value: str) -> bool:
    """Whether a ``.env`` variable holds a secret worth looking for elsewhere.

    The name must have a secret word as one of its parts (``TMDB_TOKEN``,
    ``OAUTH_CLIENT_SECRET``, ``apiKey``); the value must not be a placeholder, a URL
    without credentials, a number or an ordinary word.

    >>> is_env_secret("TMDB_TOKEN", "plain-words-but-secret-9"), is_env_secret("DEBUG", "1")
    (True, False)
    >>> is_env_secret("OAUTH_TOKEN_URL", "https://auth.example.com/oauth/token")
    False
    >>> is_env_secret("TOKENIZER_NAME", "bert-base-uncased-v2")
    False
    """
    return (
        len(value) >= _MIN_ENV_VALUE
        and _secret_name(name)
        and not is_placeholder(value)
        and not _ordinary_value(value)
    )


def _secret_name(name: str) -> bool:
    parts = [p.lower() for p in _NAME_PART.findall(name)]
    return any(p in _SECRET_WORDS or p.endswith(_SECRET_ENDINGS) for p in parts)


def _ordinary_value(value: str) -> bool:
    """A URL without credentials, a number or a short one-case word: not a secret."""
    if _NUMBER.fullmatch(value):
        return True
    if len(value) <= _MAX_WORDS and _WORDS.fullmatch(value):
        return True
    if _URL.match(value):
        try:
            parts = urlsplit(value)
            query = parse_qsl(parts.query, keep_blank_values=True)
            has_password = parts.password is not None
        except ValueError:
            return False  # unparsable: better reported than missed
        return not has_password and not any(is_secret_param(k) for k, _ in query)
    return False


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
    """Yield (nearest dict key, text) for every string in a JSON value, skipping images.

    A list of strings is joined as Jupyter joins it to display it: nbformat's
    multi-line fields (``source``, a stream's ``text``, a mime bundle's values) with
    nothing between items, so a token split across items is seen whole; a
    ``traceback`` (frames without newlines) and any other list with newlines, so
    separate items never run together into a false match.
    """
    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in IMAGE_MIMES:
                yield from _strings(v, str(k))
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            multiline = key is not None and (key in ("source", "text") or "/" in key)
            yield key, ("" if multiline else "\n").join(obj)
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


def _glued(text: str, start: int) -> bool:
    """Whether the match at ``start`` continues a word (letters, digits or _)."""
    if start == 0:
        return False
    before = text[start - 1]
    return before.isalnum() or before == "_"


def _truncated(text: str, end: int) -> bool:
    """Whether a match is cut short with an ellipsis, as in documentation examples."""
    return text.startswith(("...", "…"), end)


def _wordy(value: str) -> bool:
    """Whether a value reads like a name (one case, no digits) rather than random."""
    # "authorization_header_value", "TMDB_READ_ACCESS_TOKEN": names, not tokens.
    return not any(c.isdigit() for c in value) and (value.islower() or value.isupper())


def _random_enough(provider: str, value: str) -> bool:
    """Whether a provider-shaped match looks generated rather than like a slug or a name."""
    if provider in _FIXED:
        return True
    if provider in _SLUG_LIKE:
        body = value.split("-", 1)[-1]
        return (
            any(c.isdigit() for c in body)
            and any(c.islower() for c in body)
            and any(c.isupper() for c in body)
        )
    return not _wordy(value.rsplit("_", 1)[-1])
