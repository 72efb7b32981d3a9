"""Streaming to disk: Parquet part files and a manifest, committed by rename, resumable.

``paginate(..., to="data/issues")`` and ``get_each(..., to="data/details")`` write
each page (or batch of values) as it arrives into a folder:

    data/issues/
      _bearerkit.json          the manifest: the request, style, pages done, what is next
      part-00000001.parquet    page 1 (names sort in page order)
      part-00000002.parquet    ...

``pd.read_parquet("data/issues")`` and DuckDB's ``read_parquet('data/issues/*.parquet')``
read every row in order; both skip the manifest (a name starting with ``_``) and the
temporary files (a name starting with ``.``). Each file is written to a temporary
name and renamed into place (``os.replace``), parts before the manifest that counts
them, so a killed process never leaves a half file, and a part the manifest does not
count is removed on resume. Every part has the same schema (a new column or a wider
type rewrites the earlier parts), so readers that take the schema from the first file
see every column.

``resume="data/issues"`` continues: it checks that the folder was written for the same
request (another one is refused), fetches what is missing and appends. No credential
is written: the manifest masks credential parameters, records that echo a token are
scrubbed, and no DataFrame ``attrs`` go into the Parquet metadata.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from ..errors import BearerkitError, FolderError
from ..frames import records_to_frame
from ..paging.page import PageRequest
from ..paging.resume import ResumeNote, ResumePoint, Run, carries_credential
from ..redact import MASK, SECRET_BODY_FIELDS, contains_secret, is_secret_param, mask_url, scrub
from ..secrets import secrets_of

__all__ = ["MANIFEST", "Folder", "FolderError", "paginate_to_folder", "read_folder"]

MANIFEST = "_bearerkit.json"
_PART = re.compile(r"part-(\d{8})\.parquet")
_VERSION = 1


def require_pyarrow() -> Any:
    """``pyarrow`` and ``pyarrow.parquet``, or an error naming the extra that installs them."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BearerkitError(
            "Writing Parquet needs pyarrow: pip install 'bearerkit[parquet]' "
            "(the notebook extra includes it)"
        ) from None
    return pa, pq


def read_folder(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Every row a streaming run wrote into ``folder``, in order (as ``pd.read_parquet``).

    >>> read_folder("data/details")  # doctest: +SKIP
    """
    path = Path(folder)
    require_pyarrow()
    parts = sorted(p for p in path.glob("part-*.parquet") if _PART.fullmatch(p.name))
    if not parts:
        return pd.DataFrame()
    return pd.read_parquet(path)


def _masked_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {str(k): MASK if is_secret_param(str(k)) else _jsonable(v) for k, v in params.items()}


def _masked_body(body: Any) -> Any:
    if isinstance(body, Mapping):
        return {
            str(k): MASK if str(k).lower() in SECRET_BODY_FIELDS else _jsonable(v)
            for k, v in body.items()
        }
    return _jsonable(body)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def identity(kind: str, base_url: str, **request: Any) -> tuple[str, dict[str, Any]]:
    """A request's identity digest and its description for the manifest (no credentials)."""
    shown: dict[str, Any] = {"kind": kind, "base_url": mask_url(base_url)}
    for name, value in request.items():
        if name == "params":
            value = _masked_params(value)
        elif name == "json":
            value = _masked_body(value)
        elif name == "path":
            value = mask_url(str(value))
        shown[name] = _jsonable(value)
    # The host and port are left out, as cassettes leave them out of matching: a sandbox
    # on another port after a kernel restart is the same API, and so is a proxy's host.
    same = {**shown, "base_url": urlsplit(base_url).path.rstrip("/")}
    digest = hashlib.sha256(json.dumps(same, sort_keys=True, default=str).encode()).hexdigest()
    return digest, shown


class Folder:
    """One streaming folder: its manifest, its parts, and the one schema they share."""

    def __init__(self, path: Path, manifest: dict[str, Any], secrets: Iterable[str]) -> None:
        self.path = path
        self.manifest = manifest
        self.secrets = [s for s in secrets if s]
        self.schema: Any = None
        self._tables: dict[str, Any] = {}  # parts written by this process, by file name

    # -- opening ------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str],
        *,
        digest: str,
        shown: dict[str, Any],
        resume: bool,
        secrets: Iterable[str],
    ) -> Folder:
        """A new run into ``folder`` (``resume=False``), or the run it holds (``True``).

        Raises:
            FolderError: the folder holds a run of another request, or files bearerkit did
                not write; ``to=`` a folder that already holds a run.
        """
        require_pyarrow()
        path = Path(folder)
        manifest_path = path / MANIFEST
        if path.exists() and not path.is_dir():
            raise FolderError(f"{path} is a file; to=/resume= take a folder for the part files")
        if manifest_path.exists():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise FolderError(
                    f"{manifest_path} cannot be read ({exc}); start a new folder"
                ) from None
            if manifest.get("identity") != digest:
                raise FolderError(
                    f"{path} holds a run of another request ({_describe(manifest.get('request'))}), "
                    f"not of this one ({_describe(shown)}). Use another folder for this request, "
                    "or delete that one."
                )
            if not resume:
                state = "complete" if manifest.get("complete") else "unfinished"
                pages = manifest.get("pages", 0)
                raise FolderError(
                    f"{path} already holds a run of this request ({state}, {pages} "
                    f"page{'' if pages == 1 else 's'}, {manifest.get('rows', 0)} rows). "
                    f"Pass resume={str(folder)!r} to continue it "
                    "(a complete one is read back without a request), or delete the folder to start afresh."
                )
            found = cls(path, manifest, secrets)
            found._clean()
            return found
        if path.exists():
            foreign = [p.name for p in path.iterdir() if not p.name.startswith(".")]
            if foreign:
                raise FolderError(
                    f"{path} already has files bearerkit did not write ({', '.join(sorted(foreign)[:3])}"
                    f"{', ...' if len(foreign) > 3 else ''}); give an empty or new folder, so that "
                    "reading it back gives only this run's rows"
                )
        path.mkdir(parents=True, exist_ok=True)
        manifest = {
            "bearerkit": _VERSION,
            "identity": digest,
            "request": shown,
            "style": None,
            "pages": 0,
            "rows": 0,
            "parts": [],
            "next": None,
            "complete": False,
            "started": _now(),
        }
        created = cls(path, manifest, secrets)
        created.commit()
        return created

    def _clean(self) -> None:
        """Remove what a killed run left: temporary files, parts the manifest does not count."""
        counted = set(self.manifest.get("parts", []))
        for p in self.path.iterdir():
            if (p.name.startswith(".") and ".tmp" in p.name) or (
                _PART.fullmatch(p.name) and p.name not in counted
            ):
                p.unlink(missing_ok=True)
        parts = sorted(counted)
        if parts:
            _, pq = require_pyarrow()
            self.schema = pq.read_schema(self.path / parts[0])

    # -- writing ------------------------------------------------------------------
    def _atomic(self, name: str, write: Callable[[Path], None]) -> None:
        temp = self.path / f".{name}.tmp-{os.getpid()}"
        try:
            write(temp)
            os.replace(temp, self.path / name)
        finally:
            temp.unlink(missing_ok=True)

    def commit(self, **changes: Any) -> None:
        """Update the manifest and write it atomically."""
        self.manifest.update(changes, updated=_now())
        text = json.dumps(self.manifest, indent=1, default=str)
        if self.secrets and contains_secret(text, self.secrets):
            text = scrub(text, self.secrets)  # a value the API echoed into a next cursor

        def write(p: Path) -> None:
            p.write_text(text, encoding="utf-8")

        self._atomic(MANIFEST, write)

    def write_part(self, records: list[Any], **changes: Any) -> None:
        """Write ``records`` as the next part file, then the manifest that counts it."""
        parts = list(self.manifest.get("parts", []))
        rows = int(self.manifest.get("rows", 0))
        if records:
            table = self._table(self._scrubbed(records))
            name = f"part-{len(parts) + 1:08d}.parquet"
            _, pq = require_pyarrow()
            self._atomic(name, lambda p: pq.write_table(table, p))
            self._tables[name] = table
            parts.append(name)
            rows += len(records)
        self.commit(parts=parts, rows=rows, **changes)

    def _scrubbed(self, records: list[Any]) -> list[Any]:
        if not self.secrets:
            return records
        text = json.dumps(records, default=str)
        if not contains_secret(text, self.secrets):
            return records
        return list(json.loads(scrub(text, self.secrets)))

    def _table(self, records: list[Any]) -> Any:
        """The records as an Arrow table in the folder's one schema (widened if needed)."""
        pa, _ = require_pyarrow()
        table = _flat_table(records, pa)
        if table is None:
            table = self._frame_table(records, pa)
        # No metadata at all: pandas' describes one page's dtypes, not the folder's.
        table = table.replace_schema_metadata(None)
        if self.schema is None:
            self.schema = table.schema
            return table
        if table.schema.equals(self.schema):
            return table
        try:
            wider = pa.unify_schemas([self.schema, table.schema], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise FolderError(
                f"A page's columns do not fit the types of the earlier parts in {self.path} "
                f"({exc}); the API changed a field's type mid-run"
            ) from None
        if not wider.equals(self.schema):
            self.schema = wider
            for part in self.manifest.get("parts", []):
                self._rewrite(part, wider)
        return _conform(table, self.schema, pa)

    def _frame_table(self, records: list[Any], pa: Any) -> Any:
        """Records with nested objects: flattened as in memory (``a.b`` columns)."""
        frame = records_to_frame(records)
        frame.attrs = {}  # pandas would write attrs into the file's metadata
        try:
            return pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns = {}
            for name in frame.columns:
                column = frame[name]
                try:
                    columns[str(name)] = pa.array(column, from_pandas=True)
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    # Mixed types in one column (a number here, text there): JSON text.
                    columns[str(name)] = pa.array(
                        [None if _missing(v) else json.dumps(v, default=str) for v in column],
                        pa.string(),
                    )
            return pa.table(columns)

    def _rewrite(self, part: str, schema: Any) -> None:
        pa, pq = require_pyarrow()
        table = _conform(self._tables.get(part) or pq.read_table(self.path / part), schema, pa)
        self._atomic(part, lambda p: pq.write_table(table, p))
        self._tables[part] = table

    def read(self) -> pd.DataFrame:
        """Every row in the folder, in order: what ``pd.read_parquet(folder)`` gives.

        Parts written by this process are taken from memory (opening a few hundred
        small files again costs more than writing them did).
        """
        pa, pq = require_pyarrow()
        parts = list(self.manifest.get("parts", []))
        if not parts:
            return pd.DataFrame()
        tables = [self._tables.get(p) or pq.read_table(self.path / p) for p in parts]
        return pa.concat_tables(tables).to_pandas()


def _flat_table(records: list[Any], pa: Any) -> Any:
    """Flat records (no nested objects) straight to Arrow, or ``None`` to go through pandas.

    Ten times faster than a DataFrame first, and the same columns: pandas would not
    flatten anything either.
    """
    value_types: set[type] = set()
    for record in records:
        if not isinstance(record, dict):
            return None
        value_types.update(map(type, record.values()))
    if dict in value_types or any(issubclass(t, Mapping) for t in value_types):
        return None
    try:
        return pa.Table.from_struct_array(pa.array(records))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # mixed types in a column: the slower path keeps them as text


def _conform(table: Any, schema: Any, pa: Any) -> Any:
    """``table`` with exactly ``schema``'s columns, in order (missing ones as nulls)."""
    arrays = []
    for fld in schema:
        if fld.name in table.column_names:
            arrays.append(table.column(fld.name).cast(fld.type))
        else:
            arrays.append(pa.nulls(table.num_rows, fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _describe(request: Any) -> str:
    if not isinstance(request, Mapping):
        return "unknown"
    params = request.get("params") or {}
    query = "&".join(f"{k}={v}" for k, v in params.items()) if isinstance(params, Mapping) else ""
    return f"{request.get('kind', '?')} {request.get('path', '?')}{'?' + query if query else ''}"[
        :200
    ]


# -- paginate ---------------------------------------------------------------------------
def _request_json(request: PageRequest | None) -> dict[str, Any] | None:
    """A next request for the manifest, or ``None`` when it carries a credential."""
    if request is None:
        return None
    if carries_credential(request):
        return None
    return {
        "method": request.method,
        "path": request.path,
        "params": dict(request.params) if request.params is not None else None,
        "json": request.json,
    }


def paginate_to_folder(
    run: Callable[..., Run],
    request: PageRequest,
    folder: Folder,
    *,
    collect: bool,
    max_pages: int | None,
    **options: Any,
) -> Any:
    """A paginate run written page by page into ``folder``, continuing what it holds.

    ``run(request, **options)`` is the client's paging run. A folder with pages already
    costs one request more than the missing pages: the first page again, which says the
    style and the plan, before continuing after the last page written.
    """
    manifest = folder.manifest
    done = int(manifest.get("pages", 0))

    def on_page(records: list[Any], next_request: PageRequest | None) -> None:
        nxt = _request_json(next_request)
        folder.write_part(
            records,
            pages=int(folder.manifest.get("pages", 0)) + 1,
            next=nxt,
            next_withheld=next_request is not None and nxt is None,
        )

    if not manifest.get("complete"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="paginate returned", category=UserWarning)
            probe = run(request, max_pages=1, **options, on_page=None if done else on_page)
        point = _point_of(probe)
        folder.commit(style=probe.info.get("style"), paginator=probe.info.get("paginator"))
        if point is None:  # one page, or the listing ends at the first
            if not done and not folder.manifest.get("pages"):
                folder.write_part(probe.records, pages=1, next=None)
            folder.commit(complete=True, stopped=probe.info.get("stopped"))
        else:
            point = _continue_from(point, max(done, 1), folder)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    final = run(
                        request, resume=point, max_pages=max_pages, **options, on_page=on_page
                    )
            except (BearerkitError, KeyboardInterrupt) as err:  # Ctrl-C: PagingInterrupted
                folder.commit(stopped=f"{type(err).__name__} after page {folder.manifest['pages']}")
                err.partial = _with_info(folder, complete=False)  # type: ignore[union-attr]
                raise
            info = final.info
            folder.commit(complete=bool(info.get("complete")), stopped=info.get("stopped"))
            _rewarn(caught, folder)
    if not collect:
        return folder.path
    return _with_info(folder, complete=bool(folder.manifest.get("complete")))


def _rewarn(caught: list[warnings.WarningMessage], folder: Folder) -> None:
    """The run's warnings again, the "not all pages" one counting the folder's rows."""
    from ..paging.partial import stacklevel

    for w in caught:
        text = str(w.message)
        if text.startswith("paginate returned"):
            m = folder.manifest
            text = (
                f"paginate wrote {m.get('rows', 0)} records from {m.get('pages', 0)} pages to "
                f"{folder.path}, not all of them: {m.get('stopped')}. resume={str(folder.path)!r} "
                "continues (a larger max_pages fetches more)."
            )
        warnings.warn(text, w.category, stacklevel=stacklevel())


def _with_info(folder: Folder, *, complete: bool) -> pd.DataFrame:
    frame = folder.read()
    m = folder.manifest
    frame.attrs["paging"] = {
        "style": m.get("style"),
        "paginator": m.get("paginator"),
        "pages": m.get("pages"),
        "records": len(frame),
        "complete": complete,
        "stopped": m.get("stopped"),
        "folder": str(folder.path),
    }
    return frame


def _point_of(run: Run) -> ResumePoint | None:
    note = run.info.get("resume")
    return note.point if isinstance(note, ResumeNote) else None


def _continue_from(point: ResumePoint, done: int, folder: Folder) -> ResumePoint:
    """The probe's resume point moved on to after the ``done`` pages the folder has."""
    if point.pending:  # planned: the first page's plan, minus the pages written
        return dataclasses.replace(point, records=[], pages=done, pending=point.pending[done - 1 :])
    if done <= 1:
        return dataclasses.replace(point, records=[])
    stored = folder.manifest.get("next")
    if stored is None:
        raise FolderError(
            f"{folder.path} cannot be continued: the link to page {done + 1} carries a "
            "credential, which bearerkit never writes to disk. Delete the folder and start again."
        )
    nxt = PageRequest(stored["method"], stored["path"], stored.get("params"), stored.get("json"))
    return dataclasses.replace(point, records=[], pages=done, next_request=nxt)


def is_folder_spec(value: Any) -> bool:
    """``resume=`` given a folder (a path) rather than an error or a frame."""
    return isinstance(value, (str, os.PathLike))


def folder_of(resume: Any) -> Any:
    """The folder behind an error or frame of a streaming run, else ``None``."""
    frame = resume.partial if isinstance(resume, BearerkitError) else resume
    attrs = getattr(frame, "attrs", None)
    for key in ("paging", "each"):
        info = attrs.get(key) if isinstance(attrs, Mapping) else None
        if isinstance(info, dict) and dict.get(info, "folder"):
            return dict.get(info, "folder")
    return None


def secrets_for(client: Any) -> list[str]:
    """The credentials a client holds, to keep out of every file written."""
    found: set[str] = set()
    token = getattr(client, "token", None)
    if token is not None:
        found.add(token.value)
    found.update(secrets_of(client.session.auth))
    return sorted(found)


# -- get_each ---------------------------------------------------------------------------
def each_to_folder(
    run_each: Callable[..., Any], folder: Folder, *, collect: bool, **options: Any
) -> Any:
    """A ``get_each`` run written batch by batch into ``folder``, skipping what it holds.

    ``run_each(**options)`` is :func:`bearerkit.bulk.each.run_each` bound to the client.
    """
    manifest = folder.manifest
    done_keys: list[str] = list(manifest.get("done", []))
    skipped = {k: tuple(v) for k, v in (manifest.get("skipped") or {}).items()}

    def on_batch(batch: list[tuple[Any, list[Any]]], failed: dict[str, Any]) -> None:
        done_keys.extend(item.key for item, _ in batch)
        records = [row for _, rows in batch for row in rows]
        folder.write_part(
            records,
            pages=int(folder.manifest.get("pages", 0)) + (1 if records else 0),
            done=list(done_keys),
            skipped={k: [_jsonable(v[0]), v[1], v[2]] for k, v in failed.items()},
        )

    try:
        result = run_each(
            on_batch=on_batch,
            done={k: [] for k in done_keys},
            skipped=skipped,
            **options,
        )
    except BearerkitError as err:
        folder.commit(stopped=f"{type(err).__name__}")
        if err.partial is not None:
            partial = folder.read()
            info = err.partial.attrs.get("each")
            if isinstance(info, dict):
                partial.attrs["each"] = type(info)({**dict(info), "folder": str(folder.path)})
            err.partial = partial
        raise
    folder.commit(complete=True, stopped=dict.get(result.info, "stopped"))
    if not collect:
        return folder.path
    frame = folder.read()
    info = result.info
    frame.attrs["each"] = type(info)({**dict(info), "rows": len(frame), "folder": str(folder.path)})
    return frame


def resumes_folder(resume: Any) -> bool:
    """``resume=`` names a folder, or an error or frame of a run that wrote one."""
    return resume is not None and (is_folder_spec(resume) or folder_of(resume) is not None)


def open_for(
    kind: str,
    *,
    to: Any,
    resume: Any,
    base_url: str,
    secrets: Iterable[str],
    **request: Any,
) -> Folder:
    """The folder a streaming call writes to: ``to=`` (new) or ``resume=`` (continued).

    ``resume=`` a folder with no run in it yet starts one there: everything is missing.
    """
    target = None
    if resume is not None:
        target = resume if is_folder_spec(resume) else folder_of(resume)
    if to is not None and target is not None and Path(to).resolve() != Path(target).resolve():
        raise ValueError(
            f"to={str(to)!r} and resume={str(target)!r} name different folders; "
            "resume= alone continues a folder"
        )
    digest, shown = identity(kind, base_url, **request)
    return Folder.open(
        target if target is not None else to,
        digest=digest,
        shown=shown,
        resume=target is not None,
        secrets=secrets,
    )
