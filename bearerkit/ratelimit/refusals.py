"""The :class:`~bearerkit.errors.RateLimitError` for a refusal the retries did not get past.

A refusal for rate reasons is any 429, and a 403 that says nothing is left
(GitHub sends both). The message counts only the retries that really ran, and
says when to try again as a local clock time.
"""

from __future__ import annotations

import math
import time
from typing import Any

import requests

from ..errors import RateLimitError
from .countdown import clock_time
from .headers import is_refusal, parse_headers, refusal_wait

__all__ = ["rate_limit_error", "retries_done"]


def retries_done(response: requests.Response) -> int:
    """How many retries urllib3 really made before this answer."""
    retry = getattr(response.raw, "retries", None)
    return len(getattr(retry, "history", ()) or ())


def rate_limit_error(
    response: requests.Response, *, head: str, said: str, retries: int, **fields: Any
) -> RateLimitError | None:
    """The error for a rate refusal, or ``None`` when ``response`` is not one.

    ``head`` and ``said`` start the message (status, request, the API's words);
    ``retries`` is how many the client allows.
    """
    now = time.time()
    announced = parse_headers(response.headers, now=now)
    if not is_refusal(response.status_code, announced):
        return None
    done = retries_done(response)
    wait = refusal_wait(announced)
    parts = [f"{head}{said}. Refused for rate limits"]
    if announced.remaining is not None:
        of = f" of {announced.limit}" if announced.limit is not None else ""
        parts.append(f" ({announced.remaining}{of} left)")
    if done:
        parts.append(f"; still refused after {done} {'retry' if done == 1 else 'retries'}")
    elif retries and wait is not None and wait > 0:
        parts.append("; not retried: the wait is longer than the client's max_wait=")
    if announced.bad_retry_after is not None:
        parts.append(
            f". Its Retry-After {announced.bad_retry_after!r} is neither seconds nor a date, "
            "so it was ignored"
        )
    if wait is not None:
        parts.append(f". Try again after {clock_time(wait, now=now)} (in {math.ceil(wait)} s)")
    else:
        parts.append(". Wait a little and try again")
    parts.append(_advice(retries, done, wait))
    return RateLimitError("".join(parts), retry_after=wait, **fields)


def _advice(retries: int, done: int, wait: float | None) -> str:
    """What would have avoided this refusal, from why it was not retried away."""
    if retries <= 0:
        # max_wait= only bounds the waits of retries; with none, it changes nothing.
        return (
            ", or create the client with retries=3 (it has retries=0) so it waits the "
            "announced time and sends again by itself."
        )
    if done >= retries:
        return (
            f", or create the client with a lower rate_limit= so it stays under the limit "
            f"(or more than retries={retries})."
        )
    if wait is not None and wait > 0:
        return ", or create the client with a larger max_wait= (seconds)."
    return ", or create the client with a lower rate_limit=."
