"""The paging pool: planned pages a window at a time, and Ctrl-C that returns at once.

Ctrl-C is a real SIGINT sent to this process while ``paginate`` waits for its
workers; the server holds its later pages (or the budget it announces) for seconds.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

import bearerkit as bk

from .conftest import CANARY, IDS, RECORDS, Hit, PageServer

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread() or os.name != "posix",
    reason="Ctrl-C is delivered to the main thread of a POSIX process",
)


def slow_listing(slow: threading.Event, *, delay: float = 5.0, announce: bool = False) -> Any:
    """Six pages of ten; while ``slow`` is set, pages after the first take ``delay`` seconds.

    ``announce``: the first page says the rate limit is used up for ``delay`` seconds
    instead, so the workers wait in the pacer rather than on the network.
    """

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        headers: dict[str, str] = {}
        if page == 1 and announce and slow.is_set():
            headers = {"RateLimit": f'"default";r=0;t={int(delay)}'}
        elif page > 1 and slow.is_set() and not announce:
            time.sleep(delay)
        rows = RECORDS[(page - 1) * 10 : page * 10]
        return 200, headers, {"page": page, "results": rows, "total_pages": 6}

    return route


def _verbose(err: BaseException) -> str:
    """What a verbose traceback prints of ``err`` below the test: text, frames and locals."""
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next  # the test's own frame holds the server and its log of headers
    shown = traceback.TracebackException(type(err), err, tb, capture_locals=True)
    return "".join(shown.format())


@pytest.fixture
def ctrl_c() -> Iterator[Any]:
    """``ctrl_c(after)``: send SIGINT to this process ``after`` seconds from now."""
    timers: list[threading.Timer] = []

    def arm(after: float) -> None:
        timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        timers.append(timer)

    yield arm
    for timer in timers:
        timer.cancel()


@pytest.mark.parametrize("announce", [False, True], ids=["slow-pages", "rate-limit-wait"])
def test_ctrl_c_returns_at_once_and_keeps_the_pages_so_far(
    page_server: Any, ctrl_c: Any, announce: bool
) -> None:
    slow = threading.Event()
    slow.set()
    server = page_server(slow_listing(slow, delay=3.0 if announce else 5.0, announce=announce))
    with bk.Client(server.url, CANARY, retries=0) as api:
        ctrl_c(0.5)
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt) as info:
            api.paginate("items", workers=4, progress=False)
        took = time.monotonic() - started
        stop = info.value
        assert isinstance(stop, bk.PagingInterrupted)
        assert took < 2.0, f"Ctrl-C took {took:.1f} s to return"  # the server holds pages 5 s
        assert stop.partial["id"].tolist() == IDS[:10]
        assert stop.partial.attrs["paging"]["complete"] is False
        assert "Ctrl-C" in stop.partial.attrs["paging"]["stopped"]
        # Nothing secret in the interrupt: its text, nor its traceback's locals.
        shown = _verbose(stop)
        assert CANARY not in shown and CANARY not in repr(stop)
        assert stop.__context__ is None and stop.__cause__ is None
        if announce:
            time.sleep(1.0)
            assert len(server.hits) == 1  # the waiting workers were cancelled: nothing sent
        slow.clear()
        sent = len(server.hits)
        frame = api.paginate("items", resume=stop, progress=False)
    assert frame["id"].tolist() == IDS
    assert frame.attrs["paging"]["complete"] is True
    resent = [int(h.query["page"]) for h in server.hits[sent:]]
    assert 1 not in resent and sorted(set(resent)) == [2, 3, 4, 5, 6]


def test_ctrl_c_during_a_sequential_run_keeps_the_pages_so_far(
    page_server: Any, ctrl_c: Any
) -> None:
    slow = threading.Event()
    slow.set()

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        if page == 3 and slow.is_set():
            time.sleep(5)
        link = f'<{server.url}/items?page={page + 1}>; rel="next"'
        return 200, {"Link": link} if page < 6 else {}, RECORDS[(page - 1) * 10 : page * 10]

    server = page_server(route)
    with bk.Client(server.url, CANARY, retries=0, timeout=30) as api:
        ctrl_c(0.7)
        started = time.monotonic()
        with pytest.raises(bk.PagingInterrupted) as info:
            api.paginate("items", progress=False)
        assert time.monotonic() - started < 2.0
        stop = info.value
        assert stop.partial["id"].tolist() == IDS[:20]
        assert CANARY not in _verbose(stop)
        slow.clear()
        frame = api.paginate("items", resume=stop, progress=False)
    assert frame["id"].tolist() == IDS


def test_the_pool_queues_a_window_not_the_whole_plan(page_server: Any) -> None:
    """A 10,000-page plan: requests are queued a few at a time (memory stays a window)."""
    queued_at_most = 0
    in_flight = 0
    lock = threading.Lock()

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        return 200, {}, {"page": page, "results": [{"id": page}], "total_pages": 10_000}

    server = page_server(route)
    with bk.Client(server.url, CANARY, retries=0) as api:
        original = api._get_page

        def spy(request: Any) -> Any:
            nonlocal queued_at_most, in_flight
            with lock:
                in_flight += 1
                queued_at_most = max(queued_at_most, in_flight)
            try:
                return original(request)
            finally:
                with lock:
                    in_flight -= 1

        api._get_page = spy  # type: ignore[method-assign]
        import concurrent.futures

        submitted: list[int] = []
        real_submit = concurrent.futures.ThreadPoolExecutor.submit

        def counting_submit(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            submitted.append(self._work_queue.qsize())
            return real_submit(self, fn, *args, **kwargs)

        concurrent.futures.ThreadPoolExecutor.submit = counting_submit  # type: ignore[method-assign]
        try:
            with pytest.warns(UserWarning, match="max_pages=200"):
                frame = api.paginate("items", max_pages=200, workers=4, progress=False)
        finally:
            concurrent.futures.ThreadPoolExecutor.submit = real_submit  # type: ignore[method-assign]
    assert frame["id"].tolist() == list(range(1, 201))
    assert max(submitted) <= 8  # never more than a window waiting in the queue
    assert queued_at_most <= 4
