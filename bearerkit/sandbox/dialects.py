"""Rate limits announced the way real APIs announce them, under ``/ratelimit``.

``GET /ratelimit/{dialect}/{limit}/{window}/items?page=N&per_page=M`` answers a page
of the 57-record dataset in TMDB's envelope (``{"page", "results", "total_pages",
"total_results"}``, 10 a page unless ``per_page`` says, at most 100) within a fixed-window budget of ``limit``
requests per ``window`` seconds. A window opens with the first request after
the previous one closed; budgets are kept per dialect, limit, window and bearer
token. Refused requests do not use up the budget.

- ``github``: ``X-RateLimit-Limit``, ``-Remaining``, ``-Used``, ``-Reset`` (epoch
  seconds) and ``X-RateLimit-Resource: core``; refuses with 403. Answers carry an
  ``ETag``; a request whose ``If-None-Match`` still matches gets a 304 that, as on
  GitHub, does not count against the budget.
- ``github429``: the same; refuses with 429.
- ``ietf``: ``RateLimit-Limit``, ``-Remaining``, ``-Reset`` (seconds from now);
  refuses with 429 and ``Retry-After``.
- ``ietf-structured``: ``RateLimit: "default";r=R;t=T`` and
  ``RateLimit-Policy: "default";q=L;w=W``; refuses with 429 and ``Retry-After``.
- ``openai``: ``x-ratelimit-limit-requests``, ``-remaining-requests``,
  ``-reset-requests`` (a duration: ``850ms``, ``1s``, ``6m0s``); refuses with 429.
- ``retry-after``: announces nothing; refuses with 429 and ``Retry-After``.

Times are whole seconds rounded up (a reset is never announced early).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bearerkit.sandbox import listing
from bearerkit.sandbox.dataset import BadRequest, integer, message_error, page_size, records
from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.styles.common import etag_of, not_modified

RATELIMIT_PATH = "/ratelimit"
DIALECTS = ("github", "github429", "ietf", "ietf-structured", "openai", "retry-after")
ETAG_DIALECTS = ("github", "github429")  # GitHub's answers carry ETags; its 304s are free
MAX_LIMIT = 1_000_000
MAX_WINDOW = 86_400.0 * 366  # seconds: a year is plenty for "2000/day" style tests
# Windows kept before closed ones are dropped (bounds memory in a long benchmark).
_PRUNE_AT = 1_000

GITHUB_REFUSAL = {
    "message": "API rate limit exceeded for user ID 1.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}
OPENAI_REFUSAL = {
    "error": {
        "message": "Rate limit reached for requests",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}

Headers = tuple[tuple[str, str], ...]
_PATH = re.compile(re.escape(RATELIMIT_PATH) + r"/([^/]+)/([^/]+)/([^/]+)/items")
_LIMIT = re.compile(r"[0-9]{1,7}")
_DECIMAL = re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")


@dataclass
class _Window:
    start: float
    used: int = 0


@dataclass(frozen=True)
class Budget:
    """Where one request left its window: what to announce, and whether it got through."""

    allowed: bool
    limit: int
    used: int
    window: float
    reset_in: float  # seconds from now until the window closes (> 0)
    reset_epoch: int  # the same moment as whole epoch seconds, rounded up

    @property
    def remaining(self) -> int:
        """Requests left in this window."""
        return self.limit - self.used

    @property
    def wait(self) -> int:
        """``Retry-After``: whole seconds until the window closes, at least 1."""
        return max(1, math.ceil(self.reset_in))


class RateLimits:
    """Fixed-window budgets for every dialect; thread-safe.

    Args:
        clock: monotonic seconds (inject a fake one to move time in tests).
        wall: epoch seconds, read once to turn the clock into epoch resets.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._epoch_offset = wall() - clock()
        self._windows: dict[tuple[str, int, float, str], _Window] = {}
        self._lock = threading.Lock()
        self._refusals = 0

    @property
    def refusals(self) -> int:
        """How many requests were refused for being over budget so far."""
        with self._lock:
            return self._refusals

    def handle(self, request: Request, credential: str) -> Reply:
        """Answer an authenticated ``/ratelimit/...`` request from the bearer ``credential``."""
        match = _PATH.fullmatch(request.path)
        if match is None or request.method != "GET" or match[1] not in DIALECTS:
            return message_error("Not Found", 404)
        dialect, raw_limit, raw_window = match.groups()
        if not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            return message_error(f"limit must be a whole number from 1 to {MAX_LIMIT}")
        if not _DECIMAL.fullmatch(raw_window) or not 0 < float(raw_window) <= MAX_WINDOW:
            return message_error("window must be a positive number of seconds")
        try:
            page = integer(request.query, "page", default=1, minimum=1)
            size = page_size(request.query, "per_page")
        except BadRequest as bad:
            return bad.reply
        # Keyed by a digest: the sandbox keeps no bearer token it did not issue itself.
        who = hashlib.sha256(credential.encode("utf-8")).hexdigest()
        key = (dialect, int(raw_limit), float(raw_window), who)
        fresh: Reply | None = None  # the page, built once (ETag dialects need it up front)
        tagged: tuple[tuple[str, str], ...] = ()
        if dialect in ETAG_DIALECTS:
            fresh = json_reply(200, listing.page_of(records(), page, size=size))
            etag = etag_of(fresh.body)
            tagged = (("ETag", etag),)
            if not_modified(request, etag):  # GitHub: a 304 costs nothing
                headers = (*announce(dialect, self.take(key, count=False)), *tagged)
                return Reply(304, b"", fresh.content_type, headers)
        budget = self.take(key)
        headers = announce(dialect, budget)
        if not budget.allowed:
            return refuse(dialect, budget, headers)
        if fresh is None:
            fresh = json_reply(200, listing.page_of(records(), page, size=size))
        return Reply(200, fresh.body, fresh.content_type, (*headers, *tagged))

    def take(self, key: tuple[str, int, float, str], *, count: bool = True) -> Budget:
        """Count one request against the window for ``key`` (dialect, limit, window, caller).

        ``count=False`` only reads where the window stands (a 304 that costs nothing).
        """
        _, limit, length, _ = key
        with self._lock:
            now = self._clock()
            current = self._windows.get(key)
            if current is None or now >= current.start + length:
                if len(self._windows) >= _PRUNE_AT:
                    self._prune(now)
                current = self._windows[key] = _Window(now)
            allowed = current.used < limit
            if count and allowed:
                current.used += 1
            elif count:
                self._refusals += 1
            ends = current.start + length
            used = current.used
        return Budget(
            allowed=allowed,
            limit=limit,
            used=used,
            window=length,
            reset_in=ends - now,
            reset_epoch=math.ceil(ends + self._epoch_offset),
        )

    def _prune(self, now: float) -> None:
        self._windows = {
            key: open_ for key, open_ in self._windows.items() if now < open_.start + key[2]
        }


def announce(dialect: str, budget: Budget) -> Headers:
    """The headers ``dialect`` puts on every answer (refusals included)."""
    reset_s = str(math.ceil(budget.reset_in))
    if dialect in ("github", "github429"):
        return (
            ("X-RateLimit-Limit", str(budget.limit)),
            ("X-RateLimit-Remaining", str(budget.remaining)),
            ("X-RateLimit-Used", str(budget.used)),
            ("X-RateLimit-Reset", str(budget.reset_epoch)),
            ("X-RateLimit-Resource", "core"),
        )
    if dialect == "ietf":
        return (
            ("RateLimit-Limit", str(budget.limit)),
            ("RateLimit-Remaining", str(budget.remaining)),
            ("RateLimit-Reset", reset_s),
        )
    if dialect == "ietf-structured":
        return (
            ("RateLimit", f'"default";r={budget.remaining};t={reset_s}'),
            ("RateLimit-Policy", f'"default";q={budget.limit};w={_seconds_text(budget.window)}'),
        )
    if dialect == "openai":
        return (
            ("x-ratelimit-limit-requests", str(budget.limit)),
            ("x-ratelimit-remaining-requests", str(budget.remaining)),
            ("x-ratelimit-reset-requests", duration(budget.reset_in)),
        )
    return ()  # "retry-after" announces nothing until it refuses


def refuse(dialect: str, budget: Budget, headers: Headers) -> Reply:
    """The refusal ``dialect`` sends when the budget is used up."""
    retry_after = (("Retry-After", str(budget.wait)),)
    if dialect == "github":
        return json_reply(403, GITHUB_REFUSAL, headers=headers)
    if dialect == "github429":
        return json_reply(429, GITHUB_REFUSAL, headers=headers)
    if dialect == "openai":
        return json_reply(429, OPENAI_REFUSAL, headers=headers)
    body = {"message": f"Too many requests: {budget.limit} per {_seconds_text(budget.window)} s."}
    return json_reply(429, body, headers=headers + retry_after)


def duration(seconds: float) -> str:
    """Seconds as OpenAI (Go) writes a duration, rounded up to the millisecond.

    >>> duration(0.85), duration(1.0), duration(360), duration(3725.5)
    ('850ms', '1s', '6m0s', '1h2m5.5s')
    """
    millis = math.ceil(round(seconds * 1000, 6))
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"
