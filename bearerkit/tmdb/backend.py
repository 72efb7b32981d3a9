"""Choosing the backend: the real TMDB with a token, the embedded sandbox without.

:func:`connect` says in one line when it falls back to the sandbox and why (no
token, or the ``.env.example`` placeholder still in place), never mentioning
anything a reader did not set. The line is information, not an error: in a
terminal it goes to stderr; in Jupyter it is shown as a plain grey line under the
cell rather than in the red-tinted stderr box.
"""

from __future__ import annotations

import html
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Literal

from ..cache import CacheSpec
from ..client import Client
from ..errors import TokenError
from ..tmdb_kinds import DEFAULT_LANGUAGE
from ..token import Token, env_value, load_token
from .api import MAX_PAGES, TMDB, TMDB_API, TMDB_RATE_LIMIT

if TYPE_CHECKING:
    from ..sandbox import Sandbox

__all__ = ["BACKENDS", "BACKEND_VARIABLE", "Backend", "connect"]

Backend = Literal["auto", "sandbox", "tmdb"]
BACKENDS: tuple[str, ...] = ("auto", "sandbox", "tmdb")
BACKEND_VARIABLE = "TMDB_BACKEND"  # pins the backend from the environment or .env
TOKEN_VARIABLE = "TMDB_TOKEN"
TOKEN_HELP = "For the real API put TMDB_TOKEN=<API Read Access Token> in .env."

_sandbox_lock = threading.Lock()
_shared_sandbox: Sandbox | None = None


def connect(
    token: Token | str | None = None,
    *,
    backend: Backend = "auto",
    language: str = DEFAULT_LANGUAGE,
    base_url: str | None = None,
    cache: CacheSpec = None,
    rate_limit: float | None = TMDB_RATE_LIMIT,
    env_file: str | os.PathLike[str] | None = None,
    quiet: bool = False,
) -> TMDB:
    """Connect to TMDB, or to the embedded sandbox when no token is configured.

    Args:
        token: a token; default ``TMDB_TOKEN`` from the environment or ``.env``.
        backend: ``"auto"`` (the default): ``TMDB_BACKEND`` from the environment or
            ``.env`` if set, else the real API with a token and the sandbox without
            one (or with the ``.env.example`` placeholder still in place).
            ``"tmdb"``: the real API; no token is a :class:`~bearerkit.TokenError`.
            ``"sandbox"``: the embedded sandbox, whatever token is configured.
        language: default language for genre names (``"en"``, ``"de"``, ``"pt-BR"``...).
        base_url: another TMDB-compatible address; default ``TMDB_BASE_URL`` from the
            environment or ``.env``, else the real API.
        cache: response cache for notebook re-runs (``True``, a path, or ``None``).
        rate_limit: requests per second for this connection (even pace).
        env_file: a specific ``.env`` file.
        quiet: do not print the one-line sandbox notice.

    Raises:
        TokenError: ``backend="tmdb"`` without a token, a malformed token, or TMDB's
            v3 API Key (32 hex characters) where the API Read Access Token belongs
            (``reason="v3_key"``: said before anything is sent, not after a 401).
        ValueError: an unknown backend.

    >>> tmdb = connect()                     # doctest: +SKIP
    bearerkit: no TMDB_TOKEN found, using the embedded TMDB sandbox at http://127.0.0.1:PORT/3 ...
    >>> tmdb.genres("tv").head(2)            # doctest: +SKIP
    """
    chosen = _backend(backend, env_file)
    options: dict[str, Any] = {"rate_limit": rate_limit, "cache": cache, "page_cap": MAX_PAGES}
    if chosen == "sandbox":
        reason = "backend='sandbox'" if backend == "sandbox" else f"{BACKEND_VARIABLE}=sandbox"
        return _sandbox_connection(f"bearerkit: {reason}, using", "", language, options, quiet)
    found: Token | str | None = token
    missing: TokenError | None = None
    if found is None:
        try:
            found = load_token(TOKEN_VARIABLE, env_file=env_file)
        except TokenError as exc:
            # Only "nothing usable configured" falls back; a mangled token is the user's
            # to fix, and backend="tmdb" never falls back.
            if chosen == "tmdb" or exc.reason not in ("missing", "placeholder"):
                raise
            missing = exc
    url = base_url or _setting("TMDB_BASE_URL", env_file)
    if missing is not None and not url:
        if missing.reason == "placeholder":  # the message says how to replace it
            lead, tail = f"bearerkit: {str(missing).rstrip('.')}. Meanwhile using", ""
        else:
            lead, tail = f"bearerkit: no {TOKEN_VARIABLE} found, using", TOKEN_HELP
        return _sandbox_connection(lead, tail, language, options, quiet)
    url = url or TMDB_API
    if url.rstrip("/") == TMDB_API:
        _refuse_v3_key(found)
    client = Client(url, found, **options)
    return TMDB(client, language=language)


def _refuse_v3_key(token: Token | str | None) -> None:
    """TMDB's v3 API Key sent as a bearer token is a 401: say which credential to copy instead."""
    if token is None:
        return
    parsed = token if isinstance(token, Token) else Token.parse(token, source="the token argument")
    if parsed.kind != "v3_key":
        return
    raise TokenError(
        f"{parsed.source} is 32 hex characters: this is the v3 API Key, not the Read Access "
        "Token. bearerkit sends a bearer token, so copy the 'API Read Access Token' (a long "
        "string starting with 'eyJ') from https://www.themoviedb.org/settings/api into "
        f"{TOKEN_VARIABLE}.",
        reason="v3_key",
    )


def _backend(backend: str, env_file: str | os.PathLike[str] | None) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be 'auto', 'sandbox' or 'tmdb', not {backend!r}")
    if backend != "auto":
        return backend
    pinned = (_setting(BACKEND_VARIABLE, env_file) or "auto").strip().lower()
    if pinned not in BACKENDS:
        raise ValueError(
            f"{BACKEND_VARIABLE} must be 'auto', 'sandbox' or 'tmdb', not {pinned!r}; "
            "fix or remove it in the environment or .env"
        )
    return pinned


def _sandbox_connection(
    lead: str, tail: str, language: str, options: dict[str, Any], quiet: bool
) -> TMDB:
    """A connection to the shared sandbox, announced in one line: ``lead`` … ``tail``."""
    sb = _default_sandbox()
    if not quiet:
        notice = f"{lead} the embedded TMDB sandbox at {sb.url} (offline, sample data). {tail}"
        show_notice(notice.rstrip())
    return TMDB(Client(sb.url, sb.token, **options), language=language, sandbox=sb)


def show_notice(text: str) -> None:
    """Show an informational line: plain text under the cell in Jupyter, one stderr line elsewhere.

    Jupyter paints everything written to stderr as a warning; a notice that all is
    well (the sandbox answers) belongs with ordinary output.

    >>> show_notice("bearerkit: using the embedded TMDB sandbox")  # doctest: +SKIP
    """
    if not _in_jupyter():
        print(text, file=sys.stderr)
        return
    from IPython.display import display

    style = "font-size: 0.9em; color: var(--jp-ui-font-color2, #616161); padding: 2px 0"
    markup = f'<div class="bk-notice" style="{style}">{html.escape(text)}</div>'
    display({"text/plain": text, "text/html": markup}, raw=True)


def _in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (IPython is loaded there already: no import)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _setting(name: str, env_file: str | os.PathLike[str] | None) -> str | None:
    """An optional setting from the environment or ``.env``; ``None`` when absent or unreadable."""
    try:
        return env_value(name, env_file=env_file)
    except (OSError, ValueError):
        return None


def _default_sandbox() -> Sandbox:
    """One embedded sandbox per process, started on first use and shared after."""
    global _shared_sandbox
    with _sandbox_lock:
        if _shared_sandbox is None:
            from .. import sandbox

            _shared_sandbox = sandbox.start()
        return _shared_sandbox
