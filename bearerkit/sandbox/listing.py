"""Discover-style listings: parse TMDB's query parameters, filter, sort and paginate.

Parsers raise :class:`BadQuery` carrying the TMDB error to answer with. Sorted
and filtered views are cached, so paging through a listing costs one slice per
request rather than a sort.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from bearerkit.sandbox import catalogue
from bearerkit.sandbox.messages import INVALID_PAGE, INVALID_PARAMS
from bearerkit.tmdb_kinds import FIRST_YEAR, KINDS, LAST_YEAR

PAGE_SIZE = 20
MAX_PAGE = 500

# sort_by names both kinds accept, each sorting on the record field of that name;
# the date sort's name and field differ per kind (tmdb_kinds.KINDS).
_SORT_SAME_NAME = ("popularity", "vote_average", "vote_count")
_INTEGER = re.compile(r"[0-9]{1,9}")

GenreFilter = tuple[frozenset[int], ...]  # AND of OR-groups


class BadQuery(ValueError):
    """A query parameter TMDB would refuse; ``entry`` is the TMDB error to send."""

    def __init__(self, entry: tuple[int, int, str]) -> None:
        super().__init__(entry[2])
        self.entry = entry


def parse_page(value: str | None) -> int:
    """Parse ``page``: default 1, an integer from 1 to 500 (TMDB's ceiling)."""
    if value is None:
        return 1
    if not _INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        raise BadQuery(INVALID_PAGE)
    return int(value)


def parse_sort(kind: str, value: str | None) -> tuple[str, bool]:
    """Parse ``sort_by`` (default ``popularity.desc``) into (record field, descending)."""
    name, _, direction = (value or "popularity.desc").partition(".")
    fields = KINDS[kind]
    field = name if name in _SORT_SAME_NAME else fields.date if name == fields.date_sort else None
    if field is None or direction not in ("asc", "desc"):
        raise BadQuery(INVALID_PARAMS)
    return field, direction == "desc"


def parse_genres(value: str | None) -> GenreFilter:
    """Parse ``with_genres``: comma means AND, pipe means OR (``28,12|35``)."""
    if value is None or value == "":
        return ()
    groups = []
    for group in value.split(","):
        ids = group.split("|")
        if not all(_INTEGER.fullmatch(i.strip()) for i in ids):
            raise BadQuery(INVALID_PARAMS)
        groups.append(frozenset(int(i) for i in ids))
    return tuple(groups)


def parse_year(value: str | None) -> int | None:
    """Parse a year filter (``primary_release_year`` / ``first_air_date_year``)."""
    if value is None or value == "":
        return None
    if not _INTEGER.fullmatch(value) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise BadQuery(INVALID_PARAMS)
    return int(value)


def discover_page(kind: str, query: dict[str, str]) -> dict[str, Any]:
    """Answer ``/3/discover/{kind}`` (and ``/3/movie/popular``) for a parsed query."""
    page = parse_page(query.get("page"))
    field, descending = parse_sort(kind, query.get("sort_by"))
    genres = parse_genres(query.get("with_genres"))
    year = parse_year(query.get(KINDS[kind].year_param))
    return page_of(filtered(kind, field, descending, genres, year), page)


def page_of(results: Sequence[Any], page: int, *, size: int = PAGE_SIZE) -> dict[str, Any]:
    """Return TMDB's page envelope for one page of ``results``, ``size`` to a page.

    ``total_pages`` counts every page (even past 500, which TMDB refuses to
    serve); an empty listing reports one page, as TMDB does today.
    """
    start = (page - 1) * size
    return {
        "page": page,
        "results": list(results[start : start + size]),
        "total_pages": max(1, math.ceil(len(results) / size)),
        "total_results": len(results),
    }


def _records(kind: str) -> tuple[dict[str, Any], ...]:
    return catalogue.movies() if kind == "movie" else catalogue.tv_shows()


@lru_cache(maxsize=16)
def _sorted(kind: str, field: str, descending: bool) -> tuple[dict[str, Any], ...]:
    """Sort by ``field``, ties broken by ascending id; missing dates always last."""
    records = _records(kind)  # already in id order, and sort() is stable
    present = [r for r in records if r[field] != ""]
    missing = [r for r in records if r[field] == ""]
    present.sort(key=lambda r: r[field], reverse=descending)  # reverse keeps ties stable
    return tuple(present + missing)


@lru_cache(maxsize=64)  # each entry holds up to 12,000 references
def filtered(
    kind: str, field: str, descending: bool, genres: GenreFilter, year: int | None
) -> tuple[dict[str, Any], ...]:
    """Return the sorted listing narrowed by genres (AND of OR-groups) and year."""
    date_field = KINDS[kind].date
    prefix = f"{year:04d}-" if year is not None else None
    return tuple(
        record
        for record in _sorted(kind, field, descending)
        if all(any(g in group for g in record["genre_ids"]) for group in genres)
        and (prefix is None or record[date_field].startswith(prefix))
    )
