"""Each rate-limit dialect read into an Announcement; malformed values never raise."""

from __future__ import annotations

import math
import time
from email.utils import formatdate

import pytest
from requests.structures import CaseInsensitiveDict

from bearerkit.ratelimit.headers import (
    Announcement,
    is_refusal,
    parse_duration,
    parse_headers,
    parse_retry_after,
    refusal_wait,
)

NOW = 1_800_000_000.0  # a fixed wall-clock time for epoch resets


@pytest.mark.parametrize(
    "headers, limit, remaining, reset_after, dialect",
    [
        # GitHub: epoch reset
        (
            {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3600)},
            60, 0, 3600.0, "github",
        ),
        # the same family with a reset in seconds from now (told apart by size)
        ({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "2", "X-RateLimit-Reset": "30"}, 5, 2, 30.0, "github"),
        # header names are case-insensitive
        ({"x-ratelimit-limit": "5", "x-ratelimit-remaining": "4"}, 5, 4, None, "github"),
        # Strava: two windows, usage instead of remaining; the fuller one decides
        ({"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "12,1999"}, 2000, 1, None, "github"),
        # IETF draft fields
        ({"RateLimit-Limit": "100", "RateLimit-Remaining": "7", "RateLimit-Reset": "12"}, 100, 7, 12.0, "ietf"),
        ({"RateLimit-Limit": "100, 100;w=60", "RateLimit-Remaining": "0", "RateLimit-Reset": "59"}, 100, 0, 59.0, "ietf"),
        # IETF structured fields, later drafts
        ({"RateLimit": '"default";r=0;t=30', "RateLimit-Policy": '"default";q=100;w=60'}, 100, 0, 30.0, "ietf"),
        (
            {"RateLimit": '"burst";r=9;t=1, "daily";r=0;t=3600', "RateLimit-Policy": '"burst";q=10;w=1, "daily";q=1000;w=86400'},
            1000, 0, 3600.0, "ietf",
        ),
        ({"RateLimit": "limit=10, remaining=3, reset=5"}, 10, 3, 5.0, "ietf"),
        # OpenAI durations
        ({"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "850ms"}, 60, 59, 0.85, "openai"),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s"}, None, 0, 360.0, "openai"),
        # nothing announced
        ({"Content-Type": "application/json"}, None, None, None, ""),
    ],
)  # fmt: skip
def test_dialects(
    headers: dict[str, str],
    limit: int | None,
    remaining: int | None,
    reset_after: float | None,
    dialect: str,
) -> None:
    found = parse_headers(CaseInsensitiveDict(headers), now=NOW)
    assert (found.limit, found.remaining, found.dialect) == (limit, remaining, dialect)
    if reset_after is None:
        assert found.reset_after is None
    else:
        assert found.reset_after == pytest.approx(reset_after)


def test_whole_second_resets_are_marked_inexact() -> None:
    delta = parse_headers({"RateLimit-Remaining": "1", "RateLimit-Reset": "3"}, now=NOW)
    epoch = parse_headers(
        {"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": str(int(NOW) + 3)}, now=NOW
    )
    duration = parse_headers(
        {"x-ratelimit-remaining-requests": "1", "x-ratelimit-reset-requests": "2.5s"}, now=NOW
    )
    assert (delta.exact_reset, epoch.exact_reset, duration.exact_reset) == (False, True, True)


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("850ms", 0.85), ("1s", 1.0), ("6m0s", 360.0), ("1m30.5s", 90.5), ("1h2m5.5s", 3725.5),
        ("20", 20.0), ("0.5", 0.5), ("soon", None), ("", None), ("1x", None), ("-3", None), ("5s junk", None),
    ],
)  # fmt: skip
def test_durations(text: str, seconds: float | None) -> None:
    found = parse_duration(text)
    assert found == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    "text, seconds",
    [("0", 0.0), ("120", 120.0), (" 7 ", 7.0), ("1.5", 1.5), ("-1", None), ("soon", None),
     ("", None), ("   ", None), ("nan", None), ("inf", None), ("1e999", None)],
)  # fmt: skip
def test_retry_after_values(text: str, seconds: float | None) -> None:
    assert parse_retry_after(text) == seconds


def test_retry_after_as_http_date() -> None:
    value = formatdate(time.time() + 90, usegmt=True)
    assert parse_retry_after(value) == pytest.approx(90, abs=2)


def test_unreadable_retry_after_is_recorded_not_raised() -> None:
    found = parse_headers({"Retry-After": "soon"}, now=NOW)
    assert found.retry_after is None and found.bad_retry_after == "soon"
    assert found.dialect == "retry-after"


def test_retry_after_beside_a_budget() -> None:
    found = parse_headers(
        {"RateLimit-Remaining": "0", "RateLimit-Reset": "30", "Retry-After": "31"}, now=NOW
    )
    assert (found.remaining, found.reset_after, found.retry_after) == (0, 30.0, 31.0)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Remaining": "lots", "X-RateLimit-Reset": "later"},
        {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "nan"},
        {"RateLimit": '"x";r=;t=', "RateLimit-Policy": ";;;"},
        {"RateLimit": "garbage"},
        {"x-ratelimit-remaining-requests": "1", "x-ratelimit-reset-requests": "a while"},
        {"RateLimit-Remaining": "-4", "RateLimit-Reset": "-1"},
    ],
)
def test_malformed_budgets_never_raise(headers: dict[str, str]) -> None:
    found = parse_headers(headers, now=NOW)
    assert found.remaining is None or found.remaining >= 0
    assert found.reset_after is None or (
        math.isfinite(found.reset_after) and found.reset_after >= 0
    )


@pytest.mark.parametrize(
    "status, announced, refused",
    [
        (429, Announcement(), True),
        (403, Announcement(remaining=0), True),
        (403, Announcement(retry_after=60.0), True),
        (403, Announcement(remaining=12), False),
        (403, Announcement(), False),
        (503, Announcement(remaining=0), False),
        (200, Announcement(remaining=0), False),
    ],
)
def test_what_counts_as_a_rate_refusal(status: int, announced: Announcement, refused: bool) -> None:
    assert is_refusal(status, announced) is refused


def test_refusal_wait_prefers_retry_after_then_the_reset() -> None:
    assert refusal_wait(Announcement(remaining=0, reset_after=30.0, retry_after=5.0)) == 5.0
    assert refusal_wait(Announcement(remaining=0, reset_after=30.0)) == 30.0
    assert refusal_wait(Announcement(remaining=3, reset_after=30.0)) is None
    assert refusal_wait(Announcement()) is None
