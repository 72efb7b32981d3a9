"""Turn decoded JSON into pandas DataFrames.

``to_frame`` finds the records in a response (a top-level list, the one list of
objects inside a dict such as ``genres`` or ``results``, or else the dict itself as
one row), flattens nested objects with ``.`` through ``pandas.json_normalize`` and
lets pandas pick column dtypes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .errors import RecordPathError

__all__ = ["find_records", "to_frame", "typed"]


def find_records(data: Any, record_path: str | None = None) -> list[Any]:
    """Return the list of records inside ``data``.

    Args:
        data: decoded JSON.
        record_path: a key (or dotted path such as ``"data.items"``) naming the list.
            Without it: a top-level list; else the single list-of-objects value of a
            dict; else the dict itself as one record.

    Raises:
        RecordPathError: ``record_path`` is not in ``data``; the message lists the keys that are.
    """
    if record_path is not None:
        node = data
        for part in record_path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                keys = sorted(node) if isinstance(node, Mapping) else []
                raise RecordPathError(
                    f"record_path {record_path!r}: no key {part!r} in the response; "
                    f"keys there: {', '.join(map(str, keys)) or '(not an object)'}"
                )
            node = node[part]
        return node if isinstance(node, list) else [node]
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        lists = [
            v
            for v in data.values()
            if isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v)
        ]
        if len(lists) == 1:
            return lists[0]
        return [data]
    return [] if data is None else [data]


def to_frame(data: Any, record_path: str | None = None) -> pd.DataFrame:
    """Decoded JSON to a DataFrame; nested objects become ``parent.child`` columns.

    >>> to_frame({"genres": [{"id": 28, "name": "Action"}]})
       id    name
    0  28  Action
    """
    records = find_records(data, record_path)
    return records_to_frame(records)


def records_to_frame(records: Iterable[Any]) -> pd.DataFrame:
    """A list of records (dicts or scalars) to a flat DataFrame."""
    records = list(records)
    if not records:
        return pd.DataFrame()
    if all(issubclass(t, Mapping) for t in set(map(type, records))):
        # json_normalize is slow on flat records; use it only when something is nested.
        # Test each value *type* once: isinstance(v, Mapping) per value (an ABC check)
        # cost 14 ms per 1,000 TMDB records, as much as building the frame.
        value_types: set[type] = set()
        for record in records:
            value_types.update(map(type, record.values()))
        if any(issubclass(t, Mapping) for t in value_types):
            return pd.json_normalize(records, sep=".")
        return pd.DataFrame.from_records(records)
    return pd.DataFrame({"value": records})


def typed(frame: pd.DataFrame, *, dates: Iterable[str] = ()) -> pd.DataFrame:
    """Parse the given date columns (``""`` → ``NaT``) in place and return the frame."""
    for column in dates:
        if column in frame.columns:
            frame[column] = pd.to_datetime(
                frame[column].replace("", None), errors="coerce", format="%Y-%m-%d"
            )
    return frame
