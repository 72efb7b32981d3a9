"""The budget a server announces, shared by every thread of one client.

Each send first *reserves* one request: with ``left`` requests announced and
``outstanding`` requests sent but not yet answered, a send may go only while
``left - outstanding > 0``; otherwise it waits for an answer in flight (the
server may have counted those already) or, with none in flight, for the window's
reset. Every answer corrects the estimate. So with ``remaining=3`` and four
threads, the fourth waits instead of drawing a refusal.

Until the first answer says whether the server announces a budget at all, one
request goes alone and the others wait for its answer (a budget nearly used up
by an earlier run must not meet a burst of threads).

Windows are told apart mostly by send order, since a ``Reset`` in whole seconds
is only good to about a second (as long as a short window): when the clock
passes the reset, the whole limit is assumed back, and answers to requests sent
before that moment count against the new window unless an exact reset shows
they belonged to the old one. Every estimate errs towards waiting a little
longer, never towards a refusal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .headers import Announcement

__all__ = ["AWAIT_ANSWER", "DEFAULT_REFUSAL_WAIT", "Budget"]

# A refusal that says nothing about when to come back pauses everything this long.
DEFAULT_REFUSAL_WAIT = 1.0
# Two resets this close (seconds) belong to the same window; whole-second resets get 1 s more.
_SAME_WINDOW = 0.25
# reserve() returns this when only an answer to a request in flight can tell more
# (the first answer: is there a budget at all?; or the budget is spoken for).
AWAIT_ANSWER = -1.0


class Budget:
    """Requests left in the server's current window, as its answers announce.

    >>> budget = Budget()
    >>> budget.reserve()  # nothing announced yet: go
    0.0
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.limit: int | None = None
        self.left: int | None = None  # None: no budget known, nothing to hold back
        self.reset_at: float | None = None  # clock time the window ends
        self.prev_reset: float | None = None  # ... and the one before, once turned over
        self.blocked_until = 0.0  # after a refusal: nothing is sent before this
        self.outstanding = 0
        self.last: Announcement | None = None
        self.learning = True  # until the first answer: does this server announce a budget?
        self._seq = 0
        self._window_seq = 0  # answers to requests reserved before this are from an old window
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        self._mine = threading.local()  # the reservation this thread holds, by sequence number

    def reserve(self) -> float:
        """Take one request from the budget and return 0, or return seconds to wait (nothing taken).

        Returns :data:`AWAIT_ANSWER` when only an answer in flight can tell more:
        call :meth:`await_answer`, then try again.
        """
        with self._lock:
            if self.learning and self.outstanding > 0:
                return AWAIT_ANSWER
            now = self.clock()
            if self.blocked_until > now:
                return self.blocked_until - now
            full = self.left is not None and self.left - self.outstanding <= 0
            if full and self.reset_at is not None and now >= self.reset_at:
                self._next_window()
            if self.left is not None and self.left - self.outstanding <= 0:
                if self.outstanding > 0:
                    # Some of those in flight may already be in ``left``: their answers tell.
                    return AWAIT_ANSWER
                if self.reset_at is not None:
                    return self.reset_at - now
                # Nothing left, no reset known, nothing in flight: send; the server says when.
            self._seq += 1
            self.outstanding += 1
            self._mine.seq = self._seq
            return 0.0

    def observe(self, announced: Announcement, *, refused: bool = False) -> None:
        """Correct the estimate from an answer to this thread's reserved request."""
        with self._lock:
            now = self.clock()
            seq = self._release()
            self.learning = False
            self._answered.notify_all()
            if refused:
                self._refused(announced, now)
            if announced.remaining is None:
                return
            self.last = announced
            if announced.limit is not None:
                self.limit = announced.limit
            reset_at = now + announced.reset_after if announced.reset_after is not None else None
            slack = _SAME_WINDOW + (0.0 if announced.exact_reset else 1.0)
            if (
                seq is not None
                and seq <= self._window_seq
                and not self._counted_anew(reset_at, announced)
            ):
                return
            if (
                self.reset_at is not None
                and reset_at is not None
                and reset_at > self.reset_at + slack
            ):
                # The server's window turned over before ours did.
                self.prev_reset = self.reset_at
                self.left = announced.remaining
                self.reset_at = reset_at
                self._window_seq = self._seq
            elif (
                self.reset_at is not None
                and reset_at is not None
                and reset_at < self.reset_at - slack
            ):
                return  # an answer from an older window
            else:
                self.left = (
                    announced.remaining
                    if self.left is None
                    else min(self.left, announced.remaining)
                )
                if reset_at is not None:
                    self.reset_at = (
                        reset_at if self.reset_at is None else min(self.reset_at, reset_at)
                    )

    def _counted_anew(self, reset_at: float | None, announced: Announcement) -> bool:
        """Was a request sent before the window turned over counted in the new one?

        An exact reset tells: later than the old window's end means the new window
        (and the answer is news about it). Otherwise nobody can tell, so it is
        assumed to have used up one request of the new window, and ``False``.
        """
        old = self.prev_reset
        if announced.exact_reset and reset_at is not None and old is not None:
            return reset_at > old + _SAME_WINDOW
        if self.left is not None:
            self.left -= 1
        return False

    def abandon(self) -> None:
        """Give back this thread's reservation: the send failed without an answer."""
        with self._lock:
            self._release()
            self._answered.notify_all()

    def forget_outstanding(self) -> None:
        """Treat every request in flight as answered (their answers are overdue)."""
        with self._lock:
            self.outstanding = 0
            self._answered.notify_all()

    def await_answer(self, timeout: float = 0.1) -> None:
        """Block until an answer arrives or a send fails (at most ``timeout`` real seconds)."""
        with self._lock:
            if self.outstanding > 0:
                self._answered.wait(timeout)

    def describe(self) -> str:
        """``"0 of 5000 left"``, or ``""`` when nothing was announced."""
        if self.last is None or self.last.remaining is None:
            return ""
        of = f" of {self.limit}" if self.limit is not None else ""
        return f"{max(0, self.last.remaining)}{of} left"

    def _release(self) -> int | None:
        seq: int | None = getattr(self._mine, "seq", None)
        if seq is not None:
            self._mine.seq = None
            self.outstanding = max(0, self.outstanding - 1)
        return seq

    def _next_window(self) -> None:
        """The reset has passed: assume the whole limit is back until an answer says otherwise."""
        self.prev_reset = self.reset_at
        self.left = self.limit
        self.reset_at = None
        self._window_seq = self._seq

    def _refused(self, announced: Announcement, now: float) -> None:
        wait = announced.retry_after
        if wait is None and announced.reset_after is not None:
            wait = announced.reset_after
        if wait is None:
            wait = DEFAULT_REFUSAL_WAIT
        self.blocked_until = max(self.blocked_until, now + wait)

    def __repr__(self) -> str:
        return f"<Budget {self.describe() or 'unknown'}>"
