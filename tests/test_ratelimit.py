"""The client-side rate limiter: even pace, whole client, all threads."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bearerkit.ratelimit import RateLimiter


def test_n_calls_take_at_least_n_minus_one_over_rate() -> None:
    limiter = RateLimiter(50)
    started = time.monotonic()
    for _ in range(11):
        limiter.wait()
    assert time.monotonic() - started >= 10 / 50 - 0.005


def test_threads_share_the_pace() -> None:
    limiter = RateLimiter(40)
    stamps: list[float] = []

    def call(_: int) -> None:
        limiter.wait()
        stamps.append(time.monotonic())

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(21)))
    assert time.monotonic() - started >= 20 / 40 - 0.005
    stamps.sort()
    # no burst: no two calls closer than the interval, allowing scheduler noise
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert sum(gaps) >= 20 / 40 - 0.03


@pytest.mark.parametrize("rate", [0, -1])
def test_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate)
