"""Read a rate-limit budget from response headers, in each dialect real APIs speak.

- ``X-RateLimit-Limit/Remaining/Reset`` (GitHub and many others): ``Reset`` is
  epoch seconds or seconds from now, told apart by size; Strava's comma lists
  (``X-RateLimit-Limit: 200,2000`` with ``X-RateLimit-Usage: 12,150``) too;
- ``RateLimit-Limit/Remaining/Reset`` (IETF httpapi draft, ``Reset`` in seconds);
- the draft's structured fields ``RateLimit: "default";r=0;t=30`` with
  ``RateLimit-Policy: "default";q=100;w=60`` (and the older ``limit=, remaining=, reset=``);
- OpenAI's ``x-ratelimit-*-requests`` with durations (``850ms``, ``6m0s``, ``1m30.5s``);
- ``Retry-After``: seconds (``1.5`` accepted) or an HTTP date. Anything else
  (``soon``, ``-1``, ``nan``, blank) is recorded as unreadable and treated as absent.

Parsing is pure: it never raises on a malformed header, it just learns less.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime

from requests.structures import CaseInsensitiveDict

__all__ = [
    "Announcement",
    "is_refusal",
    "parse_duration",
    "parse_headers",
    "parse_retry_after",
    "refusal_wait",
]

# A ``Reset`` above this is an epoch time (2001-09-09); below, seconds from now.
EPOCH_THRESHOLD = 1_000_000_000

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Announcement:
    """What one response said about the rate limit (every field optional).

    Attributes:
        limit: requests allowed per window.
        remaining: requests left in the current window.
        reset_after: seconds from the response until the window resets.
        exact_reset: ``False`` when ``reset_after`` came from whole seconds
            counted from now (good to about a second), ``True`` otherwise.
        retry_after: seconds from a readable ``Retry-After``.
        bad_retry_after: the raw text of a ``Retry-After`` that could not be read.
        dialect: which header family said it (``"github"``, ``"ietf"``, ...).
    """

    limit: int | None = None
    remaining: int | None = None
    reset_after: float | None = None
    exact_reset: bool = True
    retry_after: float | None = None
    bad_retry_after: str | None = None
    dialect: str = ""

    @property
    def exhausted(self) -> bool:
        """True when the server said nothing is left."""
        return self.remaining is not None and self.remaining <= 0


_NOTHING = Announcement()


def parse_headers(headers: Mapping[str, str], *, now: float | None = None) -> Announcement:
    """What ``headers`` announce; ``now`` is the wall-clock time (for epoch resets and dates).

    >>> parse_headers({"RateLimit": '"default";r=0;t=30'}).reset_after
    30.0
    """
    if not any("ratelimit" in key or key == "retry-after" for key in map(str.lower, headers)):
        return _NOTHING  # the common case, kept cheap: this runs on every answer
    if type(headers) is dict:
        headers = CaseInsensitiveDict(headers)
    wall = time.time() if now is None else now
    raw_retry = headers.get("Retry-After")
    retry_after = bad_retry = None
    if raw_retry is not None:
        retry_after = parse_retry_after(raw_retry, now=wall)
        if retry_after is None:
            bad_retry = raw_retry[:40]
    budget = (
        _structured(headers)
        or _fields(headers, "RateLimit-", "ietf", wall)
        or _fields(headers, "X-RateLimit-", "github", wall)
        or _openai(headers)
        or _NOTHING
    )
    if raw_retry is None:
        return budget
    return replace(
        budget,
        retry_after=retry_after,
        bad_retry_after=bad_retry,
        dialect=budget.dialect or "retry-after",
    )


def is_refusal(status: int, announced: Announcement) -> bool:
    """Whether an answer is a refusal for rate reasons: any 429, a 403 with nothing left."""
    if status == 429:
        return True
    return status == 403 and (
        announced.exhausted
        or announced.retry_after is not None
        or announced.bad_retry_after is not None
    )


def refusal_wait(announced: Announcement) -> float | None:
    """Seconds until a refused request may be sent again, if the server said."""
    if announced.retry_after is not None:
        return announced.retry_after
    if announced.exhausted and announced.reset_after is not None:
        return announced.reset_after
    return None


def parse_retry_after(value: str, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` value (seconds or an HTTP date); ``None`` if unreadable.

    >>> parse_retry_after("1.5"), parse_retry_after("soon")
    (1.5, None)
    """
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    if not text or text[0].isdigit() or text[0] in "+-":
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    wall = time.time() if now is None else now
    return max(0.0, when.timestamp() - wall)


def parse_duration(value: str) -> float | None:
    """Seconds in a Go-style duration (``850ms``, ``1s``, ``6m0s``, ``1m30.5s``) or a number.

    >>> parse_duration("1m30.5s")
    90.5
    """
    text = value.strip()
    number = _number(text)
    if number is not None and _NUMBER.fullmatch(text):
        return number if number >= 0 else None
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    # 400 digits and "h" is no duration a server means: ignored, as an unreadable one is.
    return seconds if math.isfinite(seconds) else None


def _number(text: str | None) -> float | None:
    """The first number in ``text`` (``"100, 100;w=60"`` -> 100), or ``None``."""
    if not text:
        return None
    match = _NUMBER.match(text)
    if match is None:
        return None
    value = float(match.group(1))
    return value if math.isfinite(value) else None


def _numbers(text: str | None) -> list[float]:
    """Every comma-separated leading number (Strava's ``200,2000``)."""
    if not text:
        return []
    values = [_number(part) for part in text.split(",")]
    return [v for v in values if v is not None]


def _count(value: float | None) -> int | None:
    return None if value is None else max(0, int(value))


def _reset(value: float | None, wall: float) -> tuple[float | None, bool]:
    """Seconds from now, from epoch seconds or seconds from now (told apart by size)."""
    if value is None or value < 0:
        return None, True
    if value > EPOCH_THRESHOLD:
        return max(0.0, value - wall), True
    return value, not float(value).is_integer()


def _fields(
    headers: Mapping[str, str], prefix: str, dialect: str, wall: float
) -> Announcement | None:
    """``<prefix>Limit/Remaining/Reset`` (and Strava's ``Usage``)."""
    limits = _numbers(headers.get(prefix + "Limit"))
    remaining = _numbers(headers.get(prefix + "Remaining"))
    usage = _numbers(headers.get(prefix + "Usage"))
    if not remaining and usage and len(usage) == len(limits):
        remaining = [limit - used for limit, used in zip(limits, usage, strict=True)]
    if not remaining:
        return None
    # Several windows (Strava): the one with the least left decides.
    i = min(range(len(remaining)), key=remaining.__getitem__)
    limit = limits[i] if i < len(limits) else (limits[0] if limits else None)
    reset, exact = _reset(_number(headers.get(prefix + "Reset")), wall)
    return Announcement(_count(limit), _count(remaining[i]), reset, exact, dialect=dialect)


def _openai(headers: Mapping[str, str]) -> Announcement | None:
    """OpenAI: ``x-ratelimit-{limit,remaining,reset}-requests`` (reset is a duration)."""
    remaining = _number(headers.get("x-ratelimit-remaining-requests"))
    if remaining is None:
        return None
    raw_reset = headers.get("x-ratelimit-reset-requests")
    reset = parse_duration(raw_reset) if raw_reset else None
    return Announcement(
        _count(_number(headers.get("x-ratelimit-limit-requests"))),
        _count(remaining),
        reset,
        True,
        dialect="openai",
    )


def _structured(headers: Mapping[str, str]) -> Announcement | None:
    """The IETF draft's ``RateLimit`` (+ ``RateLimit-Policy``) structured fields."""
    field = headers.get("RateLimit")
    if not field:
        return None
    policies = {name: params for name, params in _items(headers.get("RateLimit-Policy") or "")}
    best: Announcement | None = None
    for name, params in _items(field):
        remaining = _number(params.get("r") or params.get("remaining"))
        if remaining is None:
            continue
        reset = _number(params.get("t") or params.get("reset"))
        if reset is not None and reset < 0:
            reset = None  # "t=-3": no reset a server can mean; the other dialects ignore it too
        policy = policies.get(name, {})
        limit = _number(
            params.get("q") or params.get("limit") or policy.get("q") or policy.get("limit")
        )
        exact = reset is None or not float(reset).is_integer()
        found = Announcement(_count(limit), _count(remaining), reset, exact, dialect="ietf")
        # Several policies: the one with the least left (then the longest reset) decides.
        if best is None or (found.remaining, -(reset or 0)) < (
            best.remaining,
            -(best.reset_after or 0),
        ):
            best = found
    return best


def _items(field: str) -> list[tuple[str, dict[str, str]]]:
    """``"name";k=v;k=v, ...`` items, or the older ``limit=1, remaining=0`` form as one item."""
    if ";" not in field and "=" in field:
        params = dict(_pair(part) for part in field.split(",") if "=" in part)
        return [("", params)]
    items = []
    for item in field.split(","):
        name, *rest = item.split(";")
        items.append((name.strip().strip('"'), dict(_pair(p) for p in rest if "=" in p)))
    return items


def _pair(part: str) -> tuple[str, str]:
    key, _, value = part.partition("=")
    return key.strip().lower(), value.strip().strip('"')
