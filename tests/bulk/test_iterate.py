"""iter_pages: a run's pages as a generator; errors come out of it, closing it stops the run."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import bearerkit as bk
from bearerkit.bulk.iterate import iter_pages


def test_pages_come_out_in_order_and_the_thread_ends() -> None:
    def start(emit: Any) -> None:
        for n in range(5):
            emit([n])

    assert list(iter_pages(start, buffer=1)) == [[0], [1], [2], [3], [4]]
    assert not [t for t in threading.enumerate() if t.name == "bearerkit-pages"]


def test_an_error_in_the_run_is_raised_by_the_generator_after_the_pages_before_it() -> None:
    def start(emit: Any) -> None:
        emit([1])
        raise bk.NetworkError("connection reset")

    pages = iter_pages(start)
    assert next(pages) == [1]
    with pytest.raises(bk.NetworkError, match="reset"):
        next(pages)


def test_closing_early_stops_a_run_blocked_on_a_full_buffer() -> None:
    emitted: list[int] = []

    def start(emit: Any) -> None:
        for n in range(1000):
            emit([n])
            emitted.append(n)

    pages = iter_pages(start, buffer=2)
    assert next(pages) == [0]
    pages.close()  # joins the thread: it must notice and stop
    assert len(emitted) < 10


def test_get_each_of_nothing_is_an_empty_frame(api: bk.Client) -> None:
    df = api.get_each("movie/{}", [], progress=False)
    assert df.empty and df.attrs["each"]["requested"] == 0
