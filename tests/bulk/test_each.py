"""client.get_each against the sandbox: order, duplicates, templates, skip, partial, resume."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit.bulk.each import EachInfo, plan_items
from bearerkit.sandbox import Sandbox
from tests.bulk.conftest import deleted_id, movie_ids, sent


def test_rows_come_back_in_the_order_of_the_values(api: bk.Client, sb: Sandbox) -> None:
    ids = movie_ids(40)
    random.Random(7).shuffle(ids)
    since = len(sb.request_log)
    df = api.get_each("movie/{}", ids, progress=False)
    assert df["id"].tolist() == ids
    assert "value" in df.columns and df["value"].tolist() == ids  # an unnamed list: "value"
    assert len(sent(sb, since)) == 40
    info = df.attrs["each"]
    assert (info["requested"], info["fetched"], info["complete"]) == (40, 40, True)
    assert info["failed"].empty


def test_a_named_series_gives_its_name_and_no_second_id_column(api: bk.Client) -> None:
    ids = pd.Series(movie_ids(3), name="id")
    df = api.get_each("movie/{}", ids, progress=False)
    assert df["id"].tolist() == ids.tolist()
    assert "value" not in df.columns and list(df.columns).count("id") == 1
    assert {"runtime", "budget", "tagline"} <= set(df.columns)


def test_duplicates_are_fetched_once(api: bk.Client, sb: Sandbox) -> None:
    a, b, c = movie_ids(3)
    since = len(sb.request_log)
    df = api.get_each("movie/{}", pd.Series([a, b, a, c, b, a], name="id"), progress=False)
    assert sorted(sent(sb, since)) == sorted(f"/3/movie/{i}" for i in (a, b, c))
    assert df["id"].tolist() == [a, b, c]
    assert df.attrs["each"]["duplicates"] == 3


def test_named_template_from_dataframe_rows_keeps_the_missing_key_columns(api: bk.Client) -> None:
    ids = movie_ids(3)
    rows = pd.DataFrame({"kind": ["movie"] * 3, "id": ids, "other": ["x", "y", "z"]})
    df = api.get_each("{kind}/{id}", rows, progress=False)
    assert df["id"].tolist() == ids
    assert df["kind"].tolist() == ["movie"] * 3  # not in the answer: kept from the row
    assert "other" not in df.columns  # only the template's fields are keys


def test_list_answers_give_several_rows_with_the_key_columns(api: bk.Client) -> None:
    kinds = pd.Series(["movie", "tv"], name="kind")
    df = api.get_each("genre/{}/list", kinds, record_path="genres", progress=False)
    assert set(df["kind"]) == {"movie", "tv"}
    assert df["kind"].is_monotonic_increasing  # movie rows first: the order of the values
    movie = df[df["kind"] == "movie"]
    assert movie["id"].tolist()[:3] == [28, 12, 16]
    # A key whose name the records use with another value is kept as <name>_key.
    clash = api.get_each("genre/{id}/list", [{"id": "tv"}], record_path="genres", progress=False)
    assert set(clash["id_key"]) == {"tv"} and clash["id"].iloc[0] == 10759


def test_values_are_percent_encoded_into_the_path(api: bk.Client, sb: Sandbox) -> None:
    since = len(sb.request_log)
    with pytest.warns(UserWarning, match="left out 1 of 1"):
        api.get_each("movie/{}", ["../genre/movie/list"], errors="skip", progress=False)
    assert all("genre" not in p.split("movie/", 1)[1].split("%")[0] for p in sent(sb, since))
    assert not [r for r in sb.request_log[since:] if r.path == "/3/genre/movie/list"]


def test_errors_skip_leaves_out_a_deleted_id_lists_it_and_warns_once(
    api: bk.Client, sb: Sandbox
) -> None:
    ids = movie_ids(5)
    gone = deleted_id()
    values = pd.Series([*ids[:2], gone, *ids[2:]], name="id")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = api.get_each("movie/{}", values, errors="skip", progress=False)
    ours = [w for w in caught if "get_each" in str(w.message)]
    assert len(ours) == 1 and "404" in str(ours[0].message)
    assert ours[0].filename == __file__  # the warning points at the caller's line
    assert df["id"].tolist() == ids
    info = df.attrs["each"]
    assert (info["requested"], info["fetched"]) == (6, 5)
    failed = info["failed"]
    assert isinstance(failed, pd.DataFrame) and list(failed.columns) == [
        "value",
        "status",
        "message",
    ]
    assert failed.to_dict("records") == [
        {"value": gone, "status": 404, "message": "The resource you requested could not be found."}
    ]


def test_a_skipping_frame_still_writes_to_parquet_and_concatenates(
    api: bk.Client, tmp_path: Path
) -> None:
    values = [*movie_ids(2), deleted_id()]
    with pytest.warns(UserWarning):
        df = api.get_each("movie/{}", pd.Series(values, name="id"), errors="skip", progress=False)
    df.to_parquet(tmp_path / "d.parquet")  # pandas writes attrs as JSON metadata
    back = pd.read_parquet(tmp_path / "d.parquet")
    assert back.attrs["each"]["failed"][0]["status"] == 404
    both = pd.concat([df, df.head(1)])  # pandas compares the attrs of the two frames
    assert len(both) == 3
    assert isinstance(df.head(1).attrs["each"], EachInfo)


def test_errors_skip_still_raises_for_authentication(sb: Sandbox) -> None:
    with bk.Client(sb.url, "not-the-sandbox-token") as wrong, pytest.raises(bk.AuthError):
        wrong.get_each("movie/{}", movie_ids(3), errors="skip", progress=False)


@pytest.mark.parametrize("fault", ["rate_limit", "network"])
def test_errors_skip_still_raises_for_rate_limits_and_the_network(sb: Sandbox, fault: str) -> None:
    # Only per-item API answers are skipped: a 429 or a broken connection is about the run.
    expected: type[bk.BearerkitError]
    if fault == "rate_limit":
        sb.fail_next(1, status=429, retry_after=3600)
        expected = bk.RateLimitError
    else:
        sb.reset_next(1)
        expected = bk.NetworkError
    with bk.Client(sb.url, sb.token, retries=0) as api, pytest.raises(expected) as caught:
        api.get_each("movie/{}", movie_ids(3), errors="skip", workers=1, progress=False)
    assert isinstance(caught.value, expected)
    assert hasattr(caught.value, "partial")


def test_errors_raise_carries_partial_and_resume_fetches_only_what_is_missing(
    api: bk.Client, sb: Sandbox
) -> None:
    ids = movie_ids(12)
    gone = deleted_id()
    values = pd.Series([*ids[:6], gone, *ids[6:]], name="id")
    with pytest.raises(bk.NotFoundError) as caught:
        api.get_each("movie/{}", values, workers=2, progress=False)
    err = caught.value
    partial = err.partial
    assert partial["id"].tolist()[:6] == ids[:6]  # everything before the failure, in order
    assert partial.attrs["each"]["complete"] is False
    fetched_before = set(partial["id"])
    since = len(sb.request_log)
    df = api.get_each("movie/{}", values.drop(6), resume=err, progress=False)
    again = sent(sb, since)
    assert sorted(again) == sorted(f"/3/movie/{i}" for i in ids if i not in fetched_before)
    assert df["id"].tolist() == ids
    assert df.attrs["each"]["complete"] is True


def test_resume_refuses_a_run_of_another_template(api: bk.Client) -> None:
    values = pd.Series([*movie_ids(2), deleted_id()], name="id")
    with pytest.raises(bk.NotFoundError) as caught:
        api.get_each("movie/{}", values, progress=False)
    with pytest.raises(ValueError, match="another path template"):
        api.get_each("movie/{}", values, params={"language": "de"}, resume=caught.value)


@pytest.mark.parametrize(
    ("path", "values", "message"),
    [
        ("movie", [1], "no field"),
        ("movie/{}", [1, float("nan")], "missing"),
        ("movie/{}", [1, None], "missing"),
        ("repos/{owner}/{name}", pd.DataFrame({"owner": ["a"]}), "name"),
        ("repos/{owner}/{name}", [{"owner": "a"}], "no name"),
        ("movie/{}/{id}", [1], "mixes"),
        ("movie/{}", "550", "not str"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    api: bk.Client, sb: Sandbox, path: str, values: object, message: str
) -> None:
    since = len(sb.request_log)
    with pytest.raises((ValueError, TypeError), match=message):
        api.get_each(path, values, progress=False)
    assert sb.request_log[since:] == []


def test_float_ids_from_a_column_with_gaps_become_whole_numbers() -> None:
    items, _ = plan_items("movie/{}", pd.Series([550.0, 551.0]), None)
    assert [i.request.path for i in items] == ["movie/550", "movie/551"]


def test_get_each_records_returns_dicts_in_order(api: bk.Client) -> None:
    ids = movie_ids(4)[::-1]
    rows = api.get_each_records("movie/{}", pd.Series(ids, name="id"), progress=False)
    assert [r["id"] for r in rows] == ids and isinstance(rows[0], dict)


def test_the_client_rate_limit_holds_for_concurrent_values(sb: Sandbox) -> None:
    ids = movie_ids(30)
    since = len(sb.request_log)
    with bk.Client(sb.url, sb.token, rate_limit=20) as slow:
        import time

        started = time.perf_counter()
        df = slow.get_each("movie/{}", ids, workers=8, progress=False)
        took = time.perf_counter() - started
    assert len(df) == 30
    assert took >= 29 / 20 * 0.9  # evenly spaced at 20/s: the limiter held all 8 threads
    assert not [r for r in sb.request_log[since:] if r.status == 429]


def test_get_each_goes_through_the_clients_retries_and_cache(sb: Sandbox, tmp_path: Path) -> None:
    ids = movie_ids(5)
    with bk.Client(sb.url, sb.token, cache=tmp_path / "c") as api:
        sb.fail_next(1, status=503)  # one value's first answer: retried, not a failure
        since = len(sb.request_log)
        first = api.get_each("movie/{}", ids, workers=2, progress=False)
        assert len(sent(sb, since)) == 6 and first["id"].tolist() == ids
        since = len(sb.request_log)
        again = api.get_each("movie/{}", ids, workers=2, progress=False)
    assert sent(sb, since) == []  # every value answered from the cache
    pd.testing.assert_frame_equal(first, again)


def test_get_each_records_to_a_cassette_and_replays_it_offline(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tape = tmp_path / "each.yaml"
    ids = movie_ids(6)
    with bk.use_cassette(tape), bk.Client(sb.url, sb.token) as api:
        recorded = api.get_each("movie/{}", pd.Series(ids, name="id"), progress=False)
    text = tape.read_text()
    assert all(f"/3/movie/{i}" in text for i in ids) and sb.token not in text
    monkeypatch.setenv("BEARERKIT_RECORD_MODE", "none")
    with bk.use_cassette(tape), bk.Client("http://127.0.0.1:9/3", "replayed") as offline:
        replayed = offline.get_each("movie/{}", pd.Series(ids, name="id"), progress=False)
    pd.testing.assert_frame_equal(recorded, replayed)
