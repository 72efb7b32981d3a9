"""Planned pages, fetched on a thread pool and added in page order.

When the first page tells every remaining request (page numbers or offsets with a
total, a ``Link`` header with ``rel="last"``), the pages come concurrently; pages
the cache answers are read in order first, as a thread each would cost more than
the page. A failure cancels what is queued and keeps what already arrived past
it, so ``resume=`` fetches only what is really missing.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..errors import BearerkitError
from .page import GetPage, Page, PageRequest
from .partial import incomplete, run_info, with_partial
from .progress import close_bar, progress_bar, tick
from .resume import Run, RunState

__all__ = ["run_planned"]


def run_planned(
    state: RunState,
    pending: list[tuple[PageRequest, list[Any] | None]],
    fetch: GetPage,
    max_pages: int | None,
    workers: int,
    progress: bool | None,
    desc: str,
    cached: bool,
) -> Run:
    """Fetch every planned request (a pool once the cache stops answering), in order."""
    known_total = state.pages + len(pending)
    allowed, cut_by = state.allowed(max_pages)
    kept = pending if allowed is None else pending[: max(0, allowed)]
    left = pending[len(kept) :]
    # Pages past max_pages can be fetched later; pages past the API's cap never.
    later = left if cut_by == "max_pages" else []
    bar = progress_bar(state.pages + len(kept), progress, desc=desc, initial=state.pages)
    ok = False
    try:
        index = 0
        # Pages the cache answers cost a millisecond: read them here, in order, while
        # the cache keeps answering (a thread per page would double a cached re-run);
        # the first page that needs the network sends the rest to the pool.
        while cached and index < len(kept):
            req, got = kept[index]
            if got is None:
                try:
                    page = state.fetch(fetch, req)
                except BearerkitError as err:
                    raise with_partial(err, state, pending=kept[index:] + later) from None
                got, cached = page.records, page.from_cache
            state.add(got)
            index += 1
            tick(bar)
        if index < len(kept):
            _fetch_pool(state, kept[index:], later, fetch, workers, bar)
        ok = True
    finally:
        close_bar(bar, finished=ok)
    if left and cut_by is not None:
        return incomplete(state, cut_by, max_pages, known_total, pending=later)
    return Run(
        state.records,
        run_info(
            state.paginator,
            state.pages,
            len(state.records),
            True,
            f"last page ({known_total} pages planned from the first)",
            total_pages=known_total,
        ),
    )


def _fetch_pool(
    state: RunState,
    todo: list[tuple[PageRequest, list[Any] | None]],
    left: list[tuple[PageRequest, list[Any] | None]],
    fetch: GetPage,
    workers: int,
    bar: Any,
) -> None:
    """Fetch ``todo`` on ``workers`` threads; add the records in order as they complete."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bearerkit-page")
    futures: list[Future[Page] | None] = []
    try:
        for req, got in todo:
            futures.append(None if got is not None else pool.submit(fetch, req))
        for i, future in enumerate(futures):
            if future is None:
                records = todo[i][1] or []
            else:
                try:
                    page = future.result()
                    records = page.records = state.records_of(page.body)
                except BearerkitError as err:
                    # Keep what the workers fetched past the failed page: resume then
                    # fetches only the pages that are really missing.
                    pool.shutdown(wait=True, cancel_futures=True)
                    rest = todo[i : i + 1] + [
                        (req, got if got is not None else _done_records(later, state))
                        for (req, got), later in zip(todo[i + 1 :], futures[i + 1 :], strict=True)
                    ]
                    raise with_partial(err, state, pending=rest + left) from None
            state.add(records)
            tick(bar)
    finally:
        # On an error, don't keep fetching pages nobody will read.
        pool.shutdown(wait=True, cancel_futures=True)


def _done_records(future: Future[Page] | None, state: RunState) -> list[Any] | None:
    """The records of a future that finished without error, else ``None`` (to fetch again)."""
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    try:
        return state.records_of(future.result().body)
    except BearerkitError:
        return None
