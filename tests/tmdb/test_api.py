"""The TMDB class (bearerkit.tmdb.api) against the embedded sandbox over real HTTP."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit.tmdb import MAX_PAGES, TMDB

from ..conftest import FAKE_TOKEN, TV_GENRE_IDS

MOVIE_EN = [
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
    "History", "Horror", "Music", "Mystery", "Romance", "Science Fiction", "TV Movie", "Thriller", "War", "Western",
]  # fmt: skip
TV_IDS = TV_GENRE_IDS


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
    assert dict(record.query) == {"sort_by": "vote_average.desc"}


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
        {"primary_release_year": "1999"},
        {"first_air_date_year": "1999"},
    ]


@pytest.mark.parametrize("pages", [0, -1, 1.5, True])
def test_discover_bad_pages(tmdb: TMDB, pages: object) -> None:
    with pytest.raises(ValueError, match="pages must be"):
        tmdb.discover("movie", pages=pages)  # type: ignore[arg-type]


def test_repr_shows_backend_not_token(tmdb: TMDB, sb) -> None:  # type: ignore[no-untyped-def]
    text = repr(tmdb)
    assert "sandbox" in text and sb.token not in text
    assert tmdb.is_sandbox and tmdb.backend == "sandbox"


def test_genre_table_is_json_serialisable(tmdb: TMDB) -> None:
    records = json.loads(tmdb.genre_table().to_json(orient="records"))
    assert records[0] == {"id": 28, "name_en": "Action", "movie": True, "tv": False}
    assert isinstance(tmdb.genre_table(), pd.DataFrame)


# -- TMDB's 500-page cap -----------------------------------------------------------------
def test_a_client_from_connect_stops_at_tmdbs_500_page_cap(sb) -> None:  # type: ignore[no-untyped-def]
    api = bk.tmdb.connect(FAKE_TOKEN, base_url=sb.url, rate_limit=None)
    assert api.client.page_cap == MAX_PAGES == 500
    sandboxed = bk.tmdb.connect(backend="sandbox", quiet=True)
    assert sandboxed.client.page_cap == 500
    client = bk.Client(sb.url, sb.token, page_cap=api.client.page_cap)
    assert client.get("discover/movie")["total_pages"] == 600  # more than TMDB serves
    sb.clear_log()
    with pytest.warns(UserWarning, match="page cap"):
        frame = client.paginate("discover/movie", progress=False)
    assert len(frame) == 500 * 20
    paging = frame.attrs["paging"]
    assert paging["complete"] is False and paging["pages"] == 500
    pages = [int(dict(r.query).get("page", 1)) for r in sb.request_log]
    assert sorted(pages) == list(range(1, 501))  # page 501 never asked for


def test_discover_past_the_cap_warns_and_keeps_500_pages(sb) -> None:  # type: ignore[no-untyped-def]
    api = bk.tmdb.connect(sb.token, base_url=sb.url, rate_limit=None)
    with pytest.warns(UserWarning, match="page cap"):
        frame = api.discover("movie", pages=10_000, progress=False)
    assert len(frame) == 10_000


def test_discover_n_pages_is_what_was_asked_no_warning(tmdb: TMDB) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(tmdb.discover("movie", pages=3, progress=False)) == 60
        assert tmdb.genre_counts("both", pages=2).attrs["titles"] == 80
