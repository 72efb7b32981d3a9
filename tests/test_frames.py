"""JSON → DataFrame: finding records, flattening, dates."""

from __future__ import annotations

import pandas as pd
import pytest

from bearerkit.errors import RecordPathError
from bearerkit.frames import find_records, locate_records, lookup, to_frame, typed


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
