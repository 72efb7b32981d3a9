"""bearerkit as a dlt source: the same calls, loaded into DuckDB, Parquet or a warehouse.

``bearerkit.dlt.resource(client, path)`` is a `dlt <https://dlthub.com>`_ resource that
yields the pages of ``client.paginate(path)`` as they arrive (bearerkit's style
detection, concurrent pages, rate limits and announced budgets, retries, cache and
cassettes); :func:`each_resource` does the same for ``client.get_each``. dlt then
normalises, types and loads them, keeps state and runs under a scheduler.

>>> import dlt, bearerkit as bk, bearerkit.dlt                          # doctest: +SKIP
>>> api = bk.Client("https://api.github.com", bk.load_token("GITHUB_TOKEN"))  # doctest: +SKIP
>>> issues = bk.dlt.resource(api, "repos/pandas-dev/pandas/issues", primary_key="id",
...                          write_disposition="merge")                 # doctest: +SKIP
>>> dlt.pipeline("github", destination="duckdb").run(issues)            # doctest: +SKIP

dlt is imported only when a resource is made; without it, a :class:`BearerkitError`
names the extra: ``pip install 'bearerkit[dlt]'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .bulk.each import run_each
from .bulk.iterate import iter_pages
from .cassette import recording
from .errors import BearerkitError
from .paging.page import PageRequest, Paginator

if TYPE_CHECKING:
    from .client import Client

__all__ = ["each_resource", "resource"]


def _require_dlt() -> Any:
    try:
        import dlt
    except ImportError:
        raise BearerkitError(
            "bearerkit.dlt needs dlt: pip install 'bearerkit[dlt]' (dlt and duckdb)"
        ) from None
    return dlt


def _name(path: str) -> str:
    """A table name from a path: ``discover/movie`` → ``discover_movie``."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path.split("?")[0]) if w]
    return "_".join(words).lower() or "records"


def _options(name: str | None, path: str, **given: Any) -> dict[str, Any]:
    options = {"name": name or _name(path)}
    options.update({k: v for k, v in given.items() if v is not None})
    return options


def resource(
    client: Client,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    name: str | None = None,
    paginator: Paginator | str = "auto",
    write_disposition: str = "append",
    primary_key: str | list[str] | None = None,
    record_path: str | None = None,
    max_pages: int | None = None,
    method: str = "GET",
    json: Any = None,
    workers: int = 4,
    **resource_options: Any,
) -> Any:
    """A dlt resource yielding the pages of ``client.paginate(path, params)`` as they arrive.

    Args:
        client: the :class:`~bearerkit.Client` to page with.
        path, params, paginator, record_path, max_pages, method, json, workers: as for
            :meth:`~bearerkit.Client.paginate`.
        name: the table name (default: from the path, ``discover/movie`` →
            ``discover_movie``).
        write_disposition, primary_key: dlt's (``"append"``, ``"replace"``, ``"merge"``).
        **resource_options: passed to ``dlt.resource`` (``columns=``, ``table_name=``...).

    >>> pipeline.run(bk.dlt.resource(api, "discover/movie", max_pages=3))  # doctest: +SKIP
    """
    dlt = _require_dlt()
    request = PageRequest(method.upper(), path, params, json)

    def pages() -> Iterator[list[Any]]:
        def start(emit: Any) -> None:
            seen = []

            def on_page(records: list[Any], _next: Any) -> None:
                seen.append(len(records))
                if records:
                    emit(records)

            run = client._paging(
                request,
                paginator=paginator,
                record_path=record_path,
                max_pages=max_pages,
                workers=workers,
                progress=False,
                on_page=on_page,
            )
            if not seen and run.records:  # one page: the engine had no run to report on
                emit(run.records)

        yield from iter_pages(start)

    options = _options(name, path, primary_key=primary_key, **resource_options)
    return dlt.resource(pages, write_disposition=write_disposition, **options)


def each_resource(
    client: Client,
    path: str,
    values: Any,
    *,
    params: Mapping[str, Any] | None = None,
    name: str | None = None,
    write_disposition: str = "append",
    primary_key: str | list[str] | None = None,
    record_path: str | None = None,
    errors: str = "raise",
    workers: int = 4,
    batch: int = 100,
    **resource_options: Any,
) -> Any:
    """A dlt resource yielding ``client.get_each(path, values)``'s rows in batches, in order.

    Arguments as for :meth:`~bearerkit.Client.get_each` and :func:`resource`; ``batch``
    rows (values) go to dlt at a time.

    >>> pipeline.run(bk.dlt.each_resource(api, "movie/{}", movies.id, primary_key="id"))  # doctest: +SKIP
    """
    dlt = _require_dlt()

    def batches() -> Iterator[list[Any]]:
        def start(emit: Any) -> None:
            def on_batch(done: list[tuple[Any, list[Any]]], failed: Any) -> None:
                rows = [row for _, item_rows in done for row in item_rows]
                if rows:
                    emit(rows)

            run_each(
                client._get_page,
                path,
                values,
                params=params,
                workers=workers,
                progress=False,
                errors=errors,
                record_path=record_path,
                on_batch=on_batch,
                batch=batch,
                sequential=recording(),
            )

        yield from iter_pages(start)

    options = _options(name, path.split("{")[0], primary_key=primary_key, **resource_options)
    return dlt.resource(batches, write_disposition=write_disposition, **options)
