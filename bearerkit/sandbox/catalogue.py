"""The sandbox's data: genre lists, image configuration and a generated catalogue.

Nothing runs at import time. The JSON files in ``data/`` are read, and the
catalogue generated, on first use and then kept in memory for the process.

The catalogue comes from a seeded :class:`random.Random` and the word lists in
``data/words.json``, using only integer draws and IEEE-exact float arithmetic
(``+ - * /`` and ``sqrt``), so it is identical on every run and machine. Awkward
records, each at 1-6 % and spread over the whole catalogue, mirror what real
TMDB data contains: null image paths, empty ``genre_ids``, non-ASCII original
titles, missing dates (``""``) and integer ``vote_average`` values (0 and 10).
"""

from __future__ import annotations

import binascii
import json
import math
import random
from collections.abc import Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from bearerkit.tmdb_kinds import KINDS

T = TypeVar("T")
Record = dict[str, Any]
_MOVIE, _TV = KINDS["movie"], KINDS["tv"]  # the field names each kind's records use

CATALOGUE_SEED = 20240601
# 600 pages of 20: more than TMDB's 500-page ceiling, so the ceiling is reachable.
MOVIE_COUNT = 12_000
TV_COUNT = 2_400

# Per-record probabilities of the awkward cases.
P_NO_POSTER = 0.03
P_NO_BACKDROP = 0.06
P_NO_GENRES = 0.02
P_NO_DATE = 0.02
P_ZERO_VOTES = 0.03  # vote_count 0 and vote_average 0, as TMDB shows unvoted titles
P_PERFECT_TEN = 0.015  # a handful of votes, all of them 10

_MOVIE_DATES = (date(1920, 1, 1).toordinal(), date(2025, 12, 31).toordinal())
_TV_DATES = (date(1950, 1, 1).toordinal(), date(2025, 12, 31).toordinal())


@cache
def load_json(name: str) -> Any:
    """Read and parse ``data/<name>`` from the package (cached)."""
    # One joinpath() step at a time: Python 3.10's Traversable takes a single name.
    path = resources.files("bearerkit.sandbox").joinpath("data").joinpath(name)
    return json.loads(path.read_text("utf-8"))


def primary_language(language: str | None) -> str:
    """Return the primary subtag of a language code: ``"de-DE"`` -> ``"de"``."""
    return (language or "en").split("-")[0].split("_")[0].strip().lower()


def genre_list(kind: str, language: str | None = None) -> list[dict[str, Any]]:
    """Return TMDB's genre list for ``kind`` ("movie" or "tv") in ``language``.

    Unknown languages fall back to English, as TMDB's do.

    >>> genre_list("movie", "de-DE")[1]
    {'id': 12, 'name': 'Abenteuer'}
    """
    table = load_json("genres.json")[kind]
    languages = table["languages"]
    entry = languages.get(primary_language(language), languages["en"])
    return [{"id": i, "name": n} for i, n in zip(table["ids"], entry["names"], strict=True)]


def configuration() -> dict[str, Any]:
    """Return the body of ``GET /3/configuration``."""
    config: dict[str, Any] = load_json("configuration.json")
    return config


@cache
def movies() -> tuple[Record, ...]:
    """Return the generated movies, in id order (generated once per process)."""
    rng = random.Random(CATALOGUE_SEED)
    return tuple(_movie(rng, movie_id) for movie_id in _ids(rng, MOVIE_COUNT, start=11))


@cache
def tv_shows() -> tuple[Record, ...]:
    """Return the generated TV shows, in id order (generated once per process)."""
    rng = random.Random(CATALOGUE_SEED + 1)
    return tuple(_tv_show(rng, tv_id) for tv_id in _ids(rng, TV_COUNT, start=1))


@cache
def movies_by_id() -> dict[int, Record]:
    """Return the movies keyed by id."""
    return {record["id"]: record for record in movies()}


@cache
def tv_by_id() -> dict[int, Record]:
    """Return the TV shows keyed by id."""
    return {record["id"]: record for record in tv_shows()}


def warm() -> None:
    """Load the data and generate the catalogue now, so the first request is not slow."""
    genre_list("movie")
    genre_list("tv")
    configuration()
    movies_by_id()
    tv_by_id()


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    """Like ``rng.choice`` but three times faster: one C-level ``random()`` call.

    The bias of ``int(u * n)`` is far below anything a test could notice, and the
    arithmetic is exact, so the result is still the same on every machine.
    """
    return items[int(rng.random() * len(items))]


def _ids(rng: random.Random, count: int, *, start: int) -> list[int]:
    ids, current = [], start
    for _ in range(count):
        ids.append(current)
        current += 1 + int(rng.random() * 80)  # sparse ids, like TMDB's
    return ids


def _common(
    rng: random.Random, record_id: int, genre_ids: list[int], dates: tuple[int, int]
) -> Record:
    """Draw the fields movies and TV shows share, in a fixed order."""
    no_genres = rng.random() < P_NO_GENRES
    chosen = [] if no_genres else _genres(rng, genre_ids)
    u = rng.random()
    u2 = u * u
    popularity = round(0.6 + 2500.0 * u2 * u2 * u2 + 40.0 * rng.random(), 3)
    votes_roll = rng.random()
    vote_average: float | int
    if votes_roll < P_ZERO_VOTES:
        vote_count, vote_average = 0, 0
    elif votes_roll < P_ZERO_VOTES + P_PERFECT_TEN:
        vote_count, vote_average = 1 + int(rng.random() * 3), 10
    else:
        v = rng.random()
        vote_count = 1 + int(30000.0 * v * v * v * v)
        mean = (rng.random() + rng.random() + rng.random()) / 3.0
        vote_average = json_number(round(3.0 + 6.5 * mean, 3))
    start, end = dates
    day = start + int((end - start) * math.sqrt(rng.random()))  # skewed towards recent years
    when = "" if rng.random() < P_NO_DATE else date.fromordinal(day).isoformat()
    return {
        "adult": False,
        "backdrop_path": None if rng.random() < P_NO_BACKDROP else _image_path(rng),
        "genre_ids": chosen,
        "id": record_id,
        "popularity": popularity,
        "poster_path": None if rng.random() < P_NO_POSTER else _image_path(rng),
        "vote_average": vote_average,
        "vote_count": vote_count,
        "_date": when,
    }


def _movie(rng: random.Random, movie_id: int) -> Record:
    words = load_json("words.json")
    base = _common(rng, movie_id, load_json("genres.json")["movie"]["ids"], _MOVIE_DATES)
    language = _language(rng, words)
    title = _english_title(rng, words)
    original = title if language == "en" else _native_title(rng, words["native"][language])
    return {
        "adult": base["adult"],
        "backdrop_path": base["backdrop_path"],
        "genre_ids": base["genre_ids"],
        "id": movie_id,
        "original_language": language,
        _MOVIE.original_title: original,
        "overview": _overview(rng, words),
        "popularity": base["popularity"],
        "poster_path": base["poster_path"],
        _MOVIE.date: base["_date"],
        _MOVIE.title: title,
        "video": rng.random() < 0.01,
        "vote_average": base["vote_average"],
        "vote_count": base["vote_count"],
    }


def _tv_show(rng: random.Random, tv_id: int) -> Record:
    words = load_json("words.json")
    base = _common(rng, tv_id, load_json("genres.json")["tv"]["ids"], _TV_DATES)
    language = _language(rng, words)
    name = _english_title(rng, words)
    original = name if language == "en" else _native_title(rng, words["native"][language])
    countries = [] if rng.random() < 0.01 else [_pick(rng, words["countries"][language])]
    return {
        "adult": base["adult"],
        "backdrop_path": base["backdrop_path"],
        _TV.date: base["_date"],
        "genre_ids": base["genre_ids"],
        "id": tv_id,
        _TV.title: name,
        "origin_country": countries,
        "original_language": language,
        _TV.original_title: original,
        "overview": _overview(rng, words),
        "popularity": base["popularity"],
        "poster_path": base["poster_path"],
        "vote_average": base["vote_average"],
        "vote_count": base["vote_count"],
    }


def json_number(value: float) -> float | int:
    """TMDB's JSON writes whole numbers without a fraction (10, not 10.0).

    >>> json_number(10.0), json_number(7.5)
    (10, 7.5)
    """
    return int(value) if value == int(value) else value


def _genres(rng: random.Random, genre_ids: list[int]) -> list[int]:
    """Draw one to three distinct genres."""
    count = _pick(rng, (1, 1, 2, 2, 2, 3, 3))
    chosen: list[int] = []
    while len(chosen) < count:
        genre = _pick(rng, genre_ids)
        if genre not in chosen:
            chosen.append(genre)
    return chosen


# TMDB's file names are alphanumeric: swap base64's '+' and '/' for letters.
_ALPHANUMERIC = bytes.maketrans(b"+/", b"Xz")


def _image_path(rng: random.Random) -> str:
    # 21 random bytes make 28 base64 characters, of which TMDB's names use 27.
    text = binascii.b2a_base64(rng.randbytes(21), newline=False).translate(_ALPHANUMERIC)
    return f"/{text[:27].decode('ascii')}.jpg"


def _language(rng: random.Random, words: dict[str, Any]) -> str:
    roll = int(rng.random() * 100)
    for code, weight in words["languages"]:
        if roll < weight:
            return str(code)
        roll -= weight
    return "en"


def _english_title(rng: random.Random, words: dict[str, Any]) -> str:
    en = words["en"]
    return str(
        _pick(rng, en["title_patterns"]).format(
            adj=_pick(rng, en["adjectives"]),
            noun=_pick(rng, en["nouns"]),
            noun2=_pick(rng, en["nouns"]),
            roman=_pick(rng, en["roman"]),
        )
    )


def _native_title(rng: random.Random, parts: dict[str, list[str]]) -> str:
    joiner = _pick(rng, parts["joiners"]) if "joiners" in parts else " "
    return f"{_pick(rng, parts['first'])}{joiner}{_pick(rng, parts['second'])}"


def _overview(rng: random.Random, words: dict[str, Any]) -> str:
    en = words["en"]
    if rng.random() < 0.02:
        return ""  # TMDB has titles nobody has described yet
    name, role = _pick(rng, en["first_names"]), _pick(rng, en["roles"])
    article = "an" if role[0] in "aeiou" else "a"
    return f"{name}, {article} {role}, {_pick(rng, en['goals'])} in {_pick(rng, en['places'])}."
