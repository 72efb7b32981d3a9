"""TMDB (The Movie Database) on top of :class:`bearerkit.Client`: genres and discover as DataFrames.

:func:`connect` picks the backend: with a token (argument, environment or
``.env``) the real API at ``https://api.themoviedb.org/3``; without one the
embedded sandbox (a local server that answers like TMDB), saying so in one line,
so every notebook and command runs offline.

Nothing TMDB answers is trusted blindly: a body of the wrong shape becomes a
:class:`~bearerkit.ResponseFormatError` naming the endpoint and what was
expected, never an ``AttributeError`` or a silently wrong frame.

>>> import bearerkit as bk
>>> tmdb = bk.tmdb.connect()                # doctest: +SKIP
>>> tmdb.genre_table(languages=("en", "de")).head(3)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .cache import CacheSpec
from .client import Client
from .errors import ResponseFormatError, TokenError
from .frames import records_to_frame, typed
from .redact import snippet
from .tmdb_kinds import DEFAULT_LANGUAGE, KINDS, Kind, KindChoice, check_kind, expand_kind
from .token import Token, env_value, load_token

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = [
    "BACKENDS",
    "DEFAULT_LANGUAGE",
    "MAX_PAGES",
    "TMDB",
    "TMDB_API",
    "TMDB_RATE_LIMIT",
    "connect",
]

TMDB_API = "https://api.themoviedb.org/3"
TMDB_RATE_LIMIT = 35.0  # requests/s; TMDB documents "somewhere in the 40 requests per second range"
MAX_PAGES = 500  # TMDB refuses page > 500 on list endpoints

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
        TokenError: ``backend="tmdb"`` without a token, or a malformed token.
        ValueError: an unknown backend.

    >>> tmdb = connect()                     # doctest: +SKIP
    bearerkit: no TMDB_TOKEN found, using the embedded TMDB sandbox at http://127.0.0.1:PORT/3 ...
    >>> tmdb.genres("tv").head(2)            # doctest: +SKIP
    """
    chosen = _backend(backend, env_file)
    options: dict[str, Any] = {"rate_limit": rate_limit, "cache": cache}
    if chosen == "sandbox":
        reason = "backend='sandbox'" if backend == "sandbox" else f"{BACKEND_VARIABLE}=sandbox"
        return _sandbox_connection(f"bearerkit: {reason}, using", language, options, quiet)
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
    url = _base_url(base_url, env_file)
    if missing is not None and not url:
        if missing.reason == "placeholder":
            lead = f"bearerkit: {str(missing).rstrip('.')}. Meanwhile using"
        else:
            lead = f"bearerkit: no {TOKEN_VARIABLE} found, using"
        return _sandbox_connection(lead, language, options, quiet)
    client = Client(url or TMDB_API, found, **options)
    return TMDB(client, language=language)


class TMDB:
    """TMDB's genres and lists as DataFrames, over any :class:`~bearerkit.Client`.

    Args:
        client: a client whose ``base_url`` is TMDB's ``/3`` root (or compatible).
        language: default language for genre names.
        sandbox: the embedded sandbox behind ``client``, if any.

    >>> tmdb = TMDB(Client("https://api.themoviedb.org/3", load_token()))  # doctest: +SKIP
    """

    def __init__(
        self, client: Client, *, language: str = DEFAULT_LANGUAGE, sandbox: Sandbox | None = None
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
        """The raw genre records ``[{"id": 28, "name": "Action"}, ...]``, cached per language.

        Raises:
            ResponseFormatError: the answer is not ``{"genres": [{"id": int, "name": str}, ...]}``.
        """
        kind = check_kind(kind)
        lang = language or self.language
        key = (kind, lang)
        with self._genre_lock:
            if key not in self._genre_cache:
                path = f"genre/{kind}/list"
                body = self.client.get(path, {"language": lang})
                self._genre_cache[key] = _checked_genres(body, f"GET {path}")
            return self._genre_cache[key]

    def genre_names(
        self, kind: KindChoice = "movie", language: str | None = None
    ) -> dict[int, str]:
        """``{genre id: name}`` in ``language``; for ``"both"``, movie names win on shared ids.

        >>> tmdb.genre_names("tv", "de")[10765]  # doctest: +SKIP
        'Sci-Fi & Fantasy'
        """
        names: dict[int, str] = {}
        for k in expand_kind(kind):
            for genre in self.genre_list(k, language):
                names.setdefault(genre["id"], genre["name"])
        return names

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
        self, languages: Iterable[str] | None = None, *, kind: KindChoice = "both"
    ) -> pd.DataFrame:
        """Movie and TV genres in one table: ``id``, ``name_<lang>`` per language, ``movie``, ``tv``.

        One row per genre id; movie genres first in TMDB's order, then TV-only genres.
        ``languages`` defaults to this connection's language.

        >>> tmdb.genre_table(languages=("en", "de")).head(2)  # doctest: +SKIP
           id    name_en    name_de  movie     tv
        0  28     Action     Action   True  False
        1  12  Adventure  Abenteuer   True  False
        """
        if languages is None:
            languages = [self.language]
        languages = [languages] if isinstance(languages, str) else list(languages)
        if not languages:
            raise ValueError("genre_table needs at least one language, e.g. languages=('en',)")
        flags = {k: False for k in KINDS}
        rows: dict[int, dict[str, Any]] = {}
        for k in expand_kind(kind):
            for lang in languages:
                for genre in self.genre_list(k, lang):
                    row = rows.setdefault(genre["id"], {"id": genre["id"], **flags})
                    row[k] = True
                    row.setdefault(f"name_{_short(lang)}", genre["name"])
        names = dict.fromkeys(f"name_{_short(lang)}" for lang in languages)
        frame = pd.DataFrame.from_records(list(rows.values()), columns=["id", *names, *flags])
        return frame.astype({"id": "int64", **{k: bool for k in flags}})

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
        for lang in dict.fromkeys([self.language, DEFAULT_LANGUAGE]):
            for genre in self.genre_list(kind, lang):
                lookup.setdefault(genre["name"].casefold(), genre["id"])
        out = []
        for part in re.split(r"([,|])", names):
            word = part.strip()
            if word in (",", "|") or word.isdigit():
                out.append(word)
            elif word:
                if word.casefold() not in lookup:
                    known = ", ".join(self.genre_names(kind, DEFAULT_LANGUAGE).values())
                    raise ValueError(f"Unknown {kind} genre {word!r}. Known genres: {known}")
                out.append(str(lookup[word.casefold()]))
        return "".join(out)

    # -- lists --------------------------------------------------------------------
    def discover(
        self,
        kind: Kind = "movie",
        *,
        pages: int = 1,
        year: int | None = None,
        progress: bool | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """Discover movies or TV shows, many pages in one DataFrame, rows in TMDB's order.

        Filters pass to TMDB unchanged (``sort_by``, ``vote_count.gte``, ...);
        ``year`` becomes the kind's year parameter (``primary_release_year`` or
        ``first_air_date_year``); ``with_genres`` also takes names (``"Action,Comedy"``
        = both, ``"Action|Comedy"`` = either). Dates become datetime64, and
        ``genres`` holds the genre names.

        Raises:
            ResponseFormatError: a page or record not shaped like TMDB's.

        >>> tmdb.discover("movie", pages=3, with_genres="Comedy")  # doctest: +SKIP
        """
        records = self._discover_records(kind, pages, year, progress, filters)
        return self.records_frame(records, kind, language=filters.get("language"))

    def records_frame(
        self, records: list[dict[str, Any]], kind: Kind = "movie", *, language: str | None = None
    ) -> pd.DataFrame:
        """TMDB list records to a typed DataFrame with a ``genres`` column of names."""
        kind = check_kind(kind)
        frame = records_to_frame(records)
        if frame.empty:
            return frame
        typed(frame, dates=[KINDS[kind].date])
        if "genre_ids" in frame.columns:
            names = self.genre_names(kind, language)
            frame["genres"] = [[names.get(i, str(i)) for i in ids] for ids in frame["genre_ids"]]
        return frame

    def genre_counts(
        self,
        kind: KindChoice = "movie",
        language: str | None = None,
        *,
        pages: int = 5,
        year: int | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """Titles per genre over ``pages`` discover pages of each kind: ``id``, ``genre``, ``count``.

        Most titles first (ties by id); ``genre`` is the name in ``language``.
        ``kind="both"`` counts movies and TV shows together. ``attrs["titles"]``
        holds how many titles were counted.

        >>> tmdb.genre_counts("movie", pages=2).plot.barh(x="genre", y="count")  # doctest: +SKIP
        """
        names = self.genre_names(kind, language)
        ids: list[int] = []
        titles = 0
        for k in expand_kind(kind):
            records = self._discover_records(k, pages, year, False, dict(filters))
            titles += len(records)
            ids.extend(i for record in records for i in record.get("genre_ids", ()))
        counts = (
            pd.Series(ids, dtype="int64").value_counts().rename_axis("id").reset_index(name="count")
        )
        counts = counts.sort_values(["count", "id"], ascending=[False, True], ignore_index=True)
        counts.insert(
            1, "genre", pd.Series([names.get(i, str(i)) for i in counts["id"]], dtype=object)
        )
        counts.attrs["titles"] = titles
        return counts

    def _discover_records(
        self,
        kind: str,
        pages: int,
        year: int | None,
        progress: bool | None,
        filters: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Checked records of ``discover/<kind>``, genre names in ``with_genres`` resolved."""
        kind = check_kind(kind)
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
            raise ValueError(f"pages must be a whole number of at least 1, not {pages!r}")
        if year is not None:
            filters[KINDS[kind].year_param] = year
        if filters.get("with_genres") is not None:
            filters["with_genres"] = self.genre_ids(filters["with_genres"], kind)
        path = f"discover/{kind}"
        records = self.client.paginate_records(
            path, filters, max_pages=min(pages, MAX_PAGES), progress=progress
        )
        return _checked_records(records, f"GET {path}")


# -- shape checks: TMDB's answers, verified before anything indexes into them -------
def _checked_genres(body: object, endpoint: str) -> list[dict[str, Any]]:
    expected = "a JSON object with a 'genres' list of {'id': int, 'name': str} records"
    genres = body.get("genres") if isinstance(body, Mapping) else None
    if not isinstance(genres, list):
        raise ResponseFormatError(f"{endpoint} answered {_what(body)}; expected {expected}.")
    for genre in genres:
        if not (
            isinstance(genre, Mapping)
            and _is_int(genre.get("id"))
            and isinstance(genre.get("name"), str)
        ):
            raise ResponseFormatError(
                f"{endpoint} answered a genre without an integer 'id' and a 'name': "
                f"{_excerpt(genre)}; expected {expected}."
            )
    return [{"id": int(g["id"]), "name": g["name"]} for g in genres]


def _checked_records(records: object, endpoint: str) -> list[dict[str, Any]]:
    expected = "pages of the form {'results': [{...}, ...], 'total_pages': int}"
    if not isinstance(records, list):
        raise ResponseFormatError(f"{endpoint} answered {_what(records)}; expected {expected}.")
    for record in records:
        if not isinstance(record, Mapping):
            raise ResponseFormatError(
                f"{endpoint} answered a result that is {_what(record)}; expected {expected}."
            )
        ids = record.get("genre_ids", [])
        if not (isinstance(ids, list) and all(_is_int(i) for i in ids)):
            raise ResponseFormatError(
                f"{endpoint} answered a result whose 'genre_ids' is {_excerpt(ids)}; "
                "expected a list of integer genre ids."
            )
    return records  # type: ignore[return-value]  # checked above: a list of mappings


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _what(value: object) -> str:
    """A few words for an unexpected JSON value: "an empty body", "a JSON list", ..."""
    if value is None or value == "":
        return "an empty body" if value == "" else "null"
    if isinstance(value, Mapping):
        keys = ", ".join(map(str, list(value)[:8]))
        return f"an object with keys {keys}" if keys else "an empty object"
    kinds = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return f"{kinds.get(type(value), type(value).__name__)} ({_excerpt(value)})"


def _excerpt(value: object) -> str:
    return snippet(json.dumps(value, ensure_ascii=False, default=str), limit=80)


# -- connecting -----------------------------------------------------------------------
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


def _sandbox_connection(lead: str, language: str, options: dict[str, Any], quiet: bool) -> TMDB:
    sb = _default_sandbox()
    if not quiet:
        print(
            f"{lead} the embedded TMDB sandbox at {sb.url} (offline, sample data). {TOKEN_HELP}",
            file=sys.stderr,
        )
    return TMDB(Client(sb.url, sb.token, **options), language=language, sandbox=sb)


def _short(language: str) -> str:
    """``"de-DE"`` → ``"de"``: the column suffix in :meth:`TMDB.genre_table`."""
    return language.split("-")[0].lower()


def _base_url(base_url: str | None, env_file: str | os.PathLike[str] | None) -> str | None:
    return base_url or _setting("TMDB_BASE_URL", env_file)


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
            from . import sandbox

            _shared_sandbox = sandbox.start()
        return _shared_sandbox
