"""One gate per client that every send passes, retries included.

Before a send: the client's own limits (``rate_limit=``), then the budget the
server announced; a wait over ``max_wait`` fails at once with
:class:`~bearerkit.errors.RateLimitError` saying when to try again, a shorter
one is waited out (visibly, when over two seconds). After each answer: the
budget learns what the server announced.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

from ..errors import PagingError, RateLimitError
from ..redact import mask_url
from .budget import AWAIT_ANSWER, Budget
from .countdown import clock_time, wait_visibly
from .headers import Announcement, is_refusal, parse_headers
from .windows import RateLimiter

__all__ = ["DEFAULT_MAX_WAIT", "Pacer", "stopped_by"]

DEFAULT_MAX_WAIT = 60.0  # seconds: a notebook cell may wait a minute; longer is reported
AWAIT_LIMIT = 30.0  # real seconds to wait for answers in flight before assuming them lost

# The event that cancels this thread's waits (a paging worker's, after Ctrl-C).
_scope = threading.local()


@contextmanager
def stopped_by(event: threading.Event) -> Iterator[None]:
    """Within this block, a rate-limit wait in this thread ends early when ``event`` is set,
    and the send it was waiting for is not made (:class:`~bearerkit.errors.PagingError`).

    The paging pool's workers wait under it: after Ctrl-C nothing it queued is sent.
    """
    previous = getattr(_scope, "event", None)
    _scope.event = event
    try:
        yield
    finally:
        _scope.event = previous


class Pacer:
    """The rate gate of one client: its own limits, the announced budget, the wait limit.

    >>> pacer = Pacer(RateLimiter("5/s"), max_wait=30)
    >>> pacer.before_send("GET", "https://api.example.com/x")  # returns when it may go
    """

    def __init__(
        self,
        limiter: RateLimiter | None = None,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
        idle: Callable[[], bool] | None = None,
    ) -> None:
        if isinstance(max_wait, bool) or not (isinstance(max_wait, (int, float)) and max_wait >= 0):
            raise ValueError(f"max_wait must be 0 or more seconds, not {max_wait!r}")
        self.limiter = limiter
        self.max_wait = float(max_wait)
        self.budget = Budget(clock=clock)
        # True while nothing real is sent (a replay-only cassette): no wait, nothing counted.
        self.idle: Callable[[], bool] = idle or (lambda: False)
        self._showing = False  # one countdown at a time, however many threads wait
        self._lock = threading.Lock()
        self.use_clock(clock=clock, sleep=sleep, wall=wall)

    def use_clock(
        self,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Drive every part from ``clock``/``sleep``/``wall`` (tests move time instead of waiting)."""
        self.clock, self.sleep, self.wall = clock, sleep, wall
        self.budget.clock = clock
        if self.limiter is not None:
            self.limiter.clock, self.limiter.sleep = clock, sleep

    # -- before a send ----------------------------------------------------------
    def before_send(self, method: str, url: str) -> None:
        """Wait until a send is allowed, or raise :class:`RateLimitError` if that is beyond ``max_wait``."""
        if self.idle():
            return
        if self.limiter is not None:
            delay = self.limiter.reserve(max_delay=self.max_wait)
            if delay is None:
                wait = self.limiter.next_slot()
                raise self._too_long(
                    method, url, wait, f"rate_limit={self.limiter} allows no request"
                )
            if delay > 0:  # the message is built only for a real wait: this runs on every send
                self._wait(delay, f"keeping to rate_limit={self.limiter}")
        awaiting_since: float | None = None
        while True:
            wait = self.budget.reserve()
            if wait == AWAIT_ANSWER:
                # Bounded: an answer that never comes (a lost thread) must not hold us forever.
                awaiting_since = awaiting_since or time.monotonic()
                if time.monotonic() - awaiting_since > AWAIT_LIMIT:
                    self.budget.forget_outstanding()
                self.budget.await_answer()
                continue
            if wait <= 0:
                return
            if wait > self.max_wait:
                raise self._too_long(method, url, wait, self._announced(url))
            self._wait(wait, self._announced(url))

    def before_retry(
        self,
        status: int | None,
        headers: Mapping[str, str] | None,
        backoff: float,
        method: str,
        url: str,
    ) -> None:
        """Between a failed attempt and its retry: learn from the answer, back off, take a slot."""
        if self.idle():
            return
        if status is None or headers is None:
            self.budget.abandon()
            self._wait(backoff, "retrying after a connection failure")
        else:
            announced, refused = self._learn(status, headers)
            if not refused:  # a refusal already blocks the budget for the wait it named
                self._wait(max(backoff, announced.retry_after or 0.0), f"retrying after {status}")
        self.before_send(method, url)

    # -- after an answer -----------------------------------------------------------
    def observe(self, status: int, headers: Mapping[str, str]) -> bool:
        """Learn the budget from an answer; return whether it was a refusal for rate reasons."""
        if self.idle():
            return False
        return self._learn(status, headers)[1]

    def _learn(self, status: int, headers: Mapping[str, str]) -> tuple[Announcement, bool]:
        announced = parse_headers(headers, now=self.wall())
        refused = is_refusal(status, announced)
        self.budget.observe(announced, refused=refused)
        return announced, refused

    def abandon(self) -> None:
        """The send failed without an answer: give its reservation back."""
        if self.idle():
            return
        self.budget.abandon()

    # -- helpers ---------------------------------------------------------------
    def _wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        with self._lock:
            show = not self._showing
            self._showing = True
        if not show:
            self._sleep(seconds)
            return
        try:
            wait_visibly(seconds, why=why, clock=self.clock, sleep=self._sleep)
        finally:
            with self._lock:
                self._showing = False

    def _sleep(self, seconds: float) -> None:
        """``self.sleep``, cut short when this thread's wait was cancelled (see :func:`stopped_by`)."""
        event: threading.Event | None = getattr(_scope, "event", None)
        if event is None:
            self.sleep(seconds)
        elif self.sleep is time.sleep:
            event.wait(seconds)
        else:  # an injected clock (tests): its sleep moves time
            self.sleep(seconds)
        if event is not None and event.is_set():
            raise PagingError("The run was stopped (Ctrl-C) while this request waited; not sent.")

    def _announced(self, url: str) -> str:
        host = urlsplit(url).netloc.rpartition("@")[2] or "the server"
        left = self.budget.describe()
        return f"the rate limit announced by {host} is used up" + (f" ({left})" if left else "")

    def _too_long(self, method: str, url: str, wait: float, why: str) -> RateLimitError:
        when = clock_time(wait, now=self.wall())
        seconds = math.ceil(wait)
        return RateLimitError(
            f"{method} {mask_url(url)} was not sent: {why} until {when} (in {seconds} s), "
            f"longer than max_wait={self.max_wait:g} s. Try again after {when}, or create "
            "the client with a larger max_wait= (seconds).",
            retry_after=wait,
            url=mask_url(url),
        )

    def __repr__(self) -> str:
        limits = f"rate_limit={self.limiter}, " if self.limiter is not None else ""
        return f"<Pacer {limits}max_wait={self.max_wait:g} s, budget {self.budget.describe() or 'unknown'}>"
