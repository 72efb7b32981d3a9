"""The TMDB layer against the embedded sandbox over real HTTP."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

import bearerkit as bk
from bearerkit.tmdb import DEFAULT_LANGUAGE, TMDB, TMDB_API

from .conftest import FAKE_TOKEN, REPO
from .test_sandbox import TV_GENRE_IDS

MOVIE_EN = [
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
    "History", "Horror", "Music", "Mystery", "Romance", "Science Fiction", "TV Movie", "Thriller", "War", "Western",
]  # fmt: skip
TV_IDS = TV_GENRE_IDS


@pytest.fixture(scope="module")
def sb():  # type: ignore[no-untyped-def]
    from bearerkit import sandbox

    with sandbox.start() as server:
        yield server


@pytest.fixture
def tmdb(sb) -> TMDB:  # type: ignore[no-untyped-def]
    return TMDB(bk.Client(sb.url, sb.token), language="en-US", sandbox=sb)


def test_genres_movie_in_tmdb_order(tmdb: TMDB) -> None:
    df = tmdb.genres("movie")
    assert list(df.columns) == ["id", "name"]
    assert df["name"].tolist() == MOVIE_EN
    assert df["id"].iloc[0] == 28 and df["id"].dtype == "int64"


def test_genres_tv_ids(tmdb: TMDB) -> None:
    assert tmdb.genres("tv")["id"].tolist() == TV_IDS


def test_genres_language(tmdb: TMDB) -> None:
    names = dict(tmdb.genres("movie", language="de-DE").itertuples(index=False))
    assert names[12] == "Abenteuer" and names[35] == "Komödie"


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.genres("film"),
        lambda t: t.discover("films"),
        lambda t: t.genre_table(kind="all"),
        lambda t: t.genre_counts("series"),
    ],
)
def test_bad_kind(tmdb: TMDB, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="kind must be 'movie'"):
        call(tmdb)


def test_genre_table_both_kinds_many_languages(tmdb: TMDB) -> None:
    table = tmdb.genre_table(languages=("en", "de", "fr"))
    assert list(table.columns) == ["id", "name_en", "name_de", "name_fr", "movie", "tv"]
    assert len(table) == 27  # 19 + 16 - 8 shared ids
    assert table["movie"].sum() == 19 and table["tv"].sum() == 16
    assert (table["movie"] & table["tv"]).sum() == 8
    row = table.set_index("id").loc[10751]
    assert bool(row["movie"]) and bool(row["tv"])
    assert table.set_index("id").loc[12, "name_de"] == "Abenteuer"
    assert table.set_index("id").loc[10765, "name_en"] == "Sci-Fi & Fantasy"
    assert table["id"].tolist()[:19] == tmdb.genres("movie")["id"].tolist()
    assert table["movie"].dtype == bool


def test_genre_table_one_kind(tmdb: TMDB) -> None:
    table = tmdb.genre_table(kind="tv")
    assert table["id"].tolist() == TV_IDS
    assert table["tv"].all()


def test_genre_lists_are_cached_per_language(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    sb.clear_log()
    tmdb.genres("movie", "fr")
    tmdb.genres("movie", "fr")
    tmdb.genres("movie", "de")
    paths = [r.path for r in sb.request_log]
    assert paths.count("/3/genre/movie/list") == 2


def test_discover_many_pages_in_order_with_types(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    df = tmdb.discover("movie", pages=3, progress=False)
    assert len(df) == 60
    pages = [tmdb.client.get("discover/movie", {"page": n})["results"] for n in (1, 2, 3)]
    assert df["id"].tolist() == [r["id"] for page in pages for r in page]
    assert str(df["release_date"].dtype).startswith("datetime64")
    assert df["vote_average"].dtype.kind == "f"
    assert df["popularity"].dtype.kind == "f"
    assert df["id"].dtype == "int64"
    names = dict(tmdb.genres("movie").itertuples(index=False))
    for ids, genres in zip(df["genre_ids"], df["genres"], strict=True):
        assert genres == [names[i] for i in ids]


def test_discover_adds_no_filters(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    sb.clear_log()
    tmdb.discover("movie", pages=1, sort_by="vote_average.desc")
    (record,) = [r for r in sb.request_log if r.path == "/3/discover/movie"]
    assert dict(record.query) == {"sort_by": "vote_average.desc", "page": "1"}


def test_discover_genre_names_and_or(tmdb: TMDB) -> None:
    both = tmdb.discover("movie", pages=2, with_genres="Action,Comedy", progress=False)
    assert len(both) > 0
    assert all({28, 35} <= set(ids) for ids in both["genre_ids"])
    either = tmdb.discover("movie", pages=2, with_genres="action|Comedy", progress=False)
    assert all({28, 35} & set(ids) for ids in either["genre_ids"])
    assert tmdb.genre_ids(["Action", "Comedy"]) == "28,35"
    with pytest.raises(ValueError, match="Unknown movie genre 'Actoin'"):
        tmdb.discover("movie", with_genres="Actoin")


def test_discover_tv(tmdb: TMDB) -> None:
    df = tmdb.discover("tv", pages=1, progress=False)
    assert {"name", "first_air_date", "genres", "origin_country"} <= set(df.columns)
    assert str(df["first_air_date"].dtype).startswith("datetime64")


def test_discover_page_cap_at_total_pages(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    first = tmdb.client.get(
        "discover/movie", {"with_genres": "28,35,18", "primary_release_year": 1999}
    )
    total = first["total_pages"]
    assert 0 < total < 20
    sb.clear_log()
    df = tmdb.discover(
        "movie", pages=50, with_genres="28,35,18", primary_release_year=1999, progress=False
    )
    assert len(df) == first["total_results"]
    assert len([r for r in sb.request_log if r.path == "/3/discover/movie"]) == total


def test_discover_page_cap_at_500(tmdb: TMDB, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int | None] = []
    original = tmdb.client.paginate_records

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(kwargs.get("max_pages"))
        kwargs["max_pages"] = 1
        return original(*args, **kwargs)

    monkeypatch.setattr(tmdb.client, "paginate_records", spy)
    tmdb.discover("movie", pages=10_000)
    assert asked == [500]


def test_genre_counts(tmdb: TMDB) -> None:
    counts = tmdb.genre_counts("movie", pages=2)
    assert list(counts.columns) == ["id", "genre", "count"]
    frame = tmdb.discover("movie", pages=2, progress=False)
    expected = frame["genres"].explode().dropna().value_counts()
    assert dict(zip(counts["genre"], counts["count"], strict=True)) == expected.to_dict()
    assert counts["count"].is_monotonic_decreasing
    assert counts.attrs["titles"] == len(frame) == 40


def test_genre_counts_both_kinds_in_a_language(tmdb: TMDB) -> None:
    counts = tmdb.genre_counts("both", "de", pages=2)
    movie, tv = tmdb.genre_counts("movie", pages=2), tmdb.genre_counts("tv", pages=2)
    summed = pd.concat([movie, tv]).groupby("id")["count"].sum()
    assert counts.set_index("id")["count"].sort_index().to_dict() == summed.to_dict()
    assert counts.attrs["titles"] == 80
    names = tmdb.genre_names("both", "de")
    assert counts["genre"].tolist() == [names[i] for i in counts["id"]]
    assert "Abenteuer" in set(counts["genre"])  # 12 is a movie genre, named in German
    ordered = list(zip(-counts["count"], counts["id"], strict=True))
    assert ordered == sorted(ordered)  # most first, ties by id


def test_genre_counts_with_a_year_counts_only_that_year(tmdb: TMDB) -> None:
    counts = tmdb.genre_counts("tv", pages=50, year=2001)
    shows = tmdb.discover("tv", pages=50, year=2001, progress=False)
    assert len(shows) > 0 and (shows["first_air_date"].dt.year == 2001).all()
    assert counts.attrs["titles"] == len(shows)


def test_genre_names_both_kinds(tmdb: TMDB) -> None:
    names = tmdb.genre_names("both")
    assert len(names) == 27 and names[10765] == "Sci-Fi & Fantasy" and names[28] == "Action"


def test_discover_year_uses_the_kinds_parameter(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    sb.clear_log()
    tmdb.discover("movie", year=1999, progress=False)
    tmdb.discover("tv", year=1999, progress=False)
    queries = [dict(r.query) for r in sb.request_log if r.path.startswith("/3/discover/")]
    assert queries == [
        {"primary_release_year": "1999", "page": "1"},
        {"first_air_date_year": "1999", "page": "1"},
    ]


@pytest.mark.parametrize("pages", [0, -1, 1.5, True])
def test_discover_bad_pages(tmdb: TMDB, pages: object) -> None:
    with pytest.raises(ValueError, match="pages must be"):
        tmdb.discover("movie", pages=pages)  # type: ignore[arg-type]


def test_repr_shows_backend_not_token(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    text = repr(tmdb)
    assert "sandbox" in text and sb.token not in text
    assert tmdb.is_sandbox and tmdb.backend == "sandbox"


# -- connect ------------------------------------------------------------------------------
SANDBOX_NOTICE = re.compile(
    r"bearerkit: (?P<why>.+), using the embedded TMDB sandbox at http://127\.0\.0\.1:\d+/3 "
    r"\(offline, sample data\)\. For the real API put TMDB_TOKEN=<API Read Access Token> in \.env\.\n"
)


def test_connect_without_token_uses_the_sandbox_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = bk.tmdb.connect()
    assert api.is_sandbox
    notice = SANDBOX_NOTICE.fullmatch(capsys.readouterr().err)
    assert notice and notice["why"] == "no TMDB_TOKEN found"
    assert api.genres("movie")["name"].iloc[0] == "Action"


def test_connect_with_the_example_placeholder_says_so_and_how_to_fix_it(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REPO / ".env.example", clean_env / ".env")
    api = bk.tmdb.connect()
    assert api.is_sandbox
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no TMDB_TOKEN found" not in err
    assert f"TMDB_TOKEN in {clean_env / '.env'} is still the placeholder from .env.example" in err
    assert "Replace it with your token" in err and "themoviedb.org/settings/api" in err
    assert "using the embedded TMDB sandbox at http://127.0.0.1:" in err


def test_the_notice_never_mentions_test_switches(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEARERKIT_SANDBOX", "1")  # the retired test switch does nothing now
    bk.tmdb.connect()
    err = capsys.readouterr().err
    assert "BEARERKIT" not in err and "backend" not in err and "=1" not in err


def test_connect_with_token_talks_to_tmdb(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    monkeypatch.setenv("BEARERKIT_SANDBOX", "1")  # no longer a switch
    api = bk.tmdb.connect()
    assert not api.is_sandbox
    assert api.client.base_url == TMDB_API
    assert FAKE_TOKEN not in repr(api)
    explicit = bk.tmdb.connect(FAKE_TOKEN)
    assert explicit.client.base_url == TMDB_API


def test_connect_defaults_to_the_one_default_language() -> None:
    api = bk.tmdb.connect(quiet=True)
    assert api.language == DEFAULT_LANGUAGE == "en"
    assert list(api.genre_table().columns) == ["id", "name_en", "movie", "tv"]
    assert TMDB(api.client).language == DEFAULT_LANGUAGE


@pytest.mark.parametrize("env_text", ["", "TMDB_TOKEN=paste-your-tmdb-read-access-token-here\n"])
def test_backend_tmdb_without_a_token_raises(clean_env: Path, env_text: str) -> None:
    (clean_env / ".env").write_text(env_text)
    with pytest.raises(bk.TokenError, match="TMDB_TOKEN"):
        bk.tmdb.connect(backend="tmdb")


def test_backend_sandbox_ignores_the_token(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    api = bk.tmdb.connect(backend="sandbox")
    assert api.is_sandbox and api.client.token != bk.Token(FAKE_TOKEN)
    notice = SANDBOX_NOTICE.fullmatch(capsys.readouterr().err)
    assert notice and notice["why"] == "backend='sandbox'"


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_tmdb_backend_setting_pins_the_backend(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    if where == "environment":
        monkeypatch.setenv("TMDB_BACKEND", "sandbox")
    else:
        (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\nTMDB_BACKEND=sandbox\n")
    assert bk.tmdb.connect(quiet=True).is_sandbox
    assert not bk.tmdb.connect(backend="tmdb").is_sandbox  # an explicit argument wins


def test_tmdb_backend_setting_tmdb_without_token_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMDB_BACKEND", "tmdb")
    with pytest.raises(bk.TokenError):
        bk.tmdb.connect()


def test_unknown_backends_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="backend must be 'auto', 'sandbox' or 'tmdb'"):
        bk.tmdb.connect(backend="local")  # type: ignore[arg-type]
    monkeypatch.setenv("TMDB_BACKEND", "offline")
    with pytest.raises(ValueError, match="TMDB_BACKEND must be .* not 'offline'"):
        bk.tmdb.connect()


def test_connect_malformed_token_is_an_error_not_a_fallback(clean_env: Path) -> None:
    (clean_env / ".env").write_text('TMDB_TOKEN="abc def"\n')
    with pytest.raises(bk.TokenError, match="whitespace"):
        bk.tmdb.connect()


def test_connect_base_url_from_env_file(clean_env: Path, sb) -> None:  # type: ignore[no-untyped-def]
    (clean_env / ".env").write_text(f"TMDB_TOKEN={sb.token}\nTMDB_BASE_URL={sb.url}\n")
    api = bk.tmdb.connect()
    assert not api.is_sandbox and api.client.base_url == sb.url
    assert api.genres("tv")["id"].tolist() == TV_IDS


def test_bad_token_against_sandbox_is_auth_error(sb) -> None:  # type: ignore[no-untyped-def]
    api = bk.tmdb.connect(FAKE_TOKEN, base_url=sb.url)
    with pytest.raises(bk.AuthError) as info:
        api.genres()
    assert "Invalid API key" in str(info.value) and FAKE_TOKEN not in str(info.value)


def test_genre_table_is_json_serialisable(tmdb: TMDB) -> None:
    records = json.loads(tmdb.genre_table().to_json(orient="records"))
    assert records[0] == {"id": 28, "name_en": "Action", "movie": True, "tv": False}
    assert isinstance(tmdb.genre_table(), pd.DataFrame)


# -- shapes: a loopback server answering what TMDB never should ---------------------------
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
        ({**PAGE, "results": None}, "a result that is null"),
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
