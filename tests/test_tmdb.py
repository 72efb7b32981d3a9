"""The TMDB layer against the embedded sandbox over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit.tmdb import TMDB, TMDB_API

from .conftest import FAKE_TOKEN
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


def test_bad_kind(tmdb: TMDB) -> None:
    with pytest.raises(ValueError, match="movie' or 'tv"):
        tmdb.genres("film")  # type: ignore[arg-type]


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
    assert list(counts.columns) == ["genre", "count"]
    frame = tmdb.discover("movie", pages=2, progress=False)
    expected = frame["genres"].explode().dropna().value_counts()
    assert dict(zip(counts["genre"], counts["count"], strict=True)) == expected.to_dict()
    assert counts["count"].is_monotonic_decreasing


def test_repr_shows_backend_not_token(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    text = repr(tmdb)
    assert "sandbox" in text and sb.token not in text
    assert tmdb.is_sandbox and tmdb.backend == "sandbox"


# -- connect ------------------------------------------------------------------------------
def test_connect_without_token_uses_the_sandbox_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = bk.tmdb.connect()
    assert api.is_sandbox
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sandbox" in err and "TMDB_TOKEN" in err
    assert api.genres("movie")["name"].iloc[0] == "Action"


def test_connect_with_token_talks_to_tmdb(clean_env: Path) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    api = bk.tmdb.connect()
    assert not api.is_sandbox
    assert api.client.base_url == TMDB_API
    assert FAKE_TOKEN not in repr(api)
    explicit = bk.tmdb.connect(FAKE_TOKEN)
    assert explicit.client.base_url == TMDB_API


def test_connect_sandbox_false_without_token_raises() -> None:
    with pytest.raises(bk.TokenError):
        bk.tmdb.connect(sandbox=False)


def test_connect_sandbox_true_ignores_token(clean_env: Path) -> None:
    (clean_env / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    assert bk.tmdb.connect(sandbox=True, quiet=True).is_sandbox


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
