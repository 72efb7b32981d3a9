"""Fault injection: the next n requests fail, reset, truncate, turn to HTML or slow down.

Faults queue up in the order they were asked for and each one is used up by
exactly one request, whatever its path. Extra delays are a separate queue, so a
delay can combine with a fault on the same request.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from bearerkit.sandbox.messages import (
    DEFAULT_FAILURES,
    HTML_TYPE,
    INTERNAL_ERROR,
    JSON_TYPE,
    Reply,
    json_reply,
    status_body,
)

FaultKind = Literal["fail", "reset", "truncate", "html"]

# What a captive portal or a proxy in front of the API typically answers.
CAPTIVE_PORTAL_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>\n"
    "<body><h1>Welcome to Guest Wi-Fi</h1>\n"
    "<p>Please accept the terms of use to continue browsing.</p>\n"
    '<form method="post" action="/login"><button>Accept</button></form>\n'
    "</body></html>\n"
)

# A believable page of results that a truncated response cuts in half.
_TRUNCATED_PAYLOAD = {
    "page": 1,
    "results": [
        {"adult": False, "id": 100 + i, "title": f"Truncated Movie {i}", "popularity": 10.5}
        for i in range(20)
    ],
    "total_pages": 1,
    "total_results": 20,
}


@dataclass(frozen=True)
class Fault:
    """One queued fault: what the next request gets instead of its real answer."""

    kind: FaultKind
    status: int = 503
    retry_after: float | str | None = None
    body: Any = None

    def reply(self) -> Reply:
        """Return the reply (or the connection-level action) this fault stands for."""
        if self.kind == "reset":
            return Reply(0, action="reset")
        if self.kind == "truncate":
            full = json.dumps(_TRUNCATED_PAYLOAD, separators=(",", ":")).encode()
            return Reply(200, full, JSON_TYPE, action="truncate")
        if self.kind == "html":
            return Reply(200, CAPTIVE_PORTAL_PAGE.encode(), HTML_TYPE)
        return self._failure()

    def _failure(self) -> Reply:
        headers: tuple[tuple[str, str], ...] = ()
        if self.retry_after is not None:
            headers = (("Retry-After", _retry_after_value(self.retry_after)),)
        if isinstance(self.body, str):
            return Reply(self.status, self.body.encode("utf-8"), HTML_TYPE, headers)
        if self.body is not None:
            return json_reply(self.status, self.body, headers=headers)
        entry = DEFAULT_FAILURES.get(self.status, INTERNAL_ERROR)
        return json_reply(self.status, status_body(entry, success=False), headers=headers)


def _retry_after_value(value: float | str) -> str:
    if isinstance(value, str):
        return value  # an HTTP-date, passed through for clients that parse both forms
    return str(math.ceil(value))


def check_count(n: int) -> int:
    """Validate a fault count: a non-negative int."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    return n


def make_failure(status: int, retry_after: float | str | None, body: Any) -> Fault:
    """Validate ``fail_next`` arguments and build the fault."""
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError(f"status must be an HTTP error status (400-599), got {status!r}")
    if retry_after is not None and not isinstance(retry_after, str):
        if isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)):
            raise ValueError(f"retry_after must be seconds or an HTTP-date, got {retry_after!r}")
        if not math.isfinite(retry_after) or retry_after < 0:
            raise ValueError(f"retry_after must be >= 0 seconds, got {retry_after!r}")
    return Fault("fail", status=status, retry_after=retry_after, body=body)


class FaultQueue:
    """Thread-safe queues of pending faults and pending extra delays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._delays: deque[float] = deque()

    def add(self, fault: Fault, n: int) -> None:
        """Queue ``fault`` for the next ``n`` requests (after any already queued)."""
        with self._lock:
            self._faults.extend([fault] * check_count(n))

    def add_delay(self, seconds: float, n: int) -> None:
        """Queue an extra delay of ``seconds`` for the next ``n`` requests."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError(f"seconds must be a number, got {seconds!r}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds!r}")
        with self._lock:
            self._delays.extend([float(seconds)] * check_count(n))

    def take(self) -> tuple[Fault | None, float]:
        """Use up the next fault and the next extra delay (``None`` / ``0.0`` if none)."""
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            delay = self._delays.popleft() if self._delays else 0.0
        return fault, delay
