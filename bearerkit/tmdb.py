"""TMDB (The Movie Database) on top of :class:`bearerkit.Client`: genres and discover as DataFrames.

With a token (argument, environment or ``.env``) :func:`connect` talks to
``https://api.themoviedb.org/3``; without one it starts the embedded sandbox (a
local server that answers like TMDB) and says so in one line, so every notebook
and command runs offline.

>>> import bearerkit as bk
>>> tmdb = bk.tmdb.connect()                # doctest: +SKIP
>>> tmdb.genre_table(languages=("en", "de")).head(3)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .cache import CacheSpec
from .client import Client
from .errors import TokenError
from .frames import records_to_frame, typed
from .token import Token, env_value, load_token

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["MAX_PAGES", "TMDB", "TMDB_API", "TMDB_RATE_LIMIT", "connect"]

TMDB_API = "https://api.themoviedb.org/3"
TMDB_RATE_LIMIT = 35.0  # requests/s; TMDB documents "somewhere in the 40 requests per second range"
Kind = Literal["movie", "tv"]

MAX_PAGES = 500  # TMDB refuses page > 500 on list endpoints
KINDS: tuple[Kind, ...] = ("movie", "tv")
DATE_COLUMNS = {"movie": "release_date", "tv": "first_air_date"}

_sandbox_lock = threading.Lock()
_shared_sandbox: Sandbox | None = None


def connect(
    token: Token | str | None = None,
    *,
    language: str = "en-US",
    sandbox: bool | None = None,
    base_url: str | None = None,
    cache: CacheSpec = None,
    rate_limit: float | None = TMDB_RATE_LIMIT,
    env_file: str | os.PathLike[str] | None = None,
    quiet: bool = False,
) -> TMDB:
    """Connect to TMDB, or to the embedded sandbox when no token is configured.

    Args:
        token: a token; default ``TMDB_TOKEN`` from the environment or ``.env``.
        language: default language for genre names (``"en-US"``, ``"de"``, ...).
        sandbox: ``True`` forces the sandbox, ``False`` forbids it (no token is then
            a :class:`~bearerkit.TokenError`), ``None`` uses it only without a token
            (or when the environment variable ``BEARERKIT_SANDBOX=1`` is set).
        base_url: another TMDB-compatible address; default ``TMDB_BASE_URL`` from the
            environment or ``.env``, else the real API.
        cache: response cache for notebook re-runs (``True``, a path, or ``None``).
        rate_limit: requests per second for this connection (even pace).
        env_file: a specific ``.env`` file.
        quiet: do not print the one-line sandbox notice.

    >>> tmdb = connect()                     # doctest: +SKIP
    sandbox: no TMDB_TOKEN found, using the embedded TMDB sandbox at http://127.0.0.1:PORT/3 ...
    >>> tmdb.genres("tv").head(2)            # doctest: +SKIP
    """
    forced_by_env = (
        sandbox is None and token is None and _truthy(os.environ.get("BEARERKIT_SANDBOX"))
    )
    if forced_by_env:
        sandbox = True  # lets a test run or a CI job pin notebooks to the sandbox
    if sandbox is not True and token is None:
        token = _configured_token(env_file, required=sandbox is False)
    url = None if sandbox is True else _base_url(base_url, env_file)
    if sandbox is True or (sandbox is None and token is None and not url):
        sb = _default_sandbox()
        if not quiet:
            if forced_by_env:
                why = "BEARERKIT_SANDBOX=1 is set"
            elif sandbox is True:
                why = "sandbox=True"
            else:
                why = "no TMDB_TOKEN found"
            print(
                f"bearerkit: {why}, using the embedded TMDB sandbox at {sb.url} (offline, sample "
                "data). For the real API put TMDB_TOKEN=<API Read Access Token> in .env.",
                file=sys.stderr,
            )
        client = Client(sb.url, sb.token, rate_limit=rate_limit, cache=cache)
        return TMDB(client, language=language, sandbox=sb)
    return TMDB(
        Client(url or TMDB_API, token, rate_limit=rate_limit, cache=cache), language=language
    )


class TMDB:
    """TMDB's genres and lists as DataFrames, over any :class:`~bearerkit.Client`.

    Args:
        client: a client whose ``base_url`` is TMDB's ``/3`` root (or compatible).
        language: default language for genre names.
        sandbox: the embedded sandbox behind ``client``, if any.

    >>> tmdb = TMDB(Client("https://api.themoviedb.org/3", load_token()))  # doctest: +SKIP
    """

    def __init__(
        self, client: Client, *, language: str = "en-US", sandbox: Sandbox | None = None
    ) -> None:
        self.client = client
        self.language = language
        self.sandbox = sandbox
        self._genre_cache: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._genre_lock = threading.Lock()

    @property
    def is_sandbox(self) -> bool:
        """True when this connection talks to the embedded sandbox."""
        return self.sandbox is not None

    @property
    def backend(self) -> str:
        """``"sandbox"``, ``"tmdb"`` or the custom base URL, for status lines."""
        if self.is_sandbox:
            return "sandbox"
        return "tmdb" if self.client.base_url == TMDB_API else self.client.base_url

    def __repr__(self) -> str:
        where = f"sandbox at {self.client.base_url}" if self.is_sandbox else self.client.base_url
        return f"<bearerkit.tmdb.TMDB {where}, language={self.language!r}>"

    # -- genres -------------------------------------------------------------------
    def genre_list(self, kind: Kind = "movie", language: str | None = None) -> list[dict[str, Any]]:
        """The raw genre records ``[{"id": 28, "name": "Action"}, ...]``, cached per language."""
        kind = _check_kind(kind)
        lang = language or self.language
        key = (kind, lang)
        with self._genre_lock:
            if key not in self._genre_cache:
                body = self.client.get(f"genre/{kind}/list", {"language": lang})
                self._genre_cache[key] = list(body.get("genres", []))
            return self._genre_cache[key]

    def genres(self, kind: Kind = "movie", language: str | None = None) -> pd.DataFrame:
        """Genres of one kind as a DataFrame with columns ``id``, ``name``, in TMDB's order.

        >>> tmdb.genres("movie").head(2)  # doctest: +SKIP
           id       name
        0  28     Action
        1  12  Adventure
        """
        records = self.genre_list(kind, language)
        return pd.DataFrame.from_records(records, columns=["id", "name"]).astype({"id": "int64"})

    def genre_table(
        self, languages: Iterable[str] = ("en",), *, kind: Literal["movie", "tv", "both"] = "both"
    ) -> pd.DataFrame:
        """Movie and TV genres in one table: ``id``, ``name_<lang>`` per language, ``movie``, ``tv``.

        One row per genre id; movie genres first in TMDB's order, then TV-only genres.

        >>> tmdb.genre_table(languages=("en", "de")).head(2)  # doctest: +SKIP
           id    name_en    name_de  movie     tv
        0  28     Action     Action   True  False
        1  12  Adventure  Abenteuer   True  False
        """
        languages = [languages] if isinstance(languages, str) else list(languages)
        if not languages:
            raise ValueError("genre_table needs at least one language, e.g. languages=('en',)")
        kinds = expand_kind(kind)
        rows: dict[int, dict[str, Any]] = {}
        for k in kinds:
            for lang in languages:
                for genre in self.genre_list(k, lang):
                    row = rows.setdefault(
                        genre["id"], {"id": genre["id"], "movie": False, "tv": False}
                    )
                    row[k] = True
                    row.setdefault(f"name_{_short(lang)}", genre["name"])
        columns = [
            "id",
            *dict.fromkeys(f"name_{_short(lang)}" for lang in languages),
            "movie",
            "tv",
        ]
        frame = pd.DataFrame.from_records(list(rows.values()), columns=columns)
        return frame.astype({"id": "int64", "movie": bool, "tv": bool})

    def genre_ids(self, names: str | Sequence[str | int], kind: Kind = "movie") -> str:
        """Turn genre names (or ids) into TMDB's ``with_genres`` value, keeping ``,`` (AND) and ``|`` (OR).

        >>> tmdb.genre_ids("Action|Comedy")  # doctest: +SKIP
        '28|35'
        """
        if isinstance(names, int):
            return str(names)
        if not isinstance(names, str):
            return ",".join(self.genre_ids(str(n), kind) for n in names)
        lookup: dict[str, int] = {}
        for lang in dict.fromkeys([self.language, "en"]):
            for genre in self.genre_list(kind, lang):
                lookup.setdefault(genre["name"].casefold(), genre["id"])
        out = []
        for part in re.split(r"([,|])", names):
            word = part.strip()
            if word in (",", "|") or word.isdigit():
                out.append(word)
            elif word:
                if word.casefold() not in lookup:
                    known = ", ".join(g["name"] for g in self.genre_list(kind, "en"))
                    raise ValueError(f"Unknown {kind} genre {word!r}. Known genres: {known}")
                out.append(str(lookup[word.casefold()]))
        return "".join(out)

    # -- lists --------------------------------------------------------------------
    def discover(
        self, kind: Kind = "movie", *, pages: int = 1, progress: bool | None = None, **filters: Any
    ) -> pd.DataFrame:
        """Discover movies or TV shows, many pages in one DataFrame, rows in TMDB's order.

        Filters pass to TMDB unchanged (``sort_by``, ``primary_release_year``, ...);
        ``with_genres`` also takes names (``"Action,Comedy"`` = both, ``"Action|Comedy"`` =
        either). Dates become datetime64, and ``genres`` holds the genre names.

        >>> tmdb.discover("movie", pages=3, with_genres="Comedy")  # doctest: +SKIP
        """
        kind = _check_kind(kind)
        if pages < 1:
            raise ValueError(f"pages must be at least 1, not {pages!r}")
        if filters.get("with_genres") is not None:
            filters["with_genres"] = self.genre_ids(filters["with_genres"], kind)
        records = self.client.paginate_records(
            f"discover/{kind}", filters, max_pages=min(pages, MAX_PAGES), progress=progress
        )
        return self.records_frame(records, kind, language=filters.get("language"))

    def records_frame(
        self, records: list[dict[str, Any]], kind: Kind = "movie", *, language: str | None = None
    ) -> pd.DataFrame:
        """TMDB list records to a typed DataFrame with a ``genres`` column of names."""
        frame = records_to_frame(records)
        if frame.empty:
            return frame
        typed(frame, dates=[DATE_COLUMNS[kind]])
        names = {g["id"]: g["name"] for g in self.genre_list(kind, language)}
        if "genre_ids" in frame.columns:
            frame["genres"] = [[names.get(i, str(i)) for i in ids] for ids in frame["genre_ids"]]
        return frame

    def genre_counts(self, kind: Kind = "movie", *, pages: int = 5, **filters: Any) -> pd.DataFrame:
        """Titles per genre over ``pages`` pages of discover: columns ``genre``, ``count``, most first.

        >>> tmdb.genre_counts("movie", pages=2).plot.barh(x="genre", y="count")  # doctest: +SKIP
        """
        frame = self.discover(kind, pages=pages, progress=False, **filters)
        if frame.empty:
            return pd.DataFrame({"genre": pd.Series(dtype=str), "count": pd.Series(dtype="int64")})
        counts = frame["genres"].explode().dropna().value_counts()
        return counts.rename_axis("genre").reset_index(name="count")


def expand_kind(kind: str) -> tuple[Kind, ...]:
    """``"both"`` → ``("movie", "tv")``; ``"movie"``/``"tv"`` → that one kind."""
    return KINDS if kind == "both" else (_check_kind(kind),)


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'movie' or 'tv', not {kind!r}")
    return kind


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _short(language: str) -> str:
    """``"de-DE"`` → ``"de"``: the column suffix in :meth:`TMDB.genre_table`."""
    return language.split("-")[0].lower()


def _configured_token(env_file: str | os.PathLike[str] | None, *, required: bool) -> Token | None:
    try:
        return load_token("TMDB_TOKEN", env_file=env_file)
    except TokenError as exc:
        if required or exc.reason == "malformed":
            raise
        return None


def _base_url(base_url: str | None, env_file: str | os.PathLike[str] | None) -> str | None:
    if base_url:
        return base_url
    try:
        return env_value("TMDB_BASE_URL", env_file=env_file)
    except OSError:
        return None


def _default_sandbox() -> Sandbox:
    """One embedded sandbox per process, started on first use and shared after."""
    global _shared_sandbox
    with _sandbox_lock:
        if _shared_sandbox is None:
            from . import sandbox

            _shared_sandbox = sandbox.start()
        return _shared_sandbox
