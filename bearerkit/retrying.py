"""The retry policy: urllib3's ``Retry`` with bearerkit's rules.

- 429 is retried for every method: the server did not process the request.
- 500/502/503/504 are retried only for idempotent methods (GET, PUT, DELETE, ...):
  a POST that failed half-way must not be sent twice.
- Connection failures before anything was sent are retried; read errors only for
  idempotent methods.
- ``Retry-After`` (seconds or an HTTP date) is honoured; if it asks for longer than
  ``max_retry_after`` the request fails at once, and the wait goes into the error.
"""

from __future__ import annotations

from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

__all__ = [
    "DEFAULT_BACKOFF_FACTOR",
    "DEFAULT_MAX_RETRY_AFTER",
    "DEFAULT_RETRIES",
    "BearerkitRetry",
    "make_retry",
]

DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_FACTOR = 0.25  # retry at once, then after 0.5, 1, 2 ... seconds (+ jitter)
DEFAULT_BACKOFF_JITTER = 0.1  # up to 0.1 s extra, so parallel clients don't retry in lockstep
DEFAULT_BACKOFF_MAX = 8.0
DEFAULT_MAX_RETRY_AFTER = 20.0  # a longer wait is better reported than spent in a notebook cell

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class BearerkitRetry(Retry):
    """``Retry`` that retries 429 for any method and caps ``Retry-After``."""

    def __init__(self, *args: Any, max_retry_after: float = DEFAULT_MAX_RETRY_AFTER, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> BearerkitRetry:
        new = super().new(**kw)
        new.max_retry_after = self.max_retry_after
        return new

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429:
            return True
        return super().is_retry(method, status_code, has_retry_after)

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
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_retry_after:
                # MaxRetryError makes urllib3 hand the 429/503 back to the caller, which
                # turns it into an error that names the wait.
                raise MaxRetryError(_pool, url or "", ResponseError("Retry-After too long"))
        return super().increment(method, url, response, error, _pool, _stacktrace)


def make_retry(retries: int, *, max_retry_after: float = DEFAULT_MAX_RETRY_AFTER) -> Retry:
    """The policy for ``retries`` retries after the first attempt (at most ``retries + 1`` sends)."""
    if retries < 0:
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
        max_retry_after=max_retry_after,
    )
