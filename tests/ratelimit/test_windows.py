"""Client-side limits: numbers, "N/period" strings and lists, enforced across threads."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bearerkit.ratelimit.windows import RateLimiter, Window, parse_windows

from .clocks import FakeClock


@pytest.mark.parametrize(
    "spec, windows",
    [
        (40, [(1, 0.025, True)]),
        (0.5, [(1, 2.0, True)]),
        ("40/s", [(40, 1.0, False)]),
        ("40 per second", [(40, 1.0, False)]),
        ("200/15min", [(200, 900.0, False)]),
        ("1000/h", [(1000, 3600.0, False)]),
        ("2000/day", [(2000, 86400.0, False)]),
        ("10/2s", [(10, 2.0, False)]),
        (["200/15min", "2000/day"], [(200, 900.0, False), (2000, 86400.0, False)]),
        (["20/s", 5], [(20, 1.0, False), (1, 0.2, True)]),
    ],
)
def test_specs(spec: object, windows: list[tuple[int, float, bool]]) -> None:
    found = parse_windows(spec)  # type: ignore[arg-type]
    assert [(w.limit, w.period, w.even) for w in found] == windows


@pytest.mark.parametrize(
    "spec", ["ten per second", "40", "40/", "/s", "0/s", "40/fortnight", "40/0s", 0, -1, float("nan"), True, [], None]
)  # fmt: skip
def test_bad_specs_say_what_is_accepted(spec: object) -> None:
    with pytest.raises(ValueError, match=r'"40/s", "200/15min"') as info:
        RateLimiter(spec)  # type: ignore[arg-type]
    assert repr(spec) in str(info.value)


def test_str_shows_the_spec() -> None:
    assert str(RateLimiter(["200/15min", "2000/day"])) == "[200/15min, 2000/day]"
    assert str(RateLimiter(40)) == "40/s"
    assert str(Window(3, 2.0)) == "3/2s"


def test_even_pace_every_gap_across_threads() -> None:
    # Issue 11.12: every gap, not their sum, so a burst cannot hide behind slow stragglers.
    clock = FakeClock()
    limiter = RateLimiter(40, clock=clock, sleep=clock.sleep)
    slots: list[float] = []
    lock = threading.Lock()

    def call(_: int) -> None:
        delay = limiter.reserve()
        assert delay is not None
        with lock:
            slots.append(clock() + delay)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, range(21)))
    slots.sort()
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert len(gaps) == 20
    assert all(gap >= 1 / 40 - 1e-9 for gap in gaps), gaps


def test_window_allows_a_burst_then_waits_for_the_oldest_to_age_out() -> None:
    clock = FakeClock()
    limiter = RateLimiter("3/2s", clock=clock, sleep=clock.sleep)
    delays = [limiter.reserve() for _ in range(7)]
    assert delays == [0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 4.0]


def test_list_keeps_every_window() -> None:
    # ["20/s", "10/2s"]: twenty requests need two seconds (ten now, ten at t+2).
    clock = FakeClock()
    limiter = RateLimiter(["20/s", "10/2s"], clock=clock, sleep=clock.sleep)
    start = clock()
    for _ in range(20):
        limiter.wait()
    assert clock() - start == pytest.approx(2.0)


def test_max_delay_declines_a_slot_without_taking_it() -> None:
    clock = FakeClock()
    limiter = RateLimiter("1/h", clock=clock, sleep=clock.sleep)
    assert limiter.reserve(max_delay=60) == 0.0
    assert limiter.reserve(max_delay=60) is None
    assert limiter.next_slot() == pytest.approx(3600.0)
    assert limiter.reserve() == pytest.approx(3600.0)  # the declined slot was not used up


def test_twenty_requests_on_twenty_per_second_and_ten_per_two_take_two_seconds() -> None:
    # The real clock, once: the windows hold in real time, across threads.
    limiter = RateLimiter(["20/s", "10/2s"])
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: limiter.wait(), range(20)))
    assert time.monotonic() - started >= 2.0 - 0.01


def test_n_calls_take_at_least_n_minus_one_over_rate() -> None:
    limiter = RateLimiter(50)
    started = time.monotonic()
    for _ in range(11):
        limiter.wait()
    assert time.monotonic() - started >= 10 / 50 - 0.005
