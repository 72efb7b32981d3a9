"""Client-side limits: ``rate_limit=40``, ``"40/s"``, ``"200/15min"``, ``["20/s", "10/2s"]``.

A number is requests per second, evenly spaced: every caller takes the next free
slot ``1 / rate`` seconds after the last one, so N requests take at least
``(N - 1) / rate`` seconds however many threads send them. APIs that count in a
sliding window (TMDB) answer a burst with 429, so an even pace is the safe shape.

A string ``"N/period"`` is a window: at most N requests in any ``period``
(``s``, ``min``, ``h``, ``day``, optionally with a count: ``"10/2s"``). Bursts
up to N are allowed, which is what "200 per 15 minutes" means (Strava). Several
limits in a list are all enforced together.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["RateLimiter", "RateSpec", "Window", "parse_windows"]

RateSpec = float | int | str | Sequence[float | int | str]

_PERIODS = {
    "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
}  # fmt: skip
_SPEC = re.compile(r"\s*(\d+)\s*(?:/|per)\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``period`` seconds; ``even``: spaced, no bursts."""

    limit: int
    period: float
    even: bool = False
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.limit}/{self.period:g}s"


def parse_windows(spec: RateSpec) -> list[Window]:
    """The windows a ``rate_limit=`` value stands for; ``ValueError`` says what is accepted.

    >>> parse_windows(["20/s", "10/2s"])
    [Window(limit=20, period=1.0, even=False, text='20/s'), Window(limit=10, period=2.0, even=False, text='10/2s')]
    """
    if isinstance(spec, (str, int, float)):
        return [_one(spec)]
    if isinstance(spec, Sequence) and spec:
        return [_one(item) for item in spec]
    raise ValueError(_bad(spec))


def _one(spec: object) -> Window:
    if isinstance(spec, bool):
        raise ValueError(_bad(spec))
    if isinstance(spec, (int, float)):
        if not (math.isfinite(spec) and spec > 0):
            raise ValueError(_bad(spec))
        return Window(1, 1.0 / spec, even=True, text=f"{spec:g}/s")
    if isinstance(spec, str):
        match = _SPEC.fullmatch(spec)
        if match is not None:
            count, every, unit = match.groups()
            period = _PERIODS.get(unit.lower())
            span = float(every) if every else 1.0
            if period is not None and int(count) > 0 and span > 0:
                return Window(int(count), span * period, text=spec.strip())
    raise ValueError(_bad(spec))


def _bad(spec: object) -> str:
    return (
        f"rate_limit={spec!r} is not a rate limit. Use requests per second (40), or "
        '"N/period" such as "40/s", "200/15min", "1000/h", "2000/day", "10/2s", or a '
        'list of them (["200/15min", "2000/day"])'
    )


class RateLimiter:
    """Keep callers within every window of ``spec``, across all threads.

    Args:
        spec: a number (requests per second, evenly spaced), ``"N/period"``, or a list.
        clock, sleep: injectable, so tests can move time instead of waiting.

    >>> limiter = RateLimiter(40)
    >>> limiter.wait()  # returns at once the first time, then paces at 25 ms
    0.0
    """

    def __init__(
        self,
        spec: RateSpec,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.windows = parse_windows(spec)
        self.clock = clock
        self.sleep = sleep
        # The slot times of the latest sends, per window (a reservation may lie ahead).
        self._sent = [deque[float](maxlen=w.limit) for w in self.windows]
        self._last = -math.inf
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """The tightest long-run rate, in requests per second."""
        return min(w.limit / w.period for w in self.windows)

    def reserve(self, *, max_delay: float = math.inf) -> float | None:
        """Take the next free slot and return the seconds until it; ``None`` if beyond ``max_delay``."""
        with self._lock:
            now = self.clock()
            slot = self._free_slot(now)
            if slot - now > max_delay:
                return None
            for sent in self._sent:
                sent.append(slot)
            self._last = slot
        return slot - now

    def next_slot(self) -> float:
        """Seconds until the next free slot, without taking it."""
        with self._lock:
            now = self.clock()
            return self._free_slot(now) - now

    def _free_slot(self, now: float) -> float:
        slot = max(now, self._last)
        for window, sent in zip(self.windows, self._sent, strict=True):
            if len(sent) == window.limit:
                slot = max(slot, sent[0] + window.period)
        return slot

    def wait(self) -> float:
        """Block until this caller's slot comes; return the seconds waited."""
        delay = self.reserve()
        assert delay is not None  # no max_delay: always a slot
        if delay > 0:
            self.sleep(delay)
        return delay

    def __str__(self) -> str:
        names = [str(w) for w in self.windows]
        return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"

    def __repr__(self) -> str:
        return f"RateLimiter({self})"
