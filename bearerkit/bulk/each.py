"""``get_each``: one request per value, concurrently, results in the order of the values.

The engine behind :meth:`bearerkit.Client.get_each`. A path template (``"movie/{}"``,
``"repos/{owner}/{name}"``) is filled from each value (scalars, dicts, DataFrame rows,
a Series); each distinct request is sent once, over the client's own session (its rate
limit, announced budgets, retries, cache and cassette) on the paging pool
(:class:`bearerkit.paging.pool.InOrder`), and the answers are put back in order.

``errors="raise"``: the first failure stops the run and carries ``.partial`` (every row
fetched so far); ``resume=err`` fetches only what is missing. ``errors="skip"``: an
answer with an error status for one value (404, 410, 422...) leaves that value out,
listed in ``df.attrs["each"]["failed"]``, with one warning; failures that are not about
one value (network, rate limit, authentication) still raise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import string
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..errors import ApiError, AuthError, BearerkitError, RateLimitError
from ..frames import find_records, records_to_frame
from ..paging.page import GetPage, Page, PageRequest
from ..paging.partial import stacklevel
from ..paging.pool import InOrder

__all__ = ["EachInfo", "EachNote", "EachRun", "Item", "plan_items", "run_each"]

ERRORS = ("raise", "skip")
KEY_SUFFIX = "_key"  # a key column whose name the answer's records already use


@dataclass(frozen=True)
class Item:
    """One distinct request of a ``get_each`` run.

    Attributes:
        value: the value as given (a scalar, or a dict of the template's fields).
        keys: the key columns this value's rows keep (``{"id": 550}``).
        request: the GET it becomes.
        key: the request's identity (a digest: values may be anything).
    """

    value: Any
    keys: dict[str, Any]
    request: PageRequest
    key: str


@dataclass
class EachRun:
    """What :func:`run_each` returns: the rows in order, and ``attrs["each"]``."""

    rows: list[Any]
    info: EachInfo

    def frame(self) -> pd.DataFrame:
        frame = records_to_frame(self.rows)
        frame.attrs["each"] = self.info
        return frame


class EachInfo(dict[str, Any]):
    """``df.attrs["each"]``: ``requested``, ``fetched``, ``failed`` (a DataFrame) and more.

    A dict, as pandas wants attrs to be; two things make a DataFrame inside it safe:
    pandas compares attrs when it concatenates frames (``==`` on two DataFrames has no
    single truth value), and writes them as JSON with ``to_parquet`` (a DataFrame is not
    JSON). Equality and the JSON view (``items()``, which the ``json`` module reads for
    dict subclasses) therefore use the failures as a list of records.
    """

    def _plain(self) -> dict[str, Any]:
        out = dict(super().items())
        failed = out.get("failed")
        if isinstance(failed, pd.DataFrame):
            out["failed"] = json.loads(failed.to_json(orient="records"))
        return out

    def items(self) -> Any:
        return self._plain().items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EachInfo):
            return self._plain() == other._plain()
        return isinstance(other, dict) and self._plain() == other

    __hash__ = None

    def __deepcopy__(self, memo: dict[int, Any]) -> EachInfo:
        return self  # never changed after the run; pandas deep-copies attrs on every step


class EachNote(str):
    """Where an unfinished ``get_each`` stopped: text for JSON, the fetched rows inside.

    ``attrs["each"]["resume"]`` of a partial frame; ``get_each(..., resume=err)`` reads
    it and fetches only the values it lacks.
    """

    origin: str
    done: dict[str, list[Any]]
    failed: dict[str, tuple[Any, int | None, str]]

    def __new__(
        cls,
        origin: str,
        done: dict[str, list[Any]],
        failed: dict[str, tuple[Any, int | None, str]],
    ) -> EachNote:
        note = super().__new__(
            cls, f"<get_each resume point: {len(done)} values fetched, {len(failed)} skipped>"
        )
        note.origin, note.done, note.failed = origin, done, failed
        return note

    def __deepcopy__(self, memo: dict[int, Any]) -> EachNote:
        return self


def origin_of(path: str, params: Mapping[str, Any] | None, record_path: str | None) -> str:
    """The identity of a ``get_each`` call: resuming with another template is refused."""
    shown = repr((path, sorted((str(k), str(v)) for k, v in (params or {}).items()), record_path))
    return hashlib.sha256(shown.encode()).hexdigest()


# -- values to requests ---------------------------------------------------------------
def template_fields(path: str) -> tuple[list[str], bool]:
    """The template's named fields, and whether it has a positional ``{}``."""
    named: list[str] = []
    positional = False
    try:
        parsed = list(string.Formatter().parse(path))
    except ValueError as exc:
        raise ValueError(f"path template {path!r} is not a valid template: {exc}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(
                f"path template {path!r}: write plain fields like {{}} or {{owner}}, "
                "without format specs or conversions"
            )
        if name in ("", "0"):
            positional = True
        elif name.isidentifier():
            named.append(name)
        else:
            raise ValueError(
                f"path template {path!r}: field {{{name}}} is not a plain name; use {{}} "
                "for one value or {column} for a column of a DataFrame or a key of a dict"
            )
    if positional and named:
        raise ValueError(f"path template {path!r} mixes {{}} with named fields; use one kind")
    if not positional and not named:
        raise ValueError(
            f"path template {path!r} has no field for the values; write e.g. 'movie/{{}}' "
            "or 'repos/{owner}/{name}'"
        )
    return list(dict.fromkeys(named)), positional


def _as_rows(values: Any, named: list[str]) -> tuple[list[Any], str | None]:
    """The values as a list (scalars or dicts), and the scalar key column's name."""
    if isinstance(values, pd.DataFrame):
        missing = [f for f in named if f not in values.columns]
        if not named or missing:
            raise ValueError(
                f"the path template needs the column(s) {', '.join(missing or ['?'])} of the "
                f"DataFrame (it has {', '.join(map(str, values.columns))}); name them like "
                "'repos/{owner}/{name}', or pass one column (df.id) for a '{}' template"
            )
        return values[named].to_dict("records"), None
    if isinstance(values, pd.Series):
        name = values.name if isinstance(values.name, str) and values.name else None
        return values.tolist(), name
    if isinstance(values, pd.Index):
        return values.tolist(), values.name if isinstance(values.name, str) else None
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(
            "values must be a list, Series, DataFrame or other collection of values "
            f"(e.g. df.id), not {type(values).__name__}"
        )
    if hasattr(values, "tolist"):  # numpy arrays: plain Python numbers
        return list(values.tolist()), None
    return list(values), None


def _scalar(value: Any, position: int) -> Any:
    """A value fit for a path: numpy numbers unwrapped, ``550.0`` as ``550``; no NaN."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        raise ValueError(
            f"value number {position} is missing (None/NaN): drop missing values first, "
            "e.g. get_each(path, df.id.dropna())"
        )
    if isinstance(value, float) and value.is_integer():
        return int(value)  # ids in a column with NaNs elsewhere become floats
    if not isinstance(value, (str, int, float, bool)):
        raise TypeError(
            f"value number {position} is a {type(value).__name__}; a '{{}}' template takes "
            "strings or numbers, a named one dicts or DataFrame rows"
        )
    return value


def plan_items(path: str, values: Any, params: Mapping[str, Any] | None) -> tuple[list[Item], int]:
    """The distinct requests for ``values`` in first-seen order, and how many repeats."""
    named, positional = template_fields(path)
    rows, series_name = _as_rows(values, named)
    items: dict[str, Item] = {}
    repeats = 0
    for position, row in enumerate(rows):
        if positional or (len(named) == 1 and not isinstance(row, Mapping)):
            scalar = _scalar(row, position)
            name = named[0] if named else (series_name or "value")
            keys = {name: scalar}
            text = quote(str(scalar), safe="")  # a "/" inside a value stays inside it
            filled = (
                path.replace("{0}", "{}").format(*[text] * path.count("{"))
                if positional
                else path.format(**{name: text})
            )
        elif isinstance(row, Mapping):
            missing = [f for f in named if f not in row]
            if missing:
                raise ValueError(
                    f"value number {position} has no {', '.join(missing)} for the template "
                    f"{path!r} (it has {', '.join(map(str, row)) or 'no keys'})"
                )
            keys = {f: _scalar(row[f], position) for f in named}
            filled = path.format(**{f: quote(str(v), safe="") for f, v in keys.items()})
        else:
            raise TypeError(
                f"value number {position} is {type(row).__name__}, but the template {path!r} "
                f"names fields ({', '.join(named)}): pass dicts or a DataFrame with those columns"
            )
        request = PageRequest("GET", filled, dict(params) if params else None)
        key = request.key()
        if key in items:
            repeats += 1
            continue
        items[key] = Item(dict(keys) if isinstance(row, Mapping) else scalar, keys, request, key)
    return list(items.values()), repeats


# -- answers to rows --------------------------------------------------------------------
def rows_of(item: Item, body: Any, record_path: str | None) -> list[Any]:
    """The rows one answer gives: an object is one row, a list (or ``record_path``) several.

    Every row keeps the value's key columns; a key the record already has with the same
    value is not repeated, one it has with another value (a review's own ``id``) is kept
    as ``<name>_key``. An object answer keeps the record's own fields as they are.
    """
    if record_path is not None:
        records, listed = find_records(body, record_path), True
    elif isinstance(body, list):
        records, listed = body, True
    elif body is None:
        records, listed = [], True
    else:
        records, listed = [body], False
    rows = []
    for record in records:
        if not isinstance(record, Mapping):
            rows.append({**item.keys, "item": record})
            continue
        extra: dict[str, Any] = {}
        for name, value in item.keys.items():
            if name not in record:
                extra[name] = value
            elif listed and str(record[name]) != str(value):
                extra[name + KEY_SUFFIX] = value
        rows.append({**extra, **record} if extra else dict(record))
    return rows


# -- the run ----------------------------------------------------------------------------
@dataclass
class _State:
    origin: str
    items: list[Item]
    done: dict[str, list[Any]] = field(default_factory=dict)
    failed: dict[str, tuple[Any, int | None, str]] = field(default_factory=dict)
    repeats: int = 0

    def rows(self) -> list[Any]:
        return [row for item in self.items for row in self.done.get(item.key, ())]

    def info(self, *, complete: bool, stopped: str, resume: bool = False) -> EachInfo:
        asked = {item.key for item in self.items}
        failed = pd.DataFrame(
            [
                {"value": v, "status": s, "message": m}
                for key, (v, s, m) in self.failed.items()
                if key in asked
            ],
            columns=["value", "status", "message"],
        ).astype({"status": "Int64"})
        fetched = sum(1 for item in self.items if item.key in self.done)
        info = EachInfo(
            requested=len(self.items),
            fetched=fetched,
            failed=failed,
            duplicates=self.repeats,
            rows=sum(len(self.done[i.key]) for i in self.items if i.key in self.done),
            complete=complete,
            stopped=stopped,
        )
        if resume:
            info["resume"] = EachNote(self.origin, dict(self.done), dict(self.failed))
        return info

    def partial(self, err: BearerkitError, item: Item) -> BearerkitError:
        """``err`` with ``.partial``: the rows so far, resumable with ``resume=err``."""
        stopped = f"{type(err).__name__} for {_shown(item)}"
        err.partial = EachRun(
            self.rows(), self.info(complete=False, stopped=stopped, resume=True)
        ).frame()
        return err


def _shown(item: Item) -> str:
    return f"{item.request.path}"[:200]


def resume_note(resume: Any) -> EachNote:
    """The :class:`EachNote` inside an error, a partial frame, or the note itself."""
    if isinstance(resume, EachNote):
        return resume
    frame = resume.partial if isinstance(resume, BearerkitError) else resume
    attrs = getattr(frame, "attrs", None)
    info = attrs.get("each") if isinstance(attrs, Mapping) else None
    note = dict.get(info, "resume") if isinstance(info, dict) else None
    if isinstance(note, EachNote):
        return note
    raise ValueError(
        "resume= takes an error raised by get_each (err), its err.partial, or a folder "
        "get_each wrote with to=; this one has nothing to resume"
    )


def skippable(err: BearerkitError) -> bool:
    """An error about one value (404, 410, 422...), not about the API or the connection."""
    return isinstance(err, ApiError) and not isinstance(err, (AuthError, RateLimitError))


def run_each(
    get_page: GetPage,
    path: str,
    values: Any,
    *,
    params: Mapping[str, Any] | None = None,
    workers: int = 4,
    progress: bool | None = None,
    errors: str = "raise",
    record_path: str | None = None,
    resume: Any = None,
    on_batch: Callable[[list[tuple[Item, list[Any]]], dict[str, tuple[Any, int | None, str]]], None]
    | None = None,
    done: Mapping[str, list[Any]] | None = None,
    skipped: Mapping[str, tuple[Any, int | None, str]] | None = None,
    batch: int = 100,
    sequential: bool = False,
) -> EachRun:
    """Fetch ``path`` once per distinct value and return the rows in the values' order.

    ``on_batch`` (streaming) is called with each run of up to ``batch`` finished items,
    in order, and the failures so far; ``done``/``skipped`` are what an earlier run
    already has (a folder's manifest), fetched no more.
    """
    if errors not in ERRORS:
        raise ValueError(f"errors must be 'raise' or 'skip', not {errors!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number of at least 1, not {workers!r}")
    items, repeats = plan_items(path, values, params)
    state = _State(origin_of(path, params, record_path), items, repeats=repeats)
    if resume is not None:
        note = resume_note(resume)
        if note.origin != state.origin:
            raise ValueError(
                "resume= comes from a get_each call with another path template, params or "
                "record_path; call get_each with the same arguments as the run that stopped"
            )
        state.done.update(note.done)
        if errors == "skip":
            state.failed.update(note.failed)
    state.done.update(done or {})
    state.failed.update(skipped or {})
    todo = [i for i in items if i.key not in state.done and i.key not in state.failed]

    def fetch(item: Item) -> Page:
        return get_page(item.request)

    bar = _bar(len(items), len(items) - len(todo), progress, path)
    pool = InOrder(fetch, todo, workers=1 if sequential else workers)
    pending: list[tuple[Item, list[Any]]] = []
    ok = False
    try:
        for item, future in pool:
            err = future.exception()
            if err is None:
                rows = rows_of(item, future.result().body, record_path)
                state.done[item.key] = rows
                pending.append((item, rows))
            elif isinstance(err, BearerkitError) and errors == "skip" and skippable(err):
                state.failed[item.key] = (_plain_value(item), _status(err), _message(err))
            elif isinstance(err, BearerkitError):
                for later, page in pool.stop():
                    with contextlib.suppress(BearerkitError):  # else fetched again on resume
                        state.done[later.key] = rows_of(later, page.body, record_path)
                if on_batch is not None and pending:
                    _hand_on(on_batch, pending, state)
                raise state.partial(err, item) from None
            else:
                raise err
            if bar is not None:
                bar.update(1)
            if on_batch is not None and len(pending) >= batch:
                _hand_on(on_batch, pending, state)
                pending = []
        if on_batch is not None and (pending or not todo or state.failed):
            _hand_on(on_batch, pending, state)
        ok = True
    finally:
        pool.stop()  # idempotent; after a failure it cancels what is still queued
        if bar is not None:
            if ok:
                bar.refresh()
            bar.close()
    skipped_n = sum(1 for i in items if i.key in state.failed)
    stopped = "every value fetched" if not skipped_n else f"{skipped_n} values skipped"
    info = state.info(complete=True, stopped=stopped)
    if skipped_n:
        _warn_skipped(info)
    return EachRun(state.rows(), info)


def _hand_on(
    on_batch: Callable[[list[tuple[Item, list[Any]]], dict[str, Any]], None],
    batch: list[tuple[Item, list[Any]]],
    state: _State,
) -> None:
    """Give a batch to its receiver, which keeps the rows from then on (not memory)."""
    on_batch(batch, dict(state.failed))
    for item, _ in batch:
        state.done[item.key] = []


def _warn_skipped(info: EachInfo) -> None:
    failed = dict.__getitem__(info, "failed")
    counts = failed["status"].astype("string").fillna("no status").value_counts()
    why = ", ".join(f"{status}: {n}" for status, n in counts.items())
    warnings.warn(
        f"get_each left out {len(failed)} of {info['requested']} values ({why}); "
        "df.attrs['each']['failed'] lists them with the API's message.",
        UserWarning,
        stacklevel=stacklevel(),
    )


def _plain_value(item: Item) -> Any:
    return dict(item.value) if isinstance(item.value, Mapping) else item.value


def _status(err: BearerkitError) -> int | None:
    return getattr(err, "status_code", None)


def _message(err: BearerkitError) -> str:
    message = getattr(err, "api_message", None)
    return str(message) if message else str(err).splitlines()[0][:200]


def _bar(total: int, initial: int, progress: bool | None, path: str) -> Any:
    """A tqdm.auto bar over the values (a widget in Jupyter), or ``None`` when off."""
    if progress is False or (progress is None and total - initial <= 1):
        return None
    from tqdm.auto import tqdm  # late: tqdm.auto pulls in ipywidgets inside Jupyter

    label = path.split("{")[0].strip("/") or "values"
    return tqdm(total=total, initial=initial, desc=label[-40:], unit="request", leave=True)
