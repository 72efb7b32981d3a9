"""The retry policy: what is retried, after how long, through the rate limiter, and what errors say."""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.retrying import make_retry

from .ratelimit.clocks import FakeClock

CANARY = f"canary-TOKEN-{secrets.token_hex(8)}"


class FlakyServer(ThreadingHTTPServer):
    """Answers 503 to the first ``failures`` requests of each path, then 200; notes arrival times."""

    daemon_threads = True

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.arrivals: list[float] = []
        self.seen: dict[str, int] = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _FlakyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _FlakyHandler(BaseHTTPRequestHandler):
    server: FlakyServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.arrivals.append(time.monotonic())
            n = self.server.seen[self.path] = self.server.seen.get(self.path, 0) + 1
        status, body = (503, b'{"message": "busy"}') if n <= self.server.failures else (200, b"{}")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[FlakyServer]:
    server = FlakyServer(failures=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(token=CANARY) as server:
        yield server


def fake_clocked(client: bk.Client) -> FakeClock:
    clock = FakeClock()
    client.pacer.use_clock(clock=clock, sleep=clock.sleep, wall=clock.wall)
    return clock


# -- 12.13: every send, retries included, goes through the limiter ------------------------
def test_retries_wait_for_the_rate_limiter_every_time(flaky: FlakyServer) -> None:
    with bk.Client(flaky.url, rate_limit=10, retries=3) as api:
        for path in ("a", "b", "c"):
            assert api.get(path) == {}
    assert len(flaky.arrivals) == 9  # three calls, each two 503s and a 200
    gaps = [b - a for a, b in itertools.pairwise(flaky.arrivals)]
    assert min(gaps) >= 0.1 - 0.03, gaps  # every gap, not just the total


# -- 12.9: a malformed Retry-After is treated as absent, never a network failure -----------
@pytest.mark.parametrize("value", ["soon", "-1", "", "nan", "1.5", "Wed, 99 Foo 2015"])
@pytest.mark.parametrize("status", [429, 503])
def test_malformed_retry_after_is_retried_not_a_network_error(
    sb: sandbox.Sandbox, status: int, value: str
) -> None:
    sb.fail_next(status=status, retry_after=value)
    with bk.Client(sb.url, CANARY, retries=2) as api:
        clock = fake_clocked(api)
        assert api.get("genre/movie/list")["genres"]
    if value == "1.5":
        assert sum(clock.slept) == pytest.approx(1.5)  # a float is fine by us


def test_malformed_retry_after_is_named_in_the_error(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=429, retry_after="soon")
    with bk.Client(sb.url, CANARY, retries=0) as api, pytest.raises(bk.RateLimitError) as info:
        api.get("genre/movie/list")
    message = str(info.value)
    assert "'soon'" in message and "ignored" in message
    # No retry claimed (none ran); the advice may name retries= (issue 20, item 11).
    assert "still refused after" not in message
    assert "retry" not in message.split("Refused")[1].split(".")[0]


# -- refusals: which, how often, what the error says ------------------------------------
def test_error_counts_only_the_retries_that_ran(sb: sandbox.Sandbox) -> None:
    sb.fail_next(5, status=429, retry_after=0)
    with bk.Client(sb.url, CANARY, retries=2) as api, pytest.raises(bk.RateLimitError) as info:
        api.get("genre/movie/list")
    assert "still refused after 2 retries" in str(info.value)
    assert info.value.retry_after == 0


def test_long_retry_after_is_not_retried_and_says_so(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=429, retry_after=3600)
    with bk.Client(sb.url, CANARY, retries=3) as api, pytest.raises(bk.RateLimitError) as info:
        api.get("genre/movie/list")
    message = str(info.value)
    assert "not retried" in message and "max_wait" in message
    assert re.search(r"try again after \d\d:\d\d:\d\d \(in 3600 s\)", message, re.IGNORECASE)
    assert "3 retries" not in message
    assert len(sb.request_log) == 1


def test_a_plain_403_is_an_auth_error_and_not_retried(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=403, body={"status_message": "not allowed"})
    with bk.Client(sb.url, CANARY, retries=3) as api, pytest.raises(bk.AuthError) as info:
        api.get("genre/movie/list")
    assert not isinstance(info.value, bk.RateLimitError)
    assert len(sb.request_log) == 1


def test_a_403_with_retry_after_is_a_rate_refusal_and_retried(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=403, retry_after=1)  # GitHub's secondary limits
    with bk.Client(sb.url, CANARY, retries=1) as api:
        clock = fake_clocked(api)
        assert api.get("genre/movie/list")["genres"]
    assert sum(clock.slept) >= 1.0


def test_429_is_retried_for_post(sb: sandbox.Sandbox) -> None:
    with bk.Client(sb.url, CANARY, retries=1) as api:
        movie = api.get("discover/movie")["results"][0]["id"]
        fake_clocked(api)
        sb.fail_next(status=429, retry_after=0)
        assert api.post(f"movie/{movie}/rating", json={"value": 8})["success"] is True


def test_post_503_is_not_retried(sb: sandbox.Sandbox) -> None:
    with bk.Client(sb.url, CANARY, retries=3) as api:
        movie = api.get("discover/movie")["results"][0]["id"]
        sent = len(sb.request_log)
        sb.fail_next(status=503)
        with pytest.raises(bk.ServerError):
            api.post(f"movie/{movie}/rating", json={"value": 8})
    assert len(sb.request_log) == sent + 1


def test_server_error_counts_only_the_retries_that_ran(sb: sandbox.Sandbox) -> None:
    sb.fail_next(3, status=502)
    with bk.Client(sb.url, CANARY, retries=1) as api, pytest.raises(bk.ServerError) as info:
        fake_clocked(api)
        api.get("genre/movie/list")
    assert "after 1 retry." in str(info.value)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_retries_must_be_a_count(bad: object) -> None:
    with pytest.raises(ValueError, match="retries"):
        make_retry(bad)  # type: ignore[arg-type]
