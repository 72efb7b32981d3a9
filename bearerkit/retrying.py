"""The retry policy: urllib3's ``Retry`` with bearerkit's rules.

- A refusal for rate reasons (any 429; a 403 that says nothing is left, or
  carries ``Retry-After``) is retried for every method: the server did not
  process the request. It is retried after the wait the server named
  (``Retry-After``, or the reset of an exhausted budget).
- 500/502/503/504 are retried only for idempotent methods (GET, PUT, DELETE, ...):
  a POST that failed half-way must not be sent twice.
- Connection failures before anything was sent are retried; read errors only for
  idempotent methods.
- A wait longer than ``max_wait`` is not waited: the answer goes back to the
  client at once, which raises an error saying when to try again.
- A ``Retry-After`` that is neither seconds nor a date (``soon``, ``-1``, ``nan``)
  is treated as absent; it is never a network failure.
- Every resend passes the client's :class:`~bearerkit.ratelimit.Pacer` (its
  ``rate_limit=`` and the announced budget), like the first send.
"""

from __future__ import annotations

import time
from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .ratelimit.headers import (
    Announcement,
    is_refusal,
    parse_headers,
    parse_retry_after,
    refusal_wait,
)
from .ratelimit.pacer import DEFAULT_MAX_WAIT, Pacer

__all__ = [
    "DEFAULT_BACKOFF_FACTOR",
    "DEFAULT_MAX_WAIT",
    "DEFAULT_RETRIES",
    "BearerkitRetry",
    "make_retry",
]

DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_FACTOR = 0.25  # retry at once, then after 0.5, 1, 2 ... seconds (+ jitter)
DEFAULT_BACKOFF_JITTER = 0.1  # up to 0.1 s extra, so parallel clients don't retry in lockstep
DEFAULT_BACKOFF_MAX = 8.0

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class BearerkitRetry(Retry):
    """``Retry`` that retries rate refusals for any method, caps waits and paces resends."""

    def __init__(
        self,
        *args: Any,
        max_wait: float = DEFAULT_MAX_WAIT,
        pacer: Pacer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait
        self.pacer = pacer
        self._method = ""
        self._url = ""

    def new(self, **kw: Any) -> BearerkitRetry:
        new = super().new(**kw)
        new.max_wait, new.pacer = self.max_wait, self.pacer
        new._method, new._url = self._method, self._url
        return new

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in (403, 429):
            return True  # 403: increment() hands back those that are not rate refusals
        return super().is_retry(method, status_code, has_retry_after)

    def parse_retry_after(self, retry_after: str) -> float:
        seconds = parse_retry_after(retry_after)
        return 0.0 if seconds is None else min(seconds, self.retry_after_max)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        value = response.headers.get("Retry-After")
        return None if value is None else parse_retry_after(value)

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        if response is not None and error is None:
            announced = parse_headers(response.headers)
            if response.status == 403 and not is_refusal(403, announced):
                # A plain 403 is an answer, not a refusal to retry: hand it back as it is.
                raise MaxRetryError(_pool, url or "", ResponseError("403 is not retried"))
            wait = _server_wait(response.status, announced)
            if wait is not None and wait > self.max_wait:
                # MaxRetryError makes urllib3 hand the answer back to the caller, which
                # turns it into an error that names the wait.
                raise MaxRetryError(_pool, url or "", ResponseError("wait beyond max_wait"))
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if isinstance(new, BearerkitRetry) and _pool is not None:
            new._method = method or "GET"
            new._url = _pool_url(_pool, url)
        return new

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        if self.pacer is None:
            self._sleep_without_pacer(response)
            return
        status = response.status if response is not None else None
        headers = response.headers if response is not None else None
        self.pacer.before_retry(status, headers, self.get_backoff_time(), self._method, self._url)

    def _sleep_without_pacer(self, response: BaseHTTPResponse | None) -> None:
        wait = self.get_backoff_time()
        if response is not None:
            said = _server_wait(response.status, parse_headers(response.headers))
            wait = max(wait, said or 0.0)
        if wait > 0:
            time.sleep(wait)


def _server_wait(status: int, announced: Announcement) -> float | None:
    """Seconds the server asked for: a rate refusal's wait, else its ``Retry-After``."""
    return refusal_wait(announced) if is_refusal(status, announced) else announced.retry_after


def _pool_url(pool: Any, url: str | None) -> str:
    """An absolute URL for messages, from the connection pool and the request path."""
    path = url or ""
    if path.startswith(("http://", "https://")):
        return path
    scheme = getattr(pool, "scheme", "http")
    host = getattr(pool, "host", "")
    port = getattr(pool, "port", None)
    return f"{scheme}://{host}{f':{port}' if port else ''}{path}"


def make_retry(
    retries: int, *, max_wait: float = DEFAULT_MAX_WAIT, pacer: Pacer | None = None
) -> Retry:
    """The policy for ``retries`` retries after the first attempt (at most ``retries + 1`` sends)."""
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries!r}")
    return BearerkitRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        redirect=0,
        other=0,
        backoff_factor=DEFAULT_BACKOFF_FACTOR,
        backoff_jitter=DEFAULT_BACKOFF_JITTER,
        backoff_max=DEFAULT_BACKOFF_MAX,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        max_wait=max_wait,
        pacer=pacer,
    )
