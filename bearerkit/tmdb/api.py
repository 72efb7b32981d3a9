"""The :class:`TMDB` class: genres, genre tables, discover and genre counts as DataFrames."""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..client import Client
from ..errors import PagingError, RecordPathError, ResponseFormatError
from ..frames import records_to_frame, typed
from ..tmdb_kinds import (
    DEFAULT_LANGUAGE,
    KINDS,
    Kind,
    KindChoice,
    check_kind,
    check_language,
    expand_kind,
)
from .checks import checked_genres, checked_records

if TYPE_CHECKING:
    from ..sandbox import Sandbox

__all__ = ["MAX_PAGES", "TMDB", "TMDB_API", "TMDB_RATE_LIMIT"]

TMDB_API = "https://api.themoviedb.org/3"
TMDB_RATE_LIMIT = 35.0  # requests/s; TMDB documents "somewhere in the 40 requests per second range"
MAX_PAGES = 500  # TMDB refuses page > 500 on list endpoints
_MAX_PAGES_WARNING = r".*\bmax_pages=\d+ reached"  # the paging layer's "stopped early" warning


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
        self.language = check_language(language)
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
        lang = check_language(language or self.language)
        key = (kind, lang)
        with self._genre_lock:
            if key not in self._genre_cache:
                path = f"genre/{kind}/list"
                body = self.client.get(path, {"language": lang})
                self._genre_cache[key] = checked_genres(body, f"GET {path}")
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

    def details(
        self,
        kind: Kind = "movie",
        ids: Any = (),
        *,
        append_to_response: str | Sequence[str] | None = None,
        language: str | None = None,
        errors: str = "raise",
        workers: int = 4,
        progress: bool | None = None,
        resume: Any = None,
        to: Any = None,
        collect: bool = True,
    ) -> pd.DataFrame:
        """Details of many movies (or TV shows) at once: one row per id, in the order of ``ids``.

        ``GET /movie/{id}`` for each id through :meth:`~bearerkit.Client.get_each`
        (concurrent, within the rate limit, duplicates fetched once). ``ids`` is a list,
        a Series, or a frame with an ``id`` column (what :meth:`discover` returns);
        ``append_to_response`` adds TMDB's sub-requests (``"credits,keywords"`` or a
        list) to each answer. ``errors="skip"`` leaves out ids TMDB no longer has (404),
        listed in ``attrs["each"]["failed"]``; ``to=``/``resume=`` stream to a folder.

        >>> tmdb.details("movie", movies, append_to_response="credits", errors="skip")  # doctest: +SKIP
        """
        kind = check_kind(kind)
        if isinstance(ids, pd.DataFrame):
            if "id" not in ids.columns:
                raise ValueError("details() takes ids, or a DataFrame with an 'id' column")
            ids = ids["id"]
        values = pd.Series(list(ids), name="id", dtype=object)
        extra = append_to_response
        if extra is not None and not isinstance(extra, str):
            extra = ",".join(extra)
        params = {"append_to_response": extra or None, "language": language}
        frame = self.client.get_each(
            f"{kind}/{{}}",
            values,
            params={k: v for k, v in params.items() if v is not None} or None,
            workers=workers,
            progress=progress,
            errors=errors,
            resume=resume,
            to=to,
            collect=collect,
        )
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            typed(frame, dates=[KINDS[kind].date])
        return frame

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
        if filters.get("language") is not None:
            check_language(filters["language"])  # before any request, not after the pages
        if filters.get("with_genres") is not None:
            filters["with_genres"] = self.genre_ids(filters["with_genres"], kind)
        path = f"discover/{kind}"
        with warnings.catch_warnings():
            # pages=N asks for the first N pages: stopping there is the request, not a loss
            # (the paging layer warns about max_pages; TMDB's 500-page cap still warns).
            warnings.filterwarnings("ignore", _MAX_PAGES_WARNING, UserWarning)
            try:
                records = self.client.paginate_records(
                    path,
                    filters,
                    record_path="results",
                    max_pages=min(pages, MAX_PAGES),
                    progress=progress,
                )
            except (RecordPathError, PagingError) as exc:
                # The caller named no record path or paginator: a page without 'results',
                # or with a total_pages that is no page count, is TMDB's answer being odd,
                # not the caller's mistake.
                failure = ResponseFormatError(
                    f"GET {path} answered a page that is not TMDB's shape ({exc}); expected "
                    "{'results': [...], 'total_pages': int}. Check the base URL."
                )
                failure.partial = exc.partial
                raise failure from None
        return checked_records(records, f"GET {path}")


def _short(language: str) -> str:
    """``"de-DE"`` → ``"de"``: the column suffix in :meth:`TMDB.genre_table`."""
    return language.split("-")[0].lower()
