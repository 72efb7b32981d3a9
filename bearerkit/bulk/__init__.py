"""Bulk and long runs: one request per value, and runs streamed to Parquet folders.

- :mod:`bearerkit.bulk.each`: ``client.get_each(path, values)``, one GET per value on
  the paging pool, rows in the order of the values, ``errors="skip"``, ``.partial``.
- :mod:`bearerkit.bulk.stream`: ``to="folder"`` writes pages (or batches of values) as
  Parquet part files with a manifest as they arrive; ``resume="folder"`` continues.
- :mod:`bearerkit.bulk.iterate`: pages and batches as a generator (for dlt).

pyarrow is needed only for folders (``pip install 'bearerkit[parquet]'``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from ..cassette import recording
from ..paging.page import GetPage
from .each import EachInfo, run_each
from .stream import each_to_folder, open_for, resumes_folder

__all__ = ["EachInfo", "get_each"]


def get_each(
    get_page: GetPage,
    path: str,
    values: Any,
    *,
    base_url: str,
    secrets: Iterable[str],
    params: Mapping[str, Any] | None = None,
    workers: int = 4,
    progress: bool | None = None,
    errors: str = "raise",
    record_path: str | None = None,
    resume: Any = None,
    to: Any = None,
    collect: bool = True,
    records: bool = False,
) -> Any:
    """What :meth:`bearerkit.Client.get_each` does, given the client's page fetcher."""
    run = functools.partial(
        run_each,
        get_page,
        path,
        values,
        params=params,
        workers=workers,
        progress=progress,
        errors=errors,
        record_path=record_path,
        sequential=recording(),  # vcrpy loses interactions recorded from several threads
    )
    if to is not None or resumes_folder(resume):
        folder = open_for(
            "get_each",
            to=to,
            resume=resume,
            base_url=base_url,
            secrets=secrets,
            path=path,
            params=params,
            record_path=record_path,
        )
        return each_to_folder(run, folder, collect=collect)
    result = run(resume=resume)
    return result.rows if records else result.frame()
