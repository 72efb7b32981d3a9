"""The sandbox's TMDB endpoints, over real HTTP on 127.0.0.1 with plain ``requests``.

Faults, rate limiting and malformed requests: test_faults.py. OAuth: test_oauth.py.
bearerkit.Client against the sandbox: test_client.py.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import subprocess
import sys
from typing import Any

import pytest
import requests

from bearerkit import sandbox
from bearerkit.sandbox import catalogue

from ..conftest import INVALID_KEY, INVALID_PARAMS, MOVIE_GENRE_IDS, NOT_FOUND, TV_GENRE_IDS
from .conftest import CANARY

MOVIE_FIELDS = {
    "adult", "backdrop_path", "genre_ids", "id", "original_language", "original_title", "overview",
    "popularity", "poster_path", "release_date", "title", "video", "vote_average", "vote_count",
}  # fmt: skip
TV_FIELDS = {
    "adult", "backdrop_path", "genre_ids", "id", "origin_country", "original_language",
    "original_name", "overview", "popularity", "poster_path", "first_air_date", "name",
    "vote_average", "vote_count",
}  # fmt: skip
INVALID_PAGE = {
    "success": False,
    "status_code": 22,
    "status_message": "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
}


def get(http: requests.Session, sb: sandbox.Sandbox, path: str, **params: Any) -> requests.Response:
    return http.get(f"{sb.url}{path}", params=params, timeout=10)


def answer(
    http: requests.Session, sb: sandbox.Sandbox, path: str, **params: Any
) -> tuple[int, Any]:
    """(status, JSON body) of one GET, for tables of refusals."""
    response = get(http, sb, path, **params)
    return response.status_code, response.json()


def ok(http: requests.Session, sb: sandbox.Sandbox, path: str, **params: Any) -> Any:
    response = get(http, sb, path, **params)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    return response.json()


# --- package surface ---------------------------------------------------------------


def test_exports_exactly_the_public_api() -> None:
    assert sandbox.__all__ == ["Sandbox", "serve_forever_cli", "start"]
    assert all(callable(getattr(sandbox, name)) for name in sandbox.__all__)


def test_importing_loads_no_data() -> None:
    code = (
        "import sys, bearerkit\n"
        "print('bearerkit.sandbox.catalogue' in sys.modules)\n"
        "import bearerkit.sandbox\n"
        "from bearerkit.sandbox import catalogue as c\n"
        "print(c.load_json.cache_info().currsize, c.movies.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["False", "0", "0"]


def test_urls_follow_the_port(sb: sandbox.Sandbox) -> None:
    assert sb.root_url == f"http://127.0.0.1:{sb.port}"
    assert sb.url == f"{sb.root_url}/3"
    assert sb.token_url == f"{sb.root_url}/oauth/token"
    assert sb.port > 0


def test_repr_shows_the_url_but_no_secret(sb: sandbox.Sandbox) -> None:
    for text in (repr(sb), str(sb)):
        assert sb.url in text
        assert CANARY not in text
        assert sb.client_secret not in text


def test_generated_tokens_are_jwt_shaped_and_fresh() -> None:
    with sandbox.start() as one, sandbox.start() as two:
        assert one.token != two.token
        assert one.client_secret != two.client_secret
        for token in (one.token, two.token):
            header, payload, signature = token.split(".")
            assert token.startswith("eyJ")
            assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256"}
            assert json.loads(base64.urlsafe_b64decode(payload + "=="))["scopes"] == ["api_read"]
            assert re.fullmatch(r"[A-Za-z0-9_-]{43}", signature)


# --- authentication ------------------------------------------------------------------


def test_authentication_succeeds_with_the_token(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    assert ok(http, sb, "/authentication") == {
        "success": True,
        "status_code": 1,
        "status_message": "Success.",
    }


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        CANARY,  # the token without the scheme
        f"Bearer {CANARY}x",
        f"Bearer {CANARY[:-1]}",
    ],
    ids=["missing", "wrong", "empty", "basic", "no-scheme", "longer", "shorter"],
)
def test_bad_credentials_get_tmdb_401(sb: sandbox.Sandbox, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = requests.get(f"{sb.url}/authentication", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == INVALID_KEY


def test_scheme_is_case_insensitive(sb: sandbox.Sandbox) -> None:
    response = requests.get(
        f"{sb.url}/authentication", headers={"Authorization": f"bearer {CANARY}"}, timeout=10
    )
    assert response.status_code == 200


def test_auth_is_checked_before_routing(http: requests.Session, sb: sandbox.Sandbox) -> None:
    anonymous = requests.get(f"{sb.url}/no/such/path", timeout=10)
    assert (anonymous.status_code, anonymous.json()) == (401, INVALID_KEY)
    assert answer(http, sb, "/no/such/path") == (404, NOT_FOUND)


@pytest.mark.parametrize("path", ["/5/list/1", "/30/genre/movie/list", "/stylesheet", "/"])
def test_paths_outside_the_api_roots_are_not_found(
    http: requests.Session, sb: sandbox.Sandbox, path: str
) -> None:
    response = http.get(f"{sb.root_url}{path}", timeout=10)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("root", ["/3/", "/4/list/1", "/styles/github/items", "/ratelimit/x"])
def test_every_api_root_wants_the_token(sb: sandbox.Sandbox, root: str) -> None:
    response = requests.get(f"{sb.root_url}{root}", timeout=10)
    assert (response.status_code, response.json()) == (401, INVALID_KEY)


def test_root_urls_of_the_other_apis(sb: sandbox.Sandbox) -> None:
    assert sb.v4_url == f"{sb.root_url}/4"
    assert sb.styles_url == f"{sb.root_url}/styles"
    assert sb.ratelimit_url == f"{sb.root_url}/ratelimit"


def test_wrong_method_on_a_known_path_is_not_found(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    response = http.put(f"{sb.url}/configuration", json={}, timeout=10)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- genres --------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "ids"), [("movie", MOVIE_GENRE_IDS), ("tv", TV_GENRE_IDS)])
def test_genre_ids_in_tmdb_order(
    http: requests.Session, sb: sandbox.Sandbox, kind: str, ids: list[int]
) -> None:
    body = ok(http, sb, f"/genre/{kind}/list")
    assert list(body) == ["genres"]
    assert [g["id"] for g in body["genres"]] == ids
    assert all(set(g) == {"id", "name"} and g["name"] for g in body["genres"])


@pytest.mark.parametrize(
    ("kind", "language", "genre_id", "name"),
    [
        ("movie", None, 878, "Science Fiction"),
        ("movie", "en-US", 10770, "TV Movie"),
        ("movie", "de", 10749, "Liebesfilm"),
        ("movie", "de-DE", 12, "Abenteuer"),
        ("movie", "fr-FR", 10770, "Téléfilm"),
        ("movie", "es", 53, "Suspense"),
        ("movie", "es-MX", 27, "Terror"),
        ("movie", "ja", 12, "アドベンチャー"),
        ("movie", "ja-JP", 36, "履歴"),
        ("tv", "en", 10765, "Sci-Fi & Fantasy"),
        ("tv", "de-DE", 35, "Komödie"),
        ("tv", "fr", 10765, "Science-Fiction & Fantastique"),
        ("tv", "es", 80, "Crimen"),
        ("tv", "ja", 16, "アニメーション"),
        ("movie", "xx-YY", 12, "Adventure"),  # unknown languages fall back to English
        ("tv", "pt-BR", 10762, "Kids"),
        ("movie", "", 35, "Comedy"),
    ],
)
def test_genre_names_per_language(
    http: requests.Session,
    sb: sandbox.Sandbox,
    kind: str,
    language: str | None,
    genre_id: int,
    name: str,
) -> None:
    params = {"language": language} if language is not None else {}
    genres = ok(http, sb, f"/genre/{kind}/list", **params)["genres"]
    assert {g["id"]: g["name"] for g in genres}[genre_id] == name
    assert [g["id"] for g in genres] == (MOVIE_GENRE_IDS if kind == "movie" else TV_GENRE_IDS)


def test_every_language_names_every_genre_and_marks_what_is_confirmed() -> None:
    data = catalogue.load_json("genres.json")
    for kind in ("movie", "tv"):
        ids = data[kind]["ids"]
        languages = data[kind]["languages"]
        assert {"en", "de", "fr", "es", "ja"} <= set(languages)
        for entry in languages.values():
            assert len(entry["names"]) == len(ids) and all(entry["names"])
            assert set(entry["confirmed_ids"]) <= set(ids)
            assert entry["source"]
    # The Spanish and Japanese TV lists were not seen in recorded responses.
    assert set(data["tv"]["languages"]["ja"]["confirmed_ids"]) != set(data["tv"]["ids"])
    assert set(data["tv"]["languages"]["es"]["confirmed_ids"]) != set(data["tv"]["ids"])


# --- pagination ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["0", "501", "abc", "-1", "1.5", "", " 2", "1e2", "99999999999"])
@pytest.mark.parametrize("path", ["/discover/movie", "/discover/tv", "/movie/popular"])
def test_bad_pages_get_status_22(
    http: requests.Session, sb: sandbox.Sandbox, path: str, page: str
) -> None:
    assert answer(http, sb, path, page=page) == (400, INVALID_PAGE)


@pytest.mark.parametrize(
    ("path", "records"),
    [("/discover/movie", catalogue.movies), ("/discover/tv", catalogue.tv_shows)],
)
def test_page_envelope_counts_the_whole_catalogue(
    http: requests.Session, sb: sandbox.Sandbox, path: str, records: Any
) -> None:
    first = ok(http, sb, path)
    assert list(first) == ["page", "results", "total_pages", "total_results"]
    assert first["page"] == 1 and len(first["results"]) == 20
    assert first["total_results"] == len(records())
    assert first["total_pages"] == math.ceil(len(records()) / 20)
    assert ok(http, sb, path, page="2")["page"] == 2


def test_total_pages_may_exceed_the_500_page_ceiling(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    first = ok(http, sb, "/discover/movie")
    assert first["total_pages"] > 500
    assert len(ok(http, sb, "/discover/movie", page="500")["results"]) == 20
    assert get(http, sb, "/discover/movie", page="501").status_code == 400


def test_pages_past_the_last_are_empty(http: requests.Session, sb: sandbox.Sandbox) -> None:
    first = ok(http, sb, "/discover/tv", with_genres="10762,10763")
    assert first["total_pages"] < 500
    beyond = ok(
        http, sb, "/discover/tv", with_genres="10762,10763", page=str(first["total_pages"] + 1)
    )
    assert beyond["results"] == [] and beyond["total_results"] == first["total_results"]


def test_empty_listing_reports_one_page(http: requests.Session, sb: sandbox.Sandbox) -> None:
    body = ok(http, sb, "/discover/movie", with_genres="424242")
    assert body == {"page": 1, "results": [], "total_pages": 1, "total_results": 0}


def test_pages_tile_the_listing_without_overlap(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    pages = [ok(http, sb, "/discover/movie", page=str(n))["results"] for n in (1, 2, 3)]
    ids = [record["id"] for page in pages for record in page]
    assert len(ids) == len(set(ids)) == 60


# --- filters and sorting ---------------------------------------------------------------


def _walk(
    http: requests.Session, sb: sandbox.Sandbox, path: str, pages: int = 3, **params: Any
) -> list[dict[str, Any]]:
    return [
        r for n in range(1, pages + 1) for r in ok(http, sb, path, page=str(n), **params)["results"]
    ]


def test_comma_means_every_genre(http: requests.Session, sb: sandbox.Sandbox) -> None:
    body = ok(http, sb, "/discover/movie", with_genres="28,12")
    expected = [m for m in catalogue.movies() if {28, 12} <= set(m["genre_ids"])]
    assert body["total_results"] == len(expected) > 0
    assert all(
        {28, 12} <= set(r["genre_ids"])
        for r in _walk(http, sb, "/discover/movie", with_genres="28,12")
    )


def test_pipe_means_any_genre(http: requests.Session, sb: sandbox.Sandbox) -> None:
    body = ok(http, sb, "/discover/movie", with_genres="28|12")
    expected = [m for m in catalogue.movies() if {28, 12} & set(m["genre_ids"])]
    assert body["total_results"] == len(expected)
    only_28 = ok(http, sb, "/discover/movie", with_genres="28")["total_results"]
    assert body["total_results"] > only_28
    assert all(
        {28, 12} & set(r["genre_ids"])
        for r in _walk(http, sb, "/discover/movie", with_genres="28|12")
    )


def test_comma_and_pipe_combine(http: requests.Session, sb: sandbox.Sandbox) -> None:
    results = _walk(http, sb, "/discover/tv", with_genres="18,10765|10759")
    assert results
    assert all(18 in r["genre_ids"] and {10765, 10759} & set(r["genre_ids"]) for r in results)


@pytest.mark.parametrize("value", ["abc", "28,", "28||12", "28;12"])
def test_malformed_genre_filters_are_refused(
    http: requests.Session, sb: sandbox.Sandbox, value: str
) -> None:
    assert answer(http, sb, "/discover/movie", with_genres=value) == (400, INVALID_PARAMS)


@pytest.mark.parametrize(
    ("path", "sort_by", "field"),
    [
        ("/discover/movie", "popularity.desc", "popularity"),
        ("/discover/movie", "popularity.asc", "popularity"),
        ("/discover/movie", "vote_average.desc", "vote_average"),
        ("/discover/movie", "vote_average.asc", "vote_average"),
        ("/discover/movie", "primary_release_date.desc", "release_date"),
        ("/discover/movie", "primary_release_date.asc", "release_date"),
        ("/discover/tv", "first_air_date.desc", "first_air_date"),
        ("/discover/tv", "first_air_date.asc", "first_air_date"),
        ("/discover/tv", "vote_average.desc", "vote_average"),
    ],
)
def test_sort_by_orders_results_with_id_tiebreak(
    http: requests.Session, sb: sandbox.Sandbox, path: str, sort_by: str, field: str
) -> None:
    results = _walk(http, sb, path, sort_by=sort_by)
    descending = sort_by.endswith(".desc")
    keys = [r[field] for r in results]
    assert keys == sorted(keys, reverse=descending)
    assert "" not in keys  # missing dates sort last, not first
    for before, after in itertools.pairwise(results):
        if before[field] == after[field]:
            assert before["id"] < after["id"]


def test_missing_dates_come_last(http: requests.Session, sb: sandbox.Sandbox) -> None:
    first = ok(http, sb, "/discover/tv", sort_by="first_air_date.asc")
    last = ok(
        http, sb, "/discover/tv", sort_by="first_air_date.asc", page=str(first["total_pages"])
    )
    assert last["results"] and all(r["first_air_date"] == "" for r in last["results"])


def test_default_sort_is_popularity_desc(http: requests.Session, sb: sandbox.Sandbox) -> None:
    assert ok(http, sb, "/discover/movie") == ok(
        http, sb, "/discover/movie", sort_by="popularity.desc"
    )


@pytest.mark.parametrize(
    ("path", "sort_by"),
    [
        ("/discover/movie", "rating.desc"),
        ("/discover/movie", "popularity"),
        ("/discover/movie", "popularity.up"),
        ("/discover/movie", "first_air_date.desc"),
        ("/discover/tv", "primary_release_date.desc"),
    ],
)
def test_unknown_sort_by_is_refused(
    http: requests.Session, sb: sandbox.Sandbox, path: str, sort_by: str
) -> None:
    assert answer(http, sb, path, sort_by=sort_by) == (400, INVALID_PARAMS)


@pytest.mark.parametrize(
    ("path", "param", "field"),
    [
        ("/discover/movie", "primary_release_year", "release_date"),
        ("/discover/tv", "first_air_date_year", "first_air_date"),
    ],
)
def test_year_filter(
    http: requests.Session, sb: sandbox.Sandbox, path: str, param: str, field: str
) -> None:
    records = catalogue.movies() if path.endswith("movie") else catalogue.tv_shows()
    body = ok(http, sb, path, **{param: "2015"})
    assert body["total_results"] == sum(r[field].startswith("2015-") for r in records) > 0
    assert all(
        r[field].startswith("2015-") for r in _walk(http, sb, path, pages=2, **{param: "2015"})
    )
    assert answer(http, sb, path, **{param: "last year"}) == (400, INVALID_PARAMS)


def test_language_is_accepted_on_lists(http: requests.Session, sb: sandbox.Sandbox) -> None:
    assert (
        ok(http, sb, "/discover/movie", language="de-DE")["results"]
        == ok(http, sb, "/discover/movie")["results"]
    )


def test_popular_is_discover_by_popularity(http: requests.Session, sb: sandbox.Sandbox) -> None:
    for page in ("1", "7"):
        assert ok(http, sb, "/movie/popular", page=page) == ok(
            http, sb, "/discover/movie", sort_by="popularity.desc", page=page
        )


# --- catalogue ---------------------------------------------------------------------


def test_catalogue_is_large_and_has_tmdb_fields(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    assert ok(http, sb, "/discover/movie")["total_results"] >= 10_000
    assert ok(http, sb, "/discover/tv")["total_results"] >= 2_000
    assert all(
        set(r) == MOVIE_FIELDS for r in ok(http, sb, "/discover/movie", page="321")["results"]
    )
    tv = ok(http, sb, "/discover/tv", page="42")["results"]
    assert all(set(r) == TV_FIELDS for r in tv)
    assert all(isinstance(r["origin_country"], list) for r in tv)


@pytest.mark.parametrize("records", [catalogue.movies, catalogue.tv_shows], ids=["movies", "tv"])
def test_record_values_are_well_typed(records: Any) -> None:
    genre_ids = set(MOVIE_GENRE_IDS if records is catalogue.movies else TV_GENRE_IDS)
    items = records()
    assert len({r["id"] for r in items}) == len(items)
    date_field = "release_date" if records is catalogue.movies else "first_air_date"
    for record in items:
        assert set(record["genre_ids"]) <= genre_ids
        assert (
            isinstance(record["vote_average"], (int, float)) and 0 <= record["vote_average"] <= 10
        )
        assert isinstance(record["vote_count"], int) and record["vote_count"] >= 0
        assert record[date_field] == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", record[date_field])
        for key in ("poster_path", "backdrop_path"):
            assert record[key] is None or re.fullmatch(r"/[A-Za-z0-9]{27}\.jpg", record[key])


AWKWARD = {
    "null poster": lambda r: r["poster_path"] is None,
    "null backdrop": lambda r: r["backdrop_path"] is None,
    "no genres": lambda r: r["genre_ids"] == [],
    "missing date": lambda r: r.get("release_date", r.get("first_air_date")) == "",
    "integer vote_average": lambda r: type(r["vote_average"]) is int,
    "vote_average 0": lambda r: r["vote_average"] == 0 and type(r["vote_average"]) is int,
    "vote_average 10": lambda r: r["vote_average"] == 10 and type(r["vote_average"]) is int,
    "non-ASCII original title": lambda r: (
        not r.get("original_title", r.get("original_name", "")).isascii()
    ),
}


@pytest.mark.parametrize("case", list(AWKWARD))
@pytest.mark.parametrize("records", [catalogue.movies, catalogue.tv_shows], ids=["movies", "tv"])
def test_awkward_cases_are_at_least_one_percent_everywhere(records: Any, case: str) -> None:
    ranked = sorted(records(), key=lambda r: -r["popularity"])
    assert sum(map(AWKWARD[case], ranked)) >= len(ranked) / 100
    fifth = len(ranked) // 5
    for start in range(0, fifth * 5, fifth):  # spread through the whole popularity ranking
        assert any(map(AWKWARD[case], ranked[start : start + fifth])), (case, start)


def test_original_titles_include_japanese_umlauts_and_accents() -> None:
    titles = [m["original_title"] for m in catalogue.movies()]
    for pattern in (r"[\u3040-\u30ff\u4e00-\u9fff]", r"[äöüß]", r"[éèêàâç]"):
        assert sum(bool(re.search(pattern, t)) for t in titles) >= len(titles) / 100, pattern


def _fingerprint(url: str, token: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    paths = [
        "/discover/movie?page=1",
        "/discover/movie?page=499",
        "/discover/tv?page=77&sort_by=vote_average.asc",
        "/movie/popular?page=3",
    ]
    return [requests.get(f"{url}{p}", headers=headers, timeout=10).text for p in paths]


def test_two_sandboxes_serve_identical_data(sb: sandbox.Sandbox) -> None:
    with sandbox.start() as other:
        assert _fingerprint(sb.url, CANARY) == _fingerprint(other.url, other.token)
        movie_id = catalogue.movies()[1234]["id"]
        details = [
            requests.get(
                f"{s.url}/movie/{movie_id}", headers={"Authorization": f"Bearer {t}"}, timeout=10
            ).json()
            for s, t in ((sb, CANARY), (other, other.token))
        ]
        assert details[0] == details[1]


def test_catalogue_is_identical_in_a_fresh_interpreter() -> None:
    code = (
        "import hashlib, json\n"
        "from bearerkit.sandbox import catalogue as c\n"
        "data = json.dumps([c.movies(), c.tv_shows()], sort_keys=True, ensure_ascii=False)\n"
        "print(hashlib.sha256(data.encode()).hexdigest())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    here = json.dumps(
        [catalogue.movies(), catalogue.tv_shows()], sort_keys=True, ensure_ascii=False
    )
    assert out.stdout.strip() == hashlib.sha256(here.encode()).hexdigest()


# --- movie details -------------------------------------------------------------------


def test_movie_details_have_named_genres(http: requests.Session, sb: sandbox.Sandbox) -> None:
    record = next(m for m in catalogue.movies() if len(m["genre_ids"]) >= 2)
    details = ok(http, sb, f"/movie/{record['id']}", language="de-DE")
    german = {g["id"]: g["name"] for g in catalogue.genre_list("movie", "de")}
    assert details["genres"] == [{"id": g, "name": german[g]} for g in record["genre_ids"]]
    assert "genre_ids" not in details
    for key in MOVIE_FIELDS - {"genre_ids"}:
        assert details[key] == record[key]
    for key, kind in (
        ("runtime", int),
        ("budget", int),
        ("revenue", int),
        ("status", str),
        ("tagline", str),
    ):
        assert isinstance(details[key], kind), key
    assert details == ok(http, sb, f"/movie/{record['id']}", language="de")  # deterministic


def test_movie_details_default_to_english(http: requests.Session, sb: sandbox.Sandbox) -> None:
    record = next(m for m in catalogue.movies() if 878 in m["genre_ids"])
    names = [g["name"] for g in ok(http, sb, f"/movie/{record['id']}")["genres"]]
    assert "Science Fiction" in names


@pytest.mark.parametrize("movie_id", ["1", "999999999", "abc", "-5", "12.0", "%E4%B8%80"])
def test_unknown_or_malformed_movie_ids_are_404(
    http: requests.Session, sb: sandbox.Sandbox, movie_id: str
) -> None:
    assert not any(m["id"] == 1 for m in catalogue.movies())
    assert answer(http, sb, f"/movie/{movie_id}") == (404, NOT_FOUND)


def test_tv_details_have_named_genres_and_seasons(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    record = next(t for t in catalogue.tv_shows() if t["first_air_date"] and t["genre_ids"])
    details = ok(http, sb, f"/tv/{record['id']}", language="de")
    german = {g["id"]: g["name"] for g in catalogue.genre_list("tv", "de")}
    assert details["genres"] == [{"id": g, "name": german[g]} for g in record["genre_ids"]]
    assert "genre_ids" not in details
    assert details["name"] == record["name"] and details["id"] == record["id"]
    assert details["number_of_seasons"] >= 1 and details["number_of_episodes"] >= 6
    assert details["status"] in {"Ended", "Returning Series"}
    assert details == ok(http, sb, f"/tv/{record['id']}", language="de")  # deterministic


@pytest.mark.parametrize("tv_id", ["999999999", "abc", "-5"])
def test_unknown_or_malformed_tv_ids_are_404(
    http: requests.Session, sb: sandbox.Sandbox, tv_id: str
) -> None:
    assert answer(http, sb, f"/tv/{tv_id}") == (404, NOT_FOUND)


# --- configuration -------------------------------------------------------------------


def test_configuration_has_tmdb_image_settings(http: requests.Session, sb: sandbox.Sandbox) -> None:
    body = ok(http, sb, "/configuration")
    images = body["images"]
    assert images["secure_base_url"] == "https://image.tmdb.org/t/p/"
    assert images["base_url"] == "http://image.tmdb.org/t/p/"
    assert images["poster_sizes"] == ["w92", "w154", "w185", "w342", "w500", "w780", "original"]
    assert images["backdrop_sizes"] == ["w300", "w780", "w1280", "original"]
    for key in ("logo_sizes", "profile_sizes", "still_sizes"):
        assert "original" in images[key]
    assert "genres" in body["change_keys"] and len(body["change_keys"]) > 20
