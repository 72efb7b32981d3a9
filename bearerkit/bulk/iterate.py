"""A run's pages as a generator: the run goes on a thread, each page comes out as it lands.

For consumers that pull (a dlt resource is a generator of pages): the paging run or the
``get_each`` run feeds a small bounded queue through its per-page hook, so pages are
handed on while later ones are still being fetched, and memory holds a few pages, not
the listing. Closing the generator early stops the run; an error in the run is raised
from the generator.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["iter_pages"]

_DONE = object()


class _Stopped(Exception):
    """Raised inside the run when the consumer closed the generator."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def iter_pages(
    start: Callable[[Callable[[list[Any]], None]], Any], *, buffer: int = 8
) -> Iterator[list[Any]]:
    """Run ``start(emit)`` on a thread and yield each list of records it emits, in order.

    ``start`` runs the whole fetch, calling ``emit(records)`` once per page (or batch);
    whatever it returns is ignored.
    """
    pages: queue.Queue[Any] = queue.Queue(maxsize=buffer)
    stop = threading.Event()

    def put(item: Any) -> bool:
        """Queue ``item`` once there is room; False if the consumer stopped first."""
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def emit(records: list[Any]) -> None:
        if not put(records):
            raise _Stopped

    def work() -> None:
        try:
            start(emit)
            outcome: Any = _DONE
        except _Stopped:
            return
        except BaseException as exc:  # handed to the consumer's thread, raised there
            outcome = _Failed(exc)
        put(outcome)

    thread = threading.Thread(target=work, name="bearerkit-pages", daemon=True)
    thread.start()
    try:
        while True:
            item = pages.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
