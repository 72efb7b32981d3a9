"""Turn decoded JSON into pandas DataFrames.

``to_frame`` finds the records in a response (a top-level list; the one list of
objects inside a dict such as ``genres`` or ``results``, or one level further down
such as Spotify's ``tracks.items``; else the dict itself as one row), flattens
nested objects with ``.`` through ``pandas.json_normalize`` and lets pandas pick
column dtypes. ``convert_dates`` turns date columns into datetimes: the ones named,
or with ``"auto"`` every column of ISO-8601 strings (what ``parse_dates=`` of
``get_df`` and ``paginate`` does).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import pandas as pd

from .errors import RecordPathError

__all__ = [
    "RECORD_KEYS",
    "DateColumns",
    "convert_dates",
    "find_records",
    "locate_records",
    "lookup",
    "to_frame",
    "typed",
]

# parse_dates=: the columns to convert, "auto" for every ISO-8601 string column, or None.
DateColumns: TypeAlias = "Sequence[str] | Literal['auto'] | None"
# What "auto" takes for a date: 2024-01-03, 2024-01-03T09:00, ...T09:00:00.123Z, ...+02:00.
ISO_8601 = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")

# Keys that hold the records in the APIs bearerkit knows (TMDB and Notion ``results``,
# Stripe/X/OpenAI/Facebook ``data``, Spotify/GitHub search ``items``, Slack ``members``,
# Microsoft Graph ``value``): they win when a body has several lists, and an empty
# list under one of them is an empty page rather than a one-row answer.
RECORD_KEYS = ("results", "data", "items", "members", "value", "entries", "records")

_MISSING: Any = object()


def lookup(data: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted ``path`` inside ``data``, or ``default`` when it is not there.

    A key that itself contains dots (``@odata.nextLink``) is found whole.

    >>> lookup({"meta": {"next_token": "b26v"}}, "meta.next_token")
    'b26v'
    >>> lookup({"@odata.nextLink": "https://x/y"}, "@odata.nextLink")
    'https://x/y'
    """
    if not isinstance(data, Mapping):
        return default
    if path in data:
        return data[path]
    dot = path.find(".")
    while dot != -1:
        head = path[:dot]
        if head in data:
            found = lookup(data[head], path[dot + 1 :], _MISSING)
            if found is not _MISSING:
                return found
        dot = path.find(".", dot + 1)
    return default


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, Mapping) for x in value)


def _pick(candidates: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]] | None:
    """The one candidate, or the one under a known record key among several."""
    if len(candidates) == 1:
        return candidates[0]
    known = [c for c in candidates if c[0].rsplit(".", 1)[-1] in RECORD_KEYS]
    return known[0] if len(known) == 1 else None


def locate_records(data: Any, record_path: str | None = None) -> tuple[str | None, list[Any]]:
    """Find the records in ``data`` and say where they were: ``(dotted path, records)``.

    With ``record_path``: that path and the records there (see :func:`find_records`).
    Without it the path is ``None`` when ``data`` itself is the list (or the one
    record). Looked for in order: a top-level list; the one non-empty list of objects
    in a dict (``genres``, ``results``...); the one such list a level further down
    (``tracks.items``); an empty list under a known record key (an empty page);
    else the dict as one record. Where several lists qualify, the one under a known
    record key (:data:`RECORD_KEYS`) wins; otherwise the dict is one record.

    >>> locate_records({"tracks": {"items": [{"id": 1}], "next": None}})
    ('tracks.items', [{'id': 1}])
    """
    if record_path is not None:
        return record_path, find_records(data, record_path)
    if isinstance(data, list):
        return None, data
    if not isinstance(data, Mapping):
        return None, [] if data is None else [data]
    top = [(str(k), v) for k, v in data.items() if _is_records(v)]
    nested = [
        (f"{k}.{k2}", v2)
        for k, v in data.items()
        if isinstance(v, Mapping)
        for k2, v2 in v.items()
        if _is_records(v2)
    ]
    for candidates in (
        [c for c in top if c[1]],
        [c for c in nested if c[1]],
        [c for c in top if c[0] in RECORD_KEYS],
        [c for c in nested if c[0].rsplit(".", 1)[-1] in RECORD_KEYS],
    ):
        if candidates:
            picked = _pick(candidates)
            if picked is not None:
                return picked
            break  # ambiguous: several lists and no known name among them
    return None, [data]


def find_records(data: Any, record_path: str | None = None) -> list[Any]:
    """Return the list of records inside ``data``.

    Args:
        data: decoded JSON.
        record_path: a key (or dotted path such as ``"data.items"``) naming the list.
            Without it the records are found by :func:`locate_records`.

    Raises:
        RecordPathError: ``record_path`` is not in ``data``; the message lists the keys that are.
    """
    if record_path is None:
        return locate_records(data)[1]
    node = lookup(data, record_path, _MISSING)
    if node is _MISSING:
        raise _missing_path(data, record_path)
    if node is None:
        return []  # "results": null is an empty page, not one row of None
    return node if isinstance(node, list) else [node]


def _missing_path(data: Any, record_path: str) -> RecordPathError:
    """The error for a ``record_path`` that is not there, naming the keys that are."""
    node, missing = data, record_path
    for part in record_path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            missing = part
            break
        node = node[part]
    keys = sorted(map(str, node)) if isinstance(node, Mapping) else []
    return RecordPathError(
        f"record_path {record_path!r}: no key {missing!r} in the response; "
        f"keys there: {', '.join(keys) or '(not an object)'}"
    )


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


def convert_dates(frame: pd.DataFrame, columns: DateColumns) -> pd.DataFrame:
    """Turn date columns of ``frame`` into datetimes, in place; return ``frame``.

    Args:
        frame: a frame from :func:`to_frame` (its ``attrs`` are kept).
        columns: the names of the columns to convert (``""`` and ``None`` become
            ``NaT``); ``"auto"``: every column whose values are all ISO-8601 strings
            (``2024-01-03``, ``2024-01-03T09:00:00Z``, ``...+02:00``; empty strings
            and missing values allowed, at least one date); ``None``: none.
            Timestamps with a zone become UTC datetimes (``datetime64[..., UTC]``),
            those without one and plain dates stay naive.

    Raises:
        ValueError: a named column is not there, or holds something that is no date.

    >>> frame = pd.DataFrame({"id": [1], "created_at": ["2024-01-03T09:00:00Z"]})
    >>> convert_dates(frame, "auto").loc[0, "created_at"]
    Timestamp('2024-01-03 09:00:00+0000', tz='UTC')
    """
    if columns is None:
        return frame
    if isinstance(columns, str):
        if columns != "auto":
            raise ValueError(
                f"parse_dates takes a list of column names or 'auto', not {columns!r}; "
                f"e.g. parse_dates=[{columns!r}]"
            )
        names = [c for c in frame.columns if _iso_column(frame[c])]
    else:
        names = list(columns)
        missing = [c for c in names if c not in frame.columns]
        if missing and not frame.empty:
            raise ValueError(
                f"parse_dates: no column {missing[0]!r} in the frame; its columns: "
                f"{', '.join(map(str, frame.columns))}"
            )
    for name in names:
        if name in frame.columns:
            frame[name] = _datetimes(frame[name], name)
    return frame


def _iso_column(column: pd.Series) -> bool:
    """Whether every value is an ISO-8601 date string (or empty), and there is one at least."""
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return False
    values = column.dropna()
    values = values[values != ""]
    if values.empty or not isinstance(values.iloc[0], str):
        return False
    if ISO_8601.fullmatch(values.iloc[0]) is None:  # most columns are decided here, cheaply
        return False
    if not all(isinstance(v, str) for v in values):
        return False
    return bool(values.str.fullmatch(ISO_8601.pattern).all())


def _datetimes(column: pd.Series, name: str) -> pd.Series:
    """``column`` as datetimes: UTC when its timestamps carry a zone, naive otherwise."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    values = column.replace("", None)
    texts = values.dropna()
    zoned = any(isinstance(v, str) and _ZONED.search(v) for v in texts.iloc[:100])
    try:
        return pd.to_datetime(values, utc=zoned, format="ISO8601")
    except (ValueError, TypeError):
        try:  # not ISO-8601: let pandas infer the format, as read_csv(parse_dates=) does
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                return pd.to_datetime(values, utc=zoned)
        except (ValueError, TypeError) as exc:
            example = next((v for v in texts if _not_a_date(v)), None)
            raise ValueError(
                f"parse_dates: column {name!r} holds values that are not dates"
                f"{f', e.g. {example!r}' if example is not None else ''} ({exc}). "
                "Leave it out of parse_dates, or convert it yourself with pd.to_datetime."
            ) from None


def _not_a_date(value: Any) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            pd.to_datetime(value)
    except (ValueError, TypeError):
        return True
    return False
