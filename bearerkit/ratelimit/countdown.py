"""Visible waits: a countdown for any wait over two seconds.

In Jupyter a tqdm bar (imported only when needed); elsewhere a line on stderr,
updated in place when stderr is a terminal. Shorter waits just sleep.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["COUNTDOWN_AFTER", "clock_time", "wait_visibly"]

COUNTDOWN_AFTER = 2.0  # seconds: shorter waits pass without a word


def clock_time(seconds_from_now: float, *, now: float | None = None) -> str:
    """The local clock time ``seconds_from_now`` ahead: ``17:42:10`` (with the date if not today)."""
    wall = time.time() if now is None else now
    try:
        then = time.localtime(wall + seconds_from_now)
    except (OverflowError, OSError, ValueError):  # Retry-After: 99999999999999999999
        return "a time too far ahead to show"
    if time.strftime("%Y-%m-%d", then) != time.strftime("%Y-%m-%d", time.localtime(wall)):
        return time.strftime("%Y-%m-%d %H:%M:%S", then)
    return time.strftime("%H:%M:%S", then)


def wait_visibly(
    seconds: float,
    *,
    why: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    stream: TextIO | None = None,
) -> None:
    """Sleep ``seconds``; over :data:`COUNTDOWN_AFTER`, show a countdown that says ``why``."""
    if seconds <= 0:
        return
    if seconds <= COUNTDOWN_AFTER:
        sleep(seconds)
        return
    end = clock() + seconds
    label = f"bearerkit: {why}; waiting {math.ceil(seconds)} s, until {clock_time(seconds)}"
    if stream is None and "ipykernel" in sys.modules:
        try:
            _tqdm_countdown(seconds, end, label, clock, sleep)
        except Exception:  # the countdown is a courtesy: a broken display never fails a request
            _sleep_until(end, clock, sleep)
        return
    out = stream if stream is not None else sys.stderr
    live = _isatty(out)
    shown = _show(out, label + ("" if live else "\n"))
    while (left := end - clock()) > 0:
        sleep(min(1.0, left))
        if live and shown:
            shown = _show(out, f"\r{label} ({max(0, math.ceil(end - clock()))} s left) ")
    if live and shown:
        _show(out, "\n")


def _show(out: TextIO | None, text: str) -> bool:
    """Write ``text``; ``False`` when the stream cannot take it (``None``, closed, broken).

    A pythonw process has ``sys.stderr is None``; a daemon may have closed it: the
    wait still happens, only unseen.
    """
    try:
        out.write(text)  # type: ignore[union-attr]
        out.flush()  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return False
    return True


def _sleep_until(end: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
    while (left := end - clock()) > 0:
        sleep(min(1.0, left))


def _tqdm_countdown(
    seconds: float,
    end: float,
    label: str,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> None:
    from tqdm.auto import tqdm  # late: tqdm.auto pulls in ipywidgets inside Jupyter

    bar: Any = tqdm(total=math.ceil(seconds), desc=label, unit="s", leave=False)
    try:
        done = 0
        while (left := end - clock()) > 0:
            sleep(min(1.0, left))
            now_done = min(math.ceil(seconds), math.ceil(seconds - (end - clock())))
            bar.update(max(0, now_done - done))
            done = max(done, now_done)
    finally:
        bar.close()


def _isatty(stream: TextIO | None) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return False
