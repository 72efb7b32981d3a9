"""A token-bucket rate limiter that answers like TMDB's 429.

Policy: a bucket holding ``rate`` tokens (at least one) starts full and refills
continuously at ``rate`` tokens per second; each request takes one token, and a
request that finds less than one token left is refused. A client spacing its
requests evenly at exactly ``rate`` per second therefore never sees a 429 (each
gap refills the token it used), while a burst gets at most ``rate`` requests
through before the refusals start. A sliding one-second window was rejected:
timer jitter lets an evenly paced client land ``rate + 1`` requests in a window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from bearerkit.sandbox.messages import Reply, too_many_requests


def check_rate(rate: float | None) -> float | None:
    """Validate a rate limit: ``None`` (unlimited) or a positive number of requests/second."""
    if rate is None:
        return None
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise ValueError(f"rate_limit must be requests per second or None, got {rate!r}")
    if not math.isfinite(rate) or rate <= 0:
        raise ValueError(f"rate_limit must be > 0 requests per second, got {rate!r}")
    return float(rate)


class TokenBucket:
    """Thread-safe token bucket; :meth:`check` returns ``None`` or TMDB's 429 reply."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._updated = time.monotonic()
        self._lock = threading.Lock()
        # Arrival times within the last second, for the "request count" in the message.
        self._recent: deque[float] = deque()

    def check(self) -> Reply | None:
        """Take a token for one request; return the 429 reply if there is none left."""
        with self._lock:
            now = time.monotonic()
            elapsed = now - self._updated
            self._updated = now
            self._tokens = min(self._capacity, self._tokens + elapsed * self.rate)
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            wait = (1.0 - self._tokens) / self.rate
            count = len(self._recent)
        return _too_many(count, self.rate, wait)


def _too_many(count: int, rate: float, wait: float) -> Reply:
    # Integer seconds, never 0: clients that sleep Retry-After must not spin.
    return too_many_requests(count, f"{rate:g}", retry_after=max(1, math.ceil(wait)))
