"""The client against servers that announce their budget: no avoidable refusal, bounded waits.

The sandbox's ``/ratelimit/{dialect}/{limit}/{window}/items`` enforces fixed
windows and announces them in each dialect. Most tests share one fake clock
between the sandbox and the client, so a one-second window costs no real second.
"""

from __future__ import annotations

import re
import secrets
import time
import warnings
from collections.abc import Iterator

import pytest

import bearerkit as bk
from bearerkit import sandbox

from .clocks import FakeClock

CANARY = f"canary-TOKEN-{secrets.token_hex(8)}"
ANNOUNCING = ["github", "github429", "ietf", "ietf-structured", "openai"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[sandbox.Sandbox]:
    with sandbox.start(token=CANARY, clock=clock) as server:
        yield server


@pytest.fixture
def real_sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(token=CANARY) as server:
        yield server


def client_on(sb: sandbox.Sandbox, clock: FakeClock | None = None, **options: object) -> bk.Client:
    client = bk.Client(sb.ratelimit_url, CANARY, **options)  # type: ignore[arg-type]
    if clock is not None:
        client.pacer.use_clock(clock=clock, sleep=clock.sleep, wall=clock.wall)
    return client


@pytest.mark.parametrize("dialect", ANNOUNCING)
def test_twelve_requests_over_five_per_second_are_never_refused(
    sb: sandbox.Sandbox, clock: FakeClock, dialect: str
) -> None:
    started = clock()
    with client_on(sb, clock, retries=0) as api:
        pages = [api.get(f"{dialect}/5/1/items") for _ in range(12)]
    assert len(pages) == 12
    assert sb.ratelimit_refusals == 0
    assert clock() - started >= 2.0  # three windows of one second were needed


@pytest.mark.parametrize("dialect", ANNOUNCING)
def test_paginate_threads_share_the_budget(
    sb: sandbox.Sandbox, clock: FakeClock, dialect: str
) -> None:
    with client_on(sb, clock, retries=0) as api:
        frame = api.paginate(
            f"{dialect}/2/1/items", record_path="results", workers=4, progress=False
        )
    assert len(frame) == 57  # six pages, two a second
    assert sb.ratelimit_refusals == 0


def test_a_nearly_used_budget_does_not_meet_a_burst(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    with client_on(sb, clock) as first:
        for _ in range(4):
            first.get("ietf/5/1/items")  # 1 of 5 left in this window
    with client_on(sb, clock, retries=0) as second:
        second.paginate("ietf/5/1/items", workers=4, progress=False)
    assert sb.ratelimit_refusals == 0


def test_one_hour_reset_fails_at_once_with_when_to_try_again(real_sb: sandbox.Sandbox) -> None:
    with client_on(real_sb) as api:
        api.get("github/1/3600/items")
        sent = len(real_sb.request_log)
        started = time.monotonic()
        with pytest.raises(bk.RateLimitError) as info:
            api.get("github/1/3600/items")
    assert time.monotonic() - started < 1.0
    assert len(real_sb.request_log) == sent  # known to be refused: not even sent
    err = info.value
    assert not isinstance(err, bk.AuthError)
    assert err.retry_after == pytest.approx(3600, abs=2)
    assert re.search(r"try again after \d\d:\d\d:\d\d", str(err), re.IGNORECASE)
    assert "max_wait" in str(err) and CANARY not in str(err)


def test_a_github_403_refusal_is_a_rate_limit_error_not_auth(real_sb: sandbox.Sandbox) -> None:
    with client_on(real_sb) as used_up:
        used_up.get("github/1/3600/items")
    with client_on(real_sb) as fresh, pytest.raises(bk.RateLimitError) as info:
        started = time.monotonic()
        fresh.get("github/1/3600/items")  # the server refuses: 403, remaining 0
    assert time.monotonic() - started < 1.0
    err = info.value
    assert err.status_code == 403 and not isinstance(err, bk.AuthError)
    assert err.retry_after == pytest.approx(3600, abs=2)
    assert "retries" not in str(err)  # none ran: the message must not claim any
    assert "(0 of 1 left)" in str(err)
    assert real_sb.ratelimit_refusals == 1


def test_one_second_reset_is_waited_out(real_sb: sandbox.Sandbox) -> None:
    with client_on(real_sb, retries=0) as api:
        started = time.monotonic()
        api.get("ietf/1/1/items")
        api.get("ietf/1/1/items")
    assert time.monotonic() - started >= 0.9
    assert real_sb.ratelimit_refusals == 0


def test_three_second_wait_prints_a_countdown(
    sb: sandbox.Sandbox, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    with client_on(sb, clock) as api:
        api.get("retry-after/1/3/items")
        assert api.get("retry-after/1/3/items")["page"] == 1  # 429, Retry-After: 3, waited
    err = capsys.readouterr().err
    assert "waiting 3 s" in err and "127.0.0.1" in err
    assert sum(clock.slept) >= 3.0


def test_a_silent_server_refuses_each_thread_at_most_once(
    sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    # The retry-after dialect announces nothing until it refuses; then its Retry-After
    # holds every thread, so only requests already in flight can be refused.
    with client_on(sb, clock, retries=1) as api:
        frame = api.paginate("retry-after/3/2/items", workers=4, progress=False)
    assert len(frame) == 57
    assert 1 <= sb.ratelimit_refusals <= 4


def test_wait_beyond_max_wait_fails_at_once(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    with client_on(sb, clock, max_wait=2) as api:
        api.get("retry-after/1/30/items")
        with pytest.raises(bk.RateLimitError) as info:
            api.get("retry-after/1/30/items")
    assert info.value.retry_after == 30
    assert clock.slept == []


def test_client_side_window_beyond_max_wait_fails_at_once(sb: sandbox.Sandbox) -> None:
    with bk.Client(sb.url, CANARY, rate_limit="1/h", max_wait=5) as api:
        api.get("genre/movie/list")
        started = time.monotonic()
        with pytest.raises(bk.RateLimitError, match=r"rate_limit=1/h") as info:
            api.get("genre/movie/list")
    assert time.monotonic() - started < 1.0
    assert info.value.retry_after == pytest.approx(3600, abs=1)


def test_rate_limit_accepts_strings_and_lists(sb: sandbox.Sandbox) -> None:
    with bk.Client(sb.url, CANARY, rate_limit=["200/15min", "2000/day"]) as api:
        assert "rate_limit=[200/15min, 2000/day]" in repr(api)
    with pytest.raises(ValueError, match="ten per second"):
        bk.Client(sb.url, CANARY, rate_limit="ten per second")


def test_max_retry_after_is_a_deprecated_alias(sb: sandbox.Sandbox) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api = bk.Client(sb.url, CANARY, max_retry_after=5)
    assert api.max_wait == 5
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    api.close()


@pytest.mark.parametrize("bad", [-1, "soon", True])
def test_max_wait_must_be_seconds(sb: sandbox.Sandbox, bad: object) -> None:
    with pytest.raises(ValueError, match="max_wait"):
        bk.Client(sb.url, CANARY, max_wait=bad)  # type: ignore[arg-type]
