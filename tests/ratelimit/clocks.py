"""A fake clock for rate-limit tests: time moves when something sleeps, never really."""

from __future__ import annotations

import threading
import time


class FakeClock:
    """Monotonic seconds, a matching wall clock, and a sleep that moves time instead of waiting.

    ``sleep(s)`` from several threads at once moves time to the latest end, not the
    sum: like real threads sleeping side by side.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.offset = time.time() - start  # wall = monotonic + offset, as on a real machine
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now = max(self.now, self.now + seconds)
        time.sleep(0)  # let other threads run, as a real sleep would

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
