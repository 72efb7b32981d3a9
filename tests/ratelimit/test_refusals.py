"""The RateLimitError a refusal leaves: readable waits, and advice that matches the cause."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import bearerkit as bk

CANARY = "canary-TOKEN-refusals-5d1c"


def refusal(server: HTTPServer, headers: dict[str, str], **options: Any) -> bk.RateLimitError:
    """The error of a client made with ``options`` when ``/x`` answers 429 with ``headers``."""
    server.expect_request("/x").respond_with_json(
        {"error": "slow down"}, status=429, headers=headers
    )
    with (
        bk.Client(server.url_for("/"), CANARY, **options) as api,
        pytest.raises(bk.RateLimitError) as caught,
    ):
        api.get("x")
    return caught.value


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "9" * 400 + "h"},
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "9" * 400 + "s"},
        {"RateLimit": '"x";r=0;t=-3'},
        {"RateLimit": "limit=10, remaining=0, reset=-3"},
    ],
    ids=["openai-400-digit-hours", "openai-400-digit-seconds", "structured-minus-3", "old-minus-3"],
)
def test_absurd_resets_are_ignored_not_raised(server: HTTPServer, headers: dict[str, str]) -> None:
    err = refusal(server, headers, retries=0)
    assert err.retry_after is None or err.retry_after >= 0
    assert "-3" not in str(err) and "inf" not in str(err)


def test_a_429_with_retries_0_advises_retries_not_max_wait(server: HTTPServer) -> None:
    text = str(refusal(server, {"Retry-After": "5"}, retries=0))
    assert "max_wait" not in text
    assert "retries=" in text and "in 5 s" in text


def test_a_429_beyond_max_wait_advises_max_wait(server: HTTPServer) -> None:
    err = refusal(server, {"Retry-After": "30"}, retries=2, max_wait=1)
    assert "larger max_wait=" in str(err)
    assert len(server.log) == 1  # not retried: the wait was beyond max_wait


def test_a_429_after_every_retry_advises_a_lower_rate(server: HTTPServer) -> None:
    text = str(refusal(server, {"Retry-After": "0"}, retries=1))
    assert "after 1 retry" in text and "rate_limit=" in text and "max_wait" not in text
