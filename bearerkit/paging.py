"""Page-number pagination: page 1 first, then the rest concurrently, back in page order.

Works for any API that answers ``{"<record_path>": [...], "total_pages": N}`` and
takes a ``page`` parameter (TMDB's lists, and many others). The requests go
through the client, so they share its session, rate limiter, cache and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .frames import find_records

__all__ = ["fetch_pages", "progress_bar"]

# Fetches one page: (decoded JSON, whether the response cache answered it).
GetPage = Callable[[str, Mapping[str, Any]], tuple[Any, bool]]


def fetch_pages(
    get: GetPage,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    record_path: str = "results",
    max_pages: int | None = None,
    workers: int = 4,
    progress: bool | None = None,
) -> list[Any]:
    """Every record of every page (up to ``max_pages``), in page order."""
    if max_pages is not None and max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, not {max_pages!r}")
    base = dict(params or {})

    def page(n: int) -> list[Any]:
        return find_records(get(path, {**base, "page": n})[0], record_path)

    first, cached = get(path, {**base, "page": 1})
    total = int(first.get("total_pages") or 1) if isinstance(first, Mapping) else 1
    last = min(total, max_pages) if max_pages is not None else total
    pages: list[list[Any]] = [find_records(first, record_path)]
    if last == 1:
        return pages[0]
    bar = progress_bar(last, progress, desc=path.strip("/"))
    if bar is not None:
        bar.update(1)
    try:
        # Pages the cache answers cost a millisecond: read them here, in order, while
        # the cache keeps answering (a thread handoff per page would double a cached
        # re-run); the first page that needs the network sends the rest to the pool.
        n = 2
        while cached and n <= last:
            body, cached = get(path, {**base, "page": n})
            pages.append(find_records(body, record_path))
            n += 1
            if bar is not None:
                bar.update(1)
        if n <= last:
            pool = ThreadPoolExecutor(
                max_workers=max(1, workers), thread_name_prefix="bearerkit-page"
            )
            try:
                for records in pool.map(page, range(n, last + 1)):
                    pages.append(records)
                    if bar is not None:
                        bar.update(1)
            finally:
                # On an error, don't keep fetching pages nobody will read.
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if bar is not None:
            bar.close()
    return [record for records in pages for record in records]


def progress_bar(total: int, progress: bool | None, *, desc: str) -> Any:
    """A tqdm.auto bar (a widget in Jupyter, text in a terminal), or ``None`` when off."""
    if progress is False or (progress is None and total <= 1):
        return None
    from tqdm.auto import tqdm  # late: tqdm.auto pulls in ipywidgets inside Jupyter

    return tqdm(total=total, desc=desc, unit="page", leave=True)
