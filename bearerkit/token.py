"""Where the bearer token comes from: the environment or a ``.env`` file.

The file is parsed with python-dotenv on every call (edit ``.env``, re-run the
cell, and it takes effect) and ``os.environ`` is never written to. The token is
wrapped in :class:`Token`, which is not a ``str`` so it cannot be printed, logged
or concatenated into a URL by accident. What a token looks like (placeholders,
TMDB's two shapes) lives in :mod:`bearerkit.shapes`.
"""

from __future__ import annotations

import codecs
import io
import os
import unicodedata
import warnings
from pathlib import Path
from typing import Literal

from .cassette import replaying
from .errors import TokenError
from .redact import Secret
from .shapes import JWT, V3_KEY, placeholder_reason

__all__ = [
    "ENV_FILE_VARIABLE",
    "Token",
    "env_value",
    "find_env_file",
    "load_token",
    "read_env_file",
]

# Set it to a file to use that file instead of searching for .env; set it to a path
# that does not exist to use no file at all (the notebook tests do, so their kernels
# see "no token configured" even on a machine with a .env).
ENV_FILE_VARIABLE = "BEARERKIT_ENV_FILE"

# What load_token hands out while a replay-only cassette is active and nothing is set.
REPLAY_PLACEHOLDER = "cassette-replay-no-token-needed"

TokenKind = Literal["jwt", "v3_key", "opaque"]

# A bearer token travels in an HTTP header: printable ASCII without spaces.
_FIRST_TOKEN_CHAR, _LAST_TOKEN_CHAR = "!", "~"
_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


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

    @classmethod
    def parse(
        cls, raw: str | Secret, *, source: str = "argument", name: str | None = None
    ) -> Token:
        """A :class:`Token` from pasted text: quotes, whitespace and ``Bearer `` stripped.

        Args:
            raw: the text as typed or read from a file (a :class:`~bearerkit.redact.Secret`
                keeps it out of verbose tracebacks on the way in).
            source: where it came from, for messages and the repr.
            name: the variable it was read from, for the "paste it after NAME=" advice.

        Raises:
            TokenError: empty, still a placeholder (``reason="placeholder"``), or a
                character a header cannot carry: whitespace, curly quotes, invisible
                or non-ASCII characters (``reason="malformed"``, naming the character
                and its position, never the token).

        >>> Token.parse('"Bearer abc123"', source="example")  # doctest: +SKIP
        Token('…c123', source='example')
        """
        if not isinstance(raw, (str, Secret)):
            raise TypeError(f"a token must be a str, not {type(raw).__name__}")
        secret = raw if isinstance(raw, Secret) else Secret(raw)
        # No plain copy of the value stays in this frame: IPython's verbose tracebacks
        # print every frame's locals, and the checks below can raise.
        del raw
        cleaned = _clean(secret, source=source, name=name)
        if isinstance(cleaned, TokenError):
            raise cleaned
        return cls(cleaned.reveal(), source=source)

    @property
    def value(self) -> str:
        """The secret. Use it only to build an ``Authorization`` header."""
        return self._value

    @property
    def kind(self) -> TokenKind:
        """``"jwt"`` (TMDB's API Read Access Token), ``"v3_key"`` (32 hex) or ``"opaque"``."""
        if V3_KEY.fullmatch(self._value):
            return "v3_key"
        if JWT.fullmatch(self._value):
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


def _clean(raw: Secret, *, source: str, name: str | None) -> Secret | TokenError:
    """The cleaned token, or the error to raise (returned, so this frame is gone by then)."""
    value = raw.reveal().strip().strip("'\"").strip()
    if value[:7].lower() == "bearer ":
        warnings.warn(
            f"{source} starts with 'Bearer '; bearerkit adds that prefix itself, "
            "so it was removed. Store only the token.",
            UserWarning,
            stacklevel=4,  # the caller of load_token / Client / Token.parse
        )
        value = value[7:].strip()
    if not value:
        after = f" after {name}=" if name else ""
        return TokenError(f"{source} is empty. Paste your token{after}.")
    placeholder = placeholder_reason(value)  # names the marker, never the value
    if placeholder:
        return TokenError(
            f"{source} {placeholder}. Replace it with your "
            "token (for TMDB: the API Read Access Token from "
            "https://www.themoviedb.org/settings/api).",
            reason="placeholder",
        )
    problem = _bad_character(value, source)
    if problem:
        return TokenError(problem, reason="malformed")
    return Secret(value)


def _bad_character(value: str, source: str) -> str | None:
    """A message naming the first character a header cannot carry, or ``None``."""
    for position, char in enumerate(value, start=1):
        if _FIRST_TOKEN_CHAR <= char <= _LAST_TOKEN_CHAR:
            continue
        if char.isspace():
            return (
                f"{source} contains whitespace or a line break inside the value "
                f"(position {position}); a bearer token is one unbroken string. Check for a "
                "bad copy-paste."
            )
        label = unicodedata.name(char, "a control character")
        return (
            f"{source} contains U+{ord(char):04X} ({label}) at position {position}; a bearer "
            "token is plain ASCII. Curly quotes and invisible characters come from copying "
            "through a word processor, chat or web page: paste the token again from its "
            "source, into a plain-text editor."
        )
    return None


def find_env_file(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The ``.env`` every part of bearerkit uses, or ``None``.

    With ``BEARERKIT_ENV_FILE`` set: that file if it is a regular file, else ``None``
    (no search). Otherwise the nearest ``.env`` at ``start`` (default: the current
    directory, where the notebook runs) or in a folder above it.

    This is python-dotenv's ``find_dotenv`` walk, written out because ``find_dotenv``
    cannot start at a given folder (only at the current directory, with
    ``usecwd=True``, or else at its caller's source file) and accepts a FIFO named
    ``.env``, which would block the read.

    >>> find_env_file()  # doctest: +SKIP
    PosixPath('/home/me/project/.env')
    """
    override = os.environ.get(ENV_FILE_VARIABLE)
    if override:
        chosen = Path(override).expanduser()
        return chosen if _is_file(chosen) else None
    here = Path.cwd() if start is None else Path(start).resolve()
    if _is_file(here):
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / ".env"
        if _is_file(candidate):
            return candidate
    return None


def _is_file(path: Path) -> bool:
    """``path.is_file()``, but a folder the user cannot enter is a :class:`TokenError`.

    pathlib answers ``False`` for a missing file and raises ``PermissionError`` when a
    folder on the way is closed to the user (EACCES).
    """
    problem: TokenError | None = None
    try:
        return path.is_file()
    except PermissionError:
        problem = TokenError(
            f"{path} cannot be checked: permission denied on the folder {path.parent}. "
            "Open the folder to your user (for example `chmod u+rx` on it), move the .env "
            "to a folder you can read, or set the variable in the environment instead.",
            reason="unreadable",
        )
    except OSError as exc:
        problem = TokenError(
            f"{path} cannot be checked ({exc.strerror or type(exc).__name__}).",
            reason="unreadable",
        )
    raise problem  # outside the except block: no OS error chained to it


def read_env_file(path: str | os.PathLike[str]) -> dict[str, str | None]:
    """Parse a ``.env`` file with python-dotenv; unreadable or mis-encoded files raise TokenError.

    Raises:
        TokenError: ``reason="unreadable"`` (permissions, a folder) or
            ``reason="malformed"`` (UTF-16 as PowerShell writes it, invalid UTF-8),
            naming the file and the fix.
    """
    from dotenv import dotenv_values  # late: `import bearerkit; bk.Client` need not parse .env

    path = Path(path)
    # Nested calls, no locals: a verbose traceback from here never shows the file's bytes.
    return dotenv_values(stream=io.StringIO(_decode_env(path, _read_bytes(path))))


def _read_bytes(path: Path) -> bytes:
    problem: TokenError | None = None
    try:
        return path.read_bytes()
    except PermissionError:
        problem = TokenError(
            f"{path} cannot be read: permission denied. Make it readable by your user "
            f"(for example `chmod 600 {path}`), or run as its owner.",
            reason="unreadable",
        )
    except OSError as exc:
        problem = TokenError(
            f"{path} cannot be read ({exc.strerror or type(exc).__name__}). Check that it "
            "is a regular file.",
            reason="unreadable",
        )
    raise problem  # outside the except block: no OS error chained to it


def _decode_env(path: Path, data: bytes) -> str:
    """The file's text; TokenError for UTF-16/32 or invalid UTF-8 (never quoting the bytes)."""
    problem: TokenError | None = None
    if data.startswith(_UTF16_BOMS) or b"\x00" in data[:4096]:
        problem = TokenError(
            f"{path} is saved as UTF-16 (what PowerShell's `>` and `Out-File` write). Save it "
            "as UTF-8: in PowerShell `Set-Content -Encoding utf8 .env`, or choose UTF-8 in "
            "your editor's 'Save with encoding'.",
            reason="malformed",
        )
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            where = data.count(b"\n", 0, exc.start) + 1
        problem = TokenError(
            f"{path} is not valid UTF-8 (line {where}). Save it as UTF-8 in your editor "
            "(it was probably saved as Latin-1 or Windows-1252).",
            reason="malformed",
        )
    # The bytes hold the tokens: drop them before raising (verbose tracebacks print
    # locals), and raise outside the except block (UnicodeDecodeError holds them too).
    del data
    raise problem


def env_value(name: str, *, env_file: str | os.PathLike[str] | None = None) -> str | None:
    """Return ``name`` from the process environment, else from ``.env``; ``None`` if absent.

    Never raises for a missing file: use it for optional settings such as ``TMDB_BASE_URL``.
    A file that exists but cannot be read raises :class:`TokenError`.
    """
    if os.environ.get(name):
        return os.environ[name]
    path = Path(env_file) if env_file is not None else find_env_file()
    if path is None or not _is_file(path):
        return None
    return read_env_file(path).get(name) or None


def load_token(
    name: str = "TMDB_TOKEN", *, env_file: str | os.PathLike[str] | None = None
) -> Token:
    """Load a bearer token from the environment or the nearest ``.env`` file.

    A variable set in the process environment wins; otherwise ``env_file`` is read,
    or the ``.env`` that :func:`find_env_file` finds: the nearest one walking up from
    the current directory (so a notebook in ``notebooks/`` finds the repository's
    ``.env``), or the file named by the ``BEARERKIT_ENV_FILE`` environment variable
    (a path that does not exist there means "no .env"). While a replay-only
    cassette is active (:func:`bearerkit.use_cassette`) and nothing is configured,
    a placeholder token is returned: a replay needs no secret.

    Args:
        name: the variable to read.
        env_file: a specific ``.env`` file to read instead of searching.

    Returns:
        A :class:`Token` made by :meth:`Token.parse`: surrounding quotes and
        whitespace stripped, a leading ``Bearer `` stripped with a warning.

    Raises:
        TokenError: no ``.env`` found, the variable missing or empty, still the
            placeholder from ``.env.example``, a character a header cannot carry
            (whitespace, curly quotes, invisible or non-ASCII characters), or a
            ``.env`` that cannot be read or is not UTF-8.

    >>> token = load_token("TMDB_TOKEN")          # doctest: +SKIP
    >>> client = Client("https://api.themoviedb.org/3", token)  # doctest: +SKIP
    """
    # The value travels as a Secret, never a plain local: verbose tracebacks print locals.
    if (os.environ.get(name) or "").strip():
        return Token.parse(Secret(os.environ[name]), source=f"{name} in the environment", name=name)
    try:
        path = _resolve_env_file(name, env_file)
        found = _env_file_value(path, name)
        if found is None or not found.reveal().strip():
            state = "is empty" if found is not None else "is not set"
            raise TokenError(
                f"{name} {state} in {path}. Add a line `{name}=<your token>` to it "
                "(see .env.example)."
            )
    except TokenError as missing:
        if missing.reason != "missing" or not replaying():  # a replay needs no real secret
            raise
        return Token(REPLAY_PLACEHOLDER, source=f"{name}: a placeholder (replaying a cassette)")
    return Token.parse(found, source=f"{name} in {path}", name=name)


def _env_file_value(path: Path, name: str) -> Secret | None:
    value = read_env_file(path).get(name)
    return Secret(value) if value is not None else None


def _resolve_env_file(name: str, env_file: str | os.PathLike[str] | None) -> Path:
    if env_file is not None:
        path = Path(env_file)
        if not _is_file(path):
            if path.exists():
                raise TokenError(
                    f"The env file {path} is not a file (a folder?), so {name} could not be "
                    "read from it. Pass the path of the .env file itself.",
                    reason="unreadable",
                )
            raise TokenError(
                f"{name} is not set and the env file {path} does not exist. "
                "Copy .env.example to .env and paste your token into it."
            )
        return path
    found = find_env_file()
    if found is not None:
        return found
    override = os.environ.get(ENV_FILE_VARIABLE)
    if override:
        raise TokenError(
            f"{name} is not set and {ENV_FILE_VARIABLE}={override} is not a file, so no .env "
            f"was read. Point {ENV_FILE_VARIABLE} at your .env (or unset it to search for "
            f".env), or set {name} in the environment."
        )
    raise TokenError(
        f"{name} is not set and no .env file was found in {Path.cwd()} or any folder "
        "above it. Copy .env.example to .env at the top of your project and paste "
        f"your token after {name}=."
    )
