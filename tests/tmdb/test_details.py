"""TMDB.details: details of many movies through get_each, typed, deleted ids skipped."""

from __future__ import annotations

import pandas as pd
import pytest

from bearerkit.sandbox import Sandbox
from bearerkit.tmdb import TMDB
from tests.bulk.conftest import deleted_id


def test_details_for_a_discover_frame_in_its_order(tmdb: TMDB, sb: Sandbox) -> None:
    movies = tmdb.discover("movie", pages=2, progress=False)
    since = len(sb.request_log)
    details = tmdb.details("movie", movies, append_to_response=["credits", "keywords"])
    assert details["id"].tolist() == movies["id"].tolist()
    assert list(details.columns).count("id") == 1 and "value" not in details.columns
    assert pd.api.types.is_datetime64_any_dtype(details["release_date"])
    queries = [r.query for r in sb.request_log[since:] if r.path.startswith("/3/movie/")]
    assert len(queries) == 40
    assert {q.get("append_to_response") for q in queries} == {"credits,keywords"}


def test_details_skips_a_deleted_id_and_says_so(tmdb: TMDB) -> None:
    ids = tmdb.discover("movie", progress=False)["id"].tolist()[:3]
    with pytest.warns(UserWarning, match="left out 1 of 4"):
        details = tmdb.details("movie", [*ids, deleted_id()], errors="skip", progress=False)
    assert details["id"].tolist() == ids
    assert details.attrs["each"]["failed"]["value"].tolist() == [deleted_id()]


def test_details_of_tv_shows_in_their_order(tmdb: TMDB) -> None:
    shows = tmdb.discover("tv", progress=False).head(5)
    details = tmdb.details("tv", shows, progress=False)
    assert details["id"].tolist() == shows["id"].tolist()
    assert details["name"].tolist() == shows["name"].tolist()
    assert (details["number_of_seasons"] >= 0).all()


def test_details_wants_an_id_column(tmdb: TMDB) -> None:
    with pytest.raises(ValueError, match="'id' column"):
        tmdb.details("movie", pd.DataFrame({"title": ["x"]}))
