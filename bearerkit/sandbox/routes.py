"""The TMDB v3 endpoints the sandbox answers, behind the bearer check.

Each handler takes the request and the regex match of its path and returns a
:class:`Reply`. A path that no route matches, or a method a path does not
take, gets TMDB's 404 (status_code 34), as TMDB itself answers.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
from collections.abc import Callable
from typing import Any

from bearerkit.sandbox import catalogue, listing
from bearerkit.sandbox.messages import (
    CREATED,
    DELETED,
    INVALID_PARAMS,
    NOT_FOUND,
    SUCCESS,
    UPDATED,
    VALUE_INVALID,
    VALUE_TOO_HIGH,
    VALUE_TOO_LOW,
    Reply,
    Request,
    json_reply,
    tmdb_error,
    tmdb_success,
)
from bearerkit.tmdb_kinds import KINDS

Handler = Callable[["TmdbApi", Request, "re.Match[str]"], Reply]

_STATUSES = ("Released", "Released", "Released", "Released", "Post Production")


class TmdbApi:
    """TMDB's v3 routes over the shared catalogue, plus this sandbox's own ratings."""

    def __init__(self) -> None:
        self._ratings: dict[int, float] = {}
        self._ratings_lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        """Route an authenticated ``/3/...`` request."""
        for method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is not None and method == request.method:
                try:
                    return handler(self, request, match)
                except listing.BadQuery as bad:
                    return tmdb_error(bad.entry)
        return tmdb_error(NOT_FOUND)

    def authentication(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/authentication``: the credential is valid (the check already passed)."""
        return tmdb_success(SUCCESS)

    def configuration(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/configuration``: image base URLs and sizes, change keys."""
        return json_reply(200, catalogue.configuration())

    def genres(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/genre/{movie|tv}/list``."""
        return json_reply(
            200, {"genres": catalogue.genre_list(match[1], request.query.get("language"))}
        )

    def discover(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/discover/{movie|tv}``."""
        return json_reply(200, listing.discover_page(match[1], request.query))

    def popular(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/movie/popular``: discover/movie by popularity, other filters ignored."""
        page = listing.parse_page(request.query.get("page"))
        ranked = listing.filtered("movie", "popularity", True, (), None)
        return json_reply(200, listing.page_of(ranked, page))

    def movie(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/movie/{id}``: details, genres named in the requested language."""
        record = _movie_record(match[1])
        if record is None:
            return tmdb_error(NOT_FOUND)
        return json_reply(200, movie_details(record, request.query.get("language")))

    def tv(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/tv/{id}``: a TV show's details, genres named in the requested language."""
        record = _record(catalogue.tv_by_id(), match[1])
        if record is None:
            return tmdb_error(NOT_FOUND)
        return json_reply(200, tv_details(record, request.query.get("language")))

    def rate(self, request: Request, match: re.Match[str]) -> Reply:
        """``POST /3/movie/{id}/rating`` with ``{"value": 0.5..10.0}``."""
        record = _movie_record(match[1])
        if record is None:
            return tmdb_error(NOT_FOUND)
        value = _rating_value(request.body)
        if isinstance(value, Reply):
            return value
        with self._ratings_lock:
            existed = record["id"] in self._ratings
            self._ratings[record["id"]] = value
        return tmdb_success(UPDATED if existed else CREATED)

    def unrate(self, request: Request, match: re.Match[str]) -> Reply:
        """``DELETE /3/movie/{id}/rating`` (succeeds whether or not it was rated)."""
        record = _movie_record(match[1])
        if record is None:
            return tmdb_error(NOT_FOUND)
        with self._ratings_lock:
            self._ratings.pop(record["id"], None)
        return tmdb_success(DELETED)

    def rated_movies(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /3/account/{id}/rated/movies``: this sandbox's ratings, oldest first."""
        page = listing.parse_page(request.query.get("page"))
        with self._ratings_lock:
            ratings = list(self._ratings.items())
        by_id = catalogue.movies_by_id()
        rated = [
            {**by_id[movie_id], "rating": catalogue.json_number(value)}
            for movie_id, value in ratings
        ]
        return json_reply(200, listing.page_of(rated, page))


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"/3/authentication"), TmdbApi.authentication),
    ("GET", re.compile(r"/3/configuration"), TmdbApi.configuration),
    ("GET", re.compile(r"/3/genre/(movie|tv)/list"), TmdbApi.genres),
    ("GET", re.compile(r"/3/discover/(movie|tv)"), TmdbApi.discover),
    ("GET", re.compile(r"/3/movie/popular"), TmdbApi.popular),
    ("GET", re.compile(r"/3/movie/([^/]+)"), TmdbApi.movie),
    ("GET", re.compile(r"/3/tv/([^/]+)"), TmdbApi.tv),
    ("POST", re.compile(r"/3/movie/([^/]+)/rating"), TmdbApi.rate),
    ("DELETE", re.compile(r"/3/movie/([^/]+)/rating"), TmdbApi.unrate),
    ("GET", re.compile(r"/3/account/([^/]+)/rated/movies"), TmdbApi.rated_movies),
]


def _movie_record(raw_id: str) -> dict[str, Any] | None:
    return _record(catalogue.movies_by_id(), raw_id)


def _record(by_id: dict[int, dict[str, Any]], raw_id: str) -> dict[str, Any] | None:
    if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 9:
        return None  # TMDB answers 404 for ids that are not integers
    return by_id.get(int(raw_id))


def _rating_value(body: bytes) -> float | Reply:
    """Parse and check a rating body; return the value or TMDB's error reply."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        return tmdb_error(INVALID_PARAMS)
    value = payload.get("value") if isinstance(payload, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return tmdb_error(INVALID_PARAMS)
    if value <= 0:
        return tmdb_error(VALUE_TOO_LOW)
    if value > 10:
        return tmdb_error(VALUE_TOO_HIGH)
    if value * 2 != math.floor(value * 2):
        return tmdb_error(VALUE_INVALID)
    return float(value)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # json.loads would otherwise accept NaN/Infinity


def movie_details(record: dict[str, Any], language: str | None) -> dict[str, Any]:
    """Return ``GET /3/movie/{id}``'s body; extra fields are derived from the id alone."""
    rng = random.Random(record["id"] * 7919 + catalogue.CATALOGUE_SEED)
    names = {g["id"]: g["name"] for g in catalogue.genre_list("movie", language)}
    budget = 0 if rng.random() < 0.4 else 1_000_000 * (1 + int(rng.random() * 200))
    revenue = 0 if budget == 0 else int(budget * rng.random() * 4)
    released = record[KINDS["movie"].date] != ""
    words = catalogue.load_json("words.json")
    details = {key: value for key, value in record.items() if key != "genre_ids"}
    details.update(
        belongs_to_collection=None,
        budget=budget,
        genres=[{"id": g, "name": names[g]} for g in record["genre_ids"]],
        homepage="",
        imdb_id=f"tt{1_000_000 + record['id']:07d}",
        revenue=revenue,
        runtime=(70 + int(rng.random() * 100)) if released else 0,
        status=_STATUSES[int(rng.random() * len(_STATUSES))] if released else "In Production",
        tagline=words["taglines"][int(rng.random() * len(words["taglines"]))],
    )
    return dict(sorted(details.items()))


def tv_details(record: dict[str, Any], language: str | None) -> dict[str, Any]:
    """Return ``GET /3/tv/{id}``'s body; extra fields are derived from the id alone."""
    rng = random.Random(record["id"] * 7927 + catalogue.CATALOGUE_SEED)
    names = {g["id"]: g["name"] for g in catalogue.genre_list("tv", language)}
    aired = record[KINDS["tv"].date] != ""
    seasons = 1 + int(rng.random() * 8) if aired else 0
    ended = aired and rng.random() < 0.5
    details = {key: value for key, value in record.items() if key != "genre_ids"}
    details.update(
        created_by=[],
        episode_run_time=[20 + int(rng.random() * 40)] if aired else [],
        genres=[{"id": g, "name": names[g]} for g in record["genre_ids"]],
        homepage="",
        in_production=not ended,
        number_of_episodes=seasons * (6 + int(rng.random() * 18)),
        number_of_seasons=seasons,
        status="Ended" if ended else ("Returning Series" if aired else "In Production"),
        type="Scripted",
    )
    return dict(sorted(details.items()))
