"""A client-side rate limiter that spaces requests evenly (no bursts).

Every caller takes the next free time slot, ``1 / rate`` seconds after the last
one, so N requests take at least ``(N - 1) / rate`` seconds however many threads
send them. A token bucket would allow a burst first; APIs that count requests in a
sliding window (TMDB) answer a burst with 429, so an even pace is the safe shape.
"""

from __future__ import annotations

import threading
import time

__all__ = ["RateLimiter"]


class RateLimiter:
    """Keep callers under ``rate`` requests per second, evenly spaced.

    >>> limiter = RateLimiter(40)
    >>> limiter.wait()  # returns at once the first time, then paces at 25 ms
    """

    def __init__(self, rate: float) -> None:
        if not rate > 0:
            raise ValueError(
                f"rate_limit must be a positive number of requests per second, not {rate!r}"
            )
        self.rate = float(rate)
        self.interval = 1.0 / self.rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller's slot comes; return the seconds waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay

    def __repr__(self) -> str:
        return f"RateLimiter({self.rate:g}/s)"
