"""Planned pages, fetched on a thread pool and added in page order.

When the first page tells every remaining request (page numbers or offsets with a
total, a ``Link`` header with ``rel="last"``), the pages come concurrently; pages
the cache answers are read in order first, as a thread each would cost more than
the page. A failure cancels what is queued and keeps what already arrived past
it, so ``resume=`` fetches only what is really missing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from ..errors import BearerkitError, PagingError, PagingInterrupted
from ..ratelimit.pacer import stopped_by
from .page import GetPage, Page, PageRequest
from .partial import incomplete, interrupted, run_info, with_partial
from .plan import Pending
from .progress import close_bar, progress_bar, tick
from .resume import Run, RunState

__all__ = ["InOrder", "run_planned"]


def run_planned(
    state: RunState,
    pending: Pending,
    fetch: GetPage,
    max_pages: int | None,
    workers: int,
    progress: bool | None,
    desc: str,
    cached: bool,
) -> Run:
    """Fetch every planned request (a pool once the cache stops answering), in order.

    ``pending`` may be a lazy plan of a billion pages: it is only ever sliced, and
    the pool reads it a window at a time.
    """
    known_total = state.pages + len(pending)
    allowed, cut_by = state.allowed(max_pages)
    kept = pending if allowed is None else pending[: max(0, allowed)]
    left = pending[len(kept) :]
    # Pages past max_pages can be fetched later; pages past the API's cap never.
    later = left if cut_by == "max_pages" else Pending()
    bar = progress_bar(state.pages + len(kept), progress, desc=desc, initial=state.pages)
    ok = False
    stop: PagingInterrupted | None = None
    try:
        index = 0
        # Pages the cache answers cost a millisecond: read them here, in order, while
        # the cache keeps answering (a thread per page would double a cached re-run);
        # the first page that needs the network sends the rest to the pool.
        try:
            while cached and index < len(kept):
                req, got = kept[index]
                if got is None:
                    try:
                        page = state.fetch(fetch, req)
                    except BearerkitError as err:
                        raise with_partial(
                            err, state, pending=Pending(kept[index:], later)
                        ) from None
                    # A revalidated page cost a round trip (a 304): the rest go to the pool.
                    got, cached = page.records, page.from_cache and not page.revalidated
                state.add(got)
                index += 1
                tick(bar)
        except KeyboardInterrupt:
            stop = interrupted(state, pending=Pending(kept[index:], later))
        if stop is None and index < len(kept):
            stop = _fetch_pool(state, kept[index:], later, fetch, workers, bar)
        ok = stop is None
    finally:
        close_bar(bar, finished=ok)
    if stop is not None:
        raise stop  # outside the except block: no chained interrupt (its frames hold headers)
    if left and cut_by is not None:
        return incomplete(state, cut_by, max_pages, known_total, pending=later)
    if state.expected is not None and len(state.records) < state.expected:
        return incomplete(state, "short", max_pages, known_total)  # never complete, records missing
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
    todo: Pending,
    left: Pending,
    fetch: GetPage,
    workers: int,
    bar: Any,
) -> PagingInterrupted | None:
    """Fetch ``todo`` on ``workers`` threads; add the records in order as they complete.

    Requests are queued a window ahead of the page being read, never all at once (a
    plan may hold a billion pages). Ctrl-C returns at once with the pages so far
    (:class:`PagingInterrupted`, returned for the caller to raise): what is queued is
    cancelled, a worker waiting for a rate limit stops waiting and sends nothing, and
    a worker mid-request finishes in the background, its page dropped.
    """
    stop = threading.Event()

    def work(request: PageRequest) -> Page:
        if stop.is_set():
            raise PagingError("The run was stopped (Ctrl-C) before this page was sent.")
        with stopped_by(stop):
            return fetch(request)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bearerkit-page")
    # (position in todo, its future): queued a few ahead of the page being read
    window: deque[tuple[int, Future[Page] | None]] = deque()
    ahead = max(2 * workers, 8)
    queued = 0
    first_page = state.pages
    wait_for_workers = True

    def fill() -> None:
        nonlocal queued
        while queued < len(todo) and len(window) < ahead:
            req, got = todo[queued]
            window.append((queued, None if got is not None else pool.submit(work, req)))
            queued += 1

    def rest() -> Pending:
        # What is missing counts from the pages really added (Ctrl-C may land between
        # any two lines); what the workers fetched past that point is kept, so resume
        # fetches only the pages that are really missing.
        added = state.pages - first_page
        futures = dict(window)
        kept = [
            (req, got if got is not None else _done_records(futures.get(added + k), state))
            for k, (req, got) in enumerate(todo[added:queued])
        ]
        return Pending(kept, todo[queued:], left)

    try:
        fill()
        while window:
            index, future = window[0]
            if future is None:
                records = todo[index][1] or []
            else:
                try:
                    page = future.result()
                    records = page.records = state.records_of(page.body)
                except BearerkitError as err:
                    stop.set()
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise with_partial(err, state, pending=rest()) from None
            state.add(records)
            window.popleft()
            tick(bar)
            fill()
    except KeyboardInterrupt:
        # Not waiting for the workers' pages nor their rate-limit waits: Ctrl-C must
        # return now. Pages a worker finishes later are dropped; resume fetches them.
        stop.set()
        wait_for_workers = False
        pool.shutdown(wait=False, cancel_futures=True)
        return interrupted(state, pending=rest())
    finally:
        # On an error, don't keep fetching pages nobody will read.
        pool.shutdown(wait=wait_for_workers, cancel_futures=True)
    return None


def _done_records(future: Future[Page] | None, state: RunState) -> list[Any] | None:
    """The records of a future that finished without error, else ``None`` (to fetch again)."""
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    try:
        return state.records_of(future.result().body)
    except BearerkitError:
        return None


T = TypeVar("T")
R = TypeVar("R")


class InOrder(Generic[T, R]):
    """``fn`` over ``items`` on ``workers`` threads, handed back in the order of ``items``.

    The other user of this module's pool, for work that is not pages of one listing
    (``get_each``: one request per value). At most ``window`` items are in flight or
    waiting to be read, so a run over a million values holds a window, not a million
    results. Iterate to get ``(item, future)`` pairs in order, each future done;
    :meth:`stop` cancels what has not started and returns the finished ones not read
    yet (a failure's ``.partial`` keeps them, so a resume does not fetch them again).
    """

    def __init__(
        self, fn: Callable[[T], R], items: Sequence[T], *, workers: int, window: int | None = None
    ) -> None:
        self._fn = fn
        self._items = items
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bearerkit-each")
        self._window = window or workers * 8
        self._queued: deque[tuple[T, Future[R]]] = deque()
        self._next = 0

    def _fill(self) -> None:
        while self._next < len(self._items) and len(self._queued) < self._window:
            item = self._items[self._next]
            self._queued.append((item, self._pool.submit(self._fn, item)))
            self._next += 1

    def __iter__(self) -> Iterator[tuple[T, Future[R]]]:
        try:
            self._fill()
            while self._queued:
                item, future = self._queued.popleft()
                future.exception()  # waits; the caller reads result() or the exception
                self._fill()
                yield item, future
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stop(self) -> list[tuple[T, R]]:
        """Cancel what is queued; return the items finished without error, in order."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        done = [
            (item, f.result())
            for item, f in self._queued
            if f.done() and not f.cancelled() and f.exception() is None
        ]
        self._queued.clear()
        return done
