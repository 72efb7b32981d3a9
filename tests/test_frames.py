"""JSON → DataFrame: finding records, flattening, dates."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.errors import RecordPathError
from bearerkit.frames import convert_dates, find_records, locate_records, lookup, to_frame, typed

from .conftest import FAKE_TOKEN


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([{"a": 1}], [{"a": 1}]),
        ({"genres": [{"id": 1}]}, [{"id": 1}]),
        ({"page": 1, "results": [{"id": 2}], "total_pages": 1}, [{"id": 2}]),
        ({"id": 5, "name": "x"}, [{"id": 5, "name": "x"}]),
        (
            {"a": [{"x": 1}], "b": [{"y": 2}]},
            [{"a": [{"x": 1}], "b": [{"y": 2}]}],
        ),  # ambiguous: one row
        ({"ids": [1, 2, 3]}, [{"ids": [1, 2, 3]}]),  # a list of scalars is not records
        (None, []),
    ],
)
def test_find_records(data: object, expected: list[object]) -> None:
    assert find_records(data) == expected


def test_record_path_dotted() -> None:
    assert find_records({"data": {"items": [{"a": 1}]}}, "data.items") == [{"a": 1}]


def test_unknown_record_path_lists_keys() -> None:
    with pytest.raises(RecordPathError, match="keys there: page, results"):
        find_records({"page": 1, "results": []}, "items")


def test_nested_objects_flatten_with_dots() -> None:
    df = to_frame([{"id": 1, "belongs_to": {"id": 9, "name": "Saga"}}])
    assert list(df.columns) == ["id", "belongs_to.id", "belongs_to.name"]


def test_empty_list_gives_empty_frame() -> None:
    assert to_frame({"results": []}, "results").empty


def test_mixed_int_float_column_is_float() -> None:
    df = to_frame([{"v": 10}, {"v": 7.5}])
    assert df["v"].dtype.kind == "f"


def test_typed_dates_with_blanks() -> None:
    df = typed(
        pd.DataFrame({"release_date": ["2001-02-03", "", None]}), dates=["release_date", "absent"]
    )
    assert str(df["release_date"].dtype).startswith("datetime64")
    assert df["release_date"].isna().tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("data", "path", "records"),
    [
        ({"tracks": {"items": [{"id": 1}], "next": None}}, "tracks.items", [{"id": 1}]),  # Spotify
        ({"ok": True, "members": [{"id": 1}], "response_metadata": {}}, "members", [{"id": 1}]),
        ({"value": [{"id": 1}], "@odata.nextLink": "u"}, "value", [{"id": 1}]),  # Graph
        ({"data": [{"id": 1}], "includes": {"users": [{"id": 9}]}}, "data", [{"id": 1}]),  # X
        ({"results": [], "page": 7}, "results", []),  # an empty last page is no rows
        ({"tracks": {"items": [], "next": None}}, "tracks.items", []),
        ({"data": [{"id": 1}], "errors": [{"x": 1}]}, "data", [{"id": 1}]),  # known name wins
        ([{"id": 1}], None, [{"id": 1}]),
    ],
)
def test_locate_records_two_levels_deep(data: object, path: str | None, records: object) -> None:
    assert locate_records(data) == (path, records)
    assert find_records(data) == records


def test_locate_records_ambiguous_nested_lists_give_one_row() -> None:
    data = {"tracks": {"items": [{"id": 1}]}, "artists": {"items": [{"id": 2}]}}
    assert locate_records(data) == (None, [data])


def test_lookup_dotted_paths_and_keys_with_dots() -> None:
    body = {"meta": {"next_token": "t"}, "@odata.nextLink": "u", "a": {"b.c": {"d": 1}}}
    assert lookup(body, "meta.next_token") == "t"
    assert lookup(body, "@odata.nextLink") == "u"
    assert lookup(body, "a.b.c.d") == 1
    assert lookup(body, "meta.missing", "default") == "default"
    assert lookup([1, 2], "x") is None


def test_null_records_are_an_empty_page() -> None:
    assert find_records({"results": None}, "results") == []
    assert to_frame({"results": None}, "results").empty


# -- parse_dates: convert_dates, and get_df/paginate(parse_dates=) against the sandbox --

DATED = {
    "id": [1, 2, 3],
    "created_at": ["2024-01-03T09:00:00Z", "2024-02-01T10:30:00+02:00", None],
    "day": ["2024-01-03", "", "2024-03-01"],
    "note": ["2024-01-03 was a Wednesday", "x", "y"],  # starts like a date, is not one
    "tags": [["a"], [], ["b"]],
    "code": ["2024", "2025", "2026"],  # years as strings: not ISO-8601 dates
}


def test_auto_converts_exactly_the_iso_8601_columns() -> None:
    frame = convert_dates(pd.DataFrame(DATED), "auto")
    assert str(frame["created_at"].dtype).startswith("datetime64") and frame["created_at"].dt.tz
    assert frame.loc[1, "created_at"] == pd.Timestamp("2024-02-01T08:30:00Z")  # zones -> UTC
    assert pd.isna(frame.loc[2, "created_at"])
    assert frame["day"].dt.tz is None and pd.isna(frame.loc[1, "day"])  # "" -> NaT
    assert frame.loc[2, "day"] == pd.Timestamp("2024-03-01")
    for column in ("id", "note", "tags", "code"):
        assert not pd.api.types.is_datetime64_any_dtype(frame[column]), column


def test_named_columns_are_converted_and_others_left_alone() -> None:
    frame = convert_dates(pd.DataFrame(DATED), ["day"])
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])
    assert frame["created_at"].dtype == pd.DataFrame(DATED)["created_at"].dtype
    assert convert_dates(pd.DataFrame(DATED), None).equals(pd.DataFrame(DATED))


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["nope"], "no column 'nope' in the frame; its columns: id, created_at"),
        (["note"], "column 'note' holds values that are not dates, e.g. '2024-01-03 was"),
        ("created_at", "a list of column names or 'auto'.*parse_dates=\\['created_at'\\]"),
    ],
)
def test_bad_parse_dates_are_explained(columns: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        convert_dates(pd.DataFrame(DATED), columns)  # type: ignore[arg-type]


def test_attrs_survive_the_conversion() -> None:
    frame = pd.DataFrame(DATED)
    frame.attrs["paging"] = {"complete": True}
    assert convert_dates(frame, "auto").attrs["paging"] == {"complete": True}


@pytest.fixture(scope="module")
def styles() -> Iterator[bk.Client]:
    with sandbox.start(token=FAKE_TOKEN) as sb:
        yield bk.Client(sb.styles_url, FAKE_TOKEN)


def test_paginate_parse_dates_auto_gives_datetimes(styles: bk.Client) -> None:
    frame = styles.paginate("github/items", {"per_page": 20}, progress=False, parse_dates="auto")
    assert len(frame) == 57 and frame.attrs["paging"]["complete"]
    for column in ("created_at", "updated_at"):
        assert isinstance(frame[column].dtype, pd.DatetimeTZDtype), column
    assert (frame["updated_at"] > frame["created_at"]).all()
    assert frame["owner.login"].iloc[0] == "grace" and frame["labels"].iloc[6] == []
    plain = styles.paginate("github/items", {"per_page": 20}, progress=False)
    assert plain["created_at"].iloc[0] == "2024-01-08T10:07:00Z"  # strings without it


def test_paginate_by_post_and_get_df_take_named_columns(styles: bk.Client) -> None:
    query = "notion/databases/d9824bdc-8445-4327-be8b-5b47500af6ce/query"
    rows = styles.paginate(query, method="POST", progress=False, parse_dates=["created_at"])
    assert pd.api.types.is_datetime64_any_dtype(rows["created_at"])
    assert not pd.api.types.is_datetime64_any_dtype(rows["updated_at"])
    with pytest.warns(UserWarning, match="one page of several"):
        page = styles.get_df("offset/items", parse_dates=["updated_at"])
    assert pd.api.types.is_datetime64_any_dtype(page["updated_at"]) and len(page) == 10
