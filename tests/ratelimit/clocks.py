"""A fake clock for rate-limit tests: time moves when something sleeps, never really."""

from __future__ import annotations

import threading
import time


class FakeClock:
    """Monotonic seconds, a matching wall clock, and a sleep that moves time instead of waiting.

    ``sleep(s)`` moves time on by ``s`` (a negative ``s``: not at all), whichever
    thread sleeps: sleeps in several threads add up.
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
            self.now += max(0.0, seconds)
        time.sleep(0)  # let other threads run, as a real sleep would

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
