"""Where the bearer token comes from: the environment or a ``.env`` file.

The file is parsed with python-dotenv's ``dotenv_values`` on every call (edit
``.env``, re-run the cell, and it takes effect) and ``os.environ`` is never
written to. The token is wrapped in :class:`Token`, which is not a ``str`` so it
cannot be printed, logged or concatenated into a URL by accident.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values

from .errors import TokenError

__all__ = ["Token", "clean_value", "env_value", "find_env_file", "load_token"]

# The value .env.example ships with; a user who copied the file but did not paste
# their token gets told so instead of a puzzling 401.
PLACEHOLDER = "paste-your-tmdb-read-access-token-here"
_PLACEHOLDER_HINTS = ("paste-your", "your_token", "your-token", "changeme", "<", "...")

_V3_KEY = re.compile(r"[0-9a-f]{32}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

TokenKind = Literal["jwt", "v3_key", "opaque"]


class Token:
    """A bearer token that keeps its value out of reprs, logs and tracebacks.

    Args:
        value: the secret itself.
        source: where it came from, for messages ("TMDB_TOKEN in /repo/.env").

    >>> t = Token("eyJhbGciOiJub25lIn0.e30.c2ln-abcd", source="example")
    >>> t
    Token('…abcd', source='example')
    >>> t.kind
    'jwt'
    """

    __slots__ = ("_value", "source")

    def __init__(self, value: str, *, source: str = "argument") -> None:
        if not isinstance(value, str):
            raise TypeError(f"Token value must be a str, not {type(value).__name__}")
        self._value = value
        self.source = source

    @property
    def value(self) -> str:
        """The secret. Use it only to build an ``Authorization`` header."""
        return self._value

    @property
    def kind(self) -> TokenKind:
        """``"jwt"`` (TMDB's API Read Access Token), ``"v3_key"`` (32 hex) or ``"opaque"``."""
        if _V3_KEY.fullmatch(self._value.lower()):
            return "v3_key"
        if _JWT.fullmatch(self._value):
            return "jwt"
        return "opaque"

    @property
    def hint(self) -> str | None:
        """Advice for a 401 that follows from the token's shape, or ``None``."""
        if self.kind == "v3_key":
            return (
                "This looks like a v3 API key (32 hex characters); TMDB's bearer auth needs "
                "the API Read Access Token (a long string starting with 'eyJ') from "
                "https://www.themoviedb.org/settings/api"
            )
        return None

    def __repr__(self) -> str:
        return f"Token('…{self._value[-4:]}', source={self.source!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the secret to disk (a cache, a checkpoint): refuse.
        raise TypeError("Token objects cannot be pickled; store the token in .env instead")


def find_env_file(start: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the nearest ``.env`` at ``start`` (default: the cwd) or above it, or ``None``."""
    here = Path(start).resolve() if start is not None else Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def env_value(name: str, *, env_file: str | os.PathLike[str] | None = None) -> str | None:
    """Return ``name`` from the process environment, else from ``.env``; ``None`` if absent.

    Never raises for a missing file: use it for optional settings such as ``TMDB_BASE_URL``.
    """
    if os.environ.get(name):
        return os.environ[name]
    path = Path(env_file) if env_file is not None else find_env_file()
    if path is None or not path.is_file():
        return None
    return dotenv_values(path).get(name) or None


def load_token(
    name: str = "TMDB_TOKEN", *, env_file: str | os.PathLike[str] | None = None
) -> Token:
    """Load a bearer token from the environment or the nearest ``.env`` file.

    A variable set in the process environment wins; otherwise ``env_file`` is read,
    or the nearest ``.env`` found by walking up from the current directory (so a
    notebook in ``notebooks/`` finds the repository's ``.env``).

    Args:
        name: the variable to read.
        env_file: a specific ``.env`` file to read instead of searching.

    Returns:
        A :class:`Token`; surrounding quotes and whitespace are stripped, and a
        leading ``Bearer `` is stripped with a warning.

    Raises:
        TokenError: no ``.env`` found, the variable missing or empty, still the
            placeholder from ``.env.example``, or whitespace inside the value.

    >>> token = load_token("TMDB_TOKEN")          # doctest: +SKIP
    >>> client = Client("https://api.themoviedb.org/3", token)  # doctest: +SKIP
    """
    raw = os.environ.get(name)
    if raw is not None and raw.strip():
        source = f"{name} in the environment"
    else:
        path = _resolve_env_file(name, env_file)
        raw = dotenv_values(path).get(name)
        source = f"{name} in {path}"
        if raw is None or not raw.strip():
            state = "is empty" if raw is not None else "is not set"
            raise TokenError(
                f"{name} {state} in {path}. Add a line `{name}=<your token>` to it "
                "(see .env.example)."
            )
    return Token(clean_value(raw, name=name, source=source), source=source)


def _resolve_env_file(name: str, env_file: str | os.PathLike[str] | None) -> Path:
    if env_file is not None:
        path = Path(env_file)
        if not path.is_file():
            raise TokenError(
                f"{name} is not set and the env file {path} does not exist. "
                "Copy .env.example to .env and paste your token into it."
            )
        return path
    found = find_env_file()
    if found is None:
        raise TokenError(
            f"{name} is not set and no .env file was found in {Path.cwd()} or any folder "
            "above it. Copy .env.example to .env at the top of your project and paste "
            f"your token after {name}=."
        )
    return found


def clean_value(raw: str, *, name: str, source: str) -> str:
    """Strip quotes, whitespace and a ``Bearer `` prefix; refuse placeholders and inner whitespace."""
    value = raw.strip().strip("'\"").strip()
    if value[:7].lower() == "bearer ":
        warnings.warn(
            f"{source} starts with 'Bearer '; bearerkit adds that prefix itself, "
            "so it was removed. Store only the token in .env.",
            UserWarning,
            stacklevel=3,
        )
        value = value[7:].strip()
    lowered = value.lower()
    if value == PLACEHOLDER or any(hint in lowered for hint in _PLACEHOLDER_HINTS):
        raise TokenError(
            f"{source} is still the placeholder from .env.example. Replace it with your "
            "token (for TMDB: the API Read Access Token from "
            "https://www.themoviedb.org/settings/api).",
            reason="placeholder",
        )
    if not value:
        raise TokenError(f"{source} is empty. Paste your token after {name}=.")
    if any(ch.isspace() for ch in value):
        raise TokenError(
            f"{source} contains whitespace or a line break inside the value; a bearer "
            "token is one unbroken string. Check for a bad copy-paste.",
            reason="malformed",
        )
    return value
