"""Shape checks (bearerkit.tmdb.checks): a loopback server answering what TMDB never should."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

import bearerkit as bk
from bearerkit.tmdb import TMDB

from ..conftest import FAKE_TOKEN

PAGE = {"page": 1, "total_pages": 1, "total_results": 1}
RECORD = {"id": 1, "title": "A", "release_date": "2001-02-03", "genre_ids": [28]}


@pytest.fixture
def odd(httpserver: HTTPServer) -> TMDB:
    """A TMDB connection to a server that answers correct genres unless a test says otherwise."""
    for kind, names in (("movie", {28: "Action"}), ("tv", {10759: "Action & Adventure"})):
        genres = [{"id": i, "name": n} for i, n in names.items()]
        httpserver.expect_request(f"/3/genre/{kind}/list").respond_with_json({"genres": genres})
    return TMDB(bk.Client(httpserver.url_for("/3"), FAKE_TOKEN, retries=0))


def answer(httpserver: HTTPServer, path: str, body: object) -> None:
    # One-shot handlers are consulted before permanent ones: this overrides the fixture's.
    handler = httpserver.expect_oneshot_request(f"/3/{path}")
    if isinstance(body, str):
        handler.respond_with_data(body, content_type="application/json")
    else:
        handler.respond_with_json(body)


@pytest.mark.parametrize(
    "body, said",
    [
        ({}, "an empty object"),
        ("{}", "an empty object"),
        ([{"id": 28, "name": "Action"}], "a list"),
        ("Action", None),  # not even JSON: the client's own ResponseFormatError
        ('"Action"', "a string"),
        ({"genres": None}, "an object with keys genres"),
        ({"genres": "Action"}, "an object with keys genres"),
        ({"genres": [{"name": "Action"}]}, "a genre without an integer 'id'"),
        ({"genres": [{"id": "28", "name": "Action"}]}, "a genre without an integer 'id'"),
        ({"genres": [{"id": 28}]}, "a genre without an integer 'id' and a 'name'"),
        ({"genres": ["Action"]}, "a genre without"),
    ],
)
def test_genre_bodies_of_the_wrong_shape(
    httpserver: HTTPServer, odd: TMDB, body: object, said: str | None
) -> None:
    answer(httpserver, "genre/movie/list", body)
    with pytest.raises(bk.ResponseFormatError) as info:
        odd.genre_table(kind="movie")
    message = str(info.value)
    assert "genre/movie/list" in message
    if said is not None:
        assert said in message and "expected a JSON object with a 'genres' list" in message
    assert FAKE_TOKEN not in message


def test_an_empty_genre_list_is_an_empty_table(httpserver: HTTPServer, odd: TMDB) -> None:
    answer(httpserver, "genre/movie/list", {"genres": []})
    table = odd.genre_table(kind="movie")
    assert table.empty and list(table.columns) == ["id", "name_en", "movie", "tv"]


@pytest.mark.parametrize(
    "page, said",
    [
        ({**PAGE, "results": [{**RECORD, "genre_ids": None}]}, "'genre_ids' is null"),
        ({**PAGE, "results": [{**RECORD, "genre_ids": "28"}]}, "'genre_ids' is \"28\""),
        ({**PAGE, "results": [{**RECORD, "genre_ids": [None]}]}, "'genre_ids' is [null]"),
        ({**PAGE, "results": ["A"]}, "a result that is a string"),
        ({**PAGE, "results": [[1, 2]]}, "a result that is a list"),
    ],
)
def test_discover_pages_of_the_wrong_shape(
    httpserver: HTTPServer, odd: TMDB, page: object, said: str
) -> None:
    answer(httpserver, "discover/movie", page)
    for call in (
        lambda: odd.discover("movie", progress=False),
        lambda: odd.genre_counts("movie", pages=1),
    ):
        with pytest.raises(bk.ResponseFormatError) as info:
            call()
        assert "GET discover/movie" in str(info.value) and said in str(info.value)
        answer(httpserver, "discover/movie", page)


def test_a_page_with_results_null_is_empty_never_a_value_column(
    httpserver: HTTPServer, odd: TMDB
) -> None:
    # bearerkit.frames reads "results": null as an empty page (its documented choice).
    answer(httpserver, "discover/movie", {**PAGE, "results": None})
    frame = odd.discover("movie", progress=False)
    assert frame.empty and "value" not in frame.columns


@pytest.mark.parametrize("total_pages", ["many", None, [2], -3, {"n": 2}])
def test_discover_with_an_odd_total_pages_never_raises_a_builtin(
    httpserver: HTTPServer, odd: TMDB, total_pages: object
) -> None:
    answer(httpserver, "discover/movie", {**PAGE, "total_pages": total_pages, "results": [RECORD]})
    try:
        frame = odd.discover("movie", pages=3, progress=False)
    except bk.ResponseFormatError as exc:
        assert "total_pages" in str(exc)
    else:
        assert frame["id"].tolist() == [1]  # page 1 kept; no phantom pages invented


def test_discover_well_shaped_page_from_the_odd_server(httpserver: HTTPServer, odd: TMDB) -> None:
    answer(httpserver, "discover/movie", {**PAGE, "results": [RECORD, {**RECORD, "id": 2}]})
    frame = odd.discover("movie", progress=False)
    assert frame["id"].tolist() == [1, 2] and frame["genres"].tolist() == [["Action"]] * 2
