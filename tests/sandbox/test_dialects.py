"""The sandbox's rate-limit dialects (``/ratelimit``), with an injected clock instead of sleeps."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
import requests

from bearerkit import sandbox
from bearerkit.sandbox.dialects import duration

from ..ratelimit.clocks import FakeClock
from .conftest import CANARY


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[sandbox.Sandbox]:
    with sandbox.start(token=CANARY, clock=clock) as server:
        yield server


def call(
    http: requests.Session, sb: sandbox.Sandbox, path: str, **params: str
) -> requests.Response:
    return http.get(f"{sb.ratelimit_url}/{path}", params=params or None, timeout=10)


def test_items_are_a_page_of_the_dataset(http: requests.Session, sb: sandbox.Sandbox) -> None:
    body = call(http, sb, "github/100/60/items", page="2").json()
    assert [r["id"] for r in body["results"]] == list(range(11, 21))
    assert (body["page"], body["total_pages"], body["total_results"]) == (2, 6, 57)


def test_github_announces_an_epoch_reset_and_refuses_with_403(
    http: requests.Session, sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    reset = math.ceil(time.time() + 60)
    seen = []
    for _ in range(4):
        r = call(http, sb, "github/3/60/items")
        seen.append(
            (r.status_code, r.headers["X-RateLimit-Remaining"], r.headers["X-RateLimit-Used"])
        )
        assert r.headers["X-RateLimit-Limit"] == "3"
        assert r.headers["X-RateLimit-Resource"] == "core"
        assert abs(int(r.headers["X-RateLimit-Reset"]) - reset) <= 1
    assert seen == [(200, "2", "1"), (200, "1", "2"), (200, "0", "3"), (403, "0", "3")]
    refused = r.json()
    assert refused["message"] == "API rate limit exceeded for user ID 1."
    assert refused["documentation_url"].startswith("https://docs.github.com/")
    assert "Retry-After" not in r.headers
    assert sb.ratelimit_refusals == 1

    clock.now += 60  # the window closes: a new one opens with the next request
    again = call(http, sb, "github/3/60/items")
    assert (again.status_code, again.headers["X-RateLimit-Remaining"]) == (200, "2")
    assert abs(int(again.headers["X-RateLimit-Reset"]) - (reset + 60)) <= 1


def test_github429_refuses_with_429(http: requests.Session, sb: sandbox.Sandbox) -> None:
    statuses = [call(http, sb, "github429/2/10/items").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert sb.ratelimit_refusals == 1


def test_ietf_resets_count_down_in_seconds(
    http: requests.Session, sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    first = call(http, sb, "ietf/2/60/items")
    assert [first.headers[f"RateLimit-{n}"] for n in ("Limit", "Remaining", "Reset")] == [
        "2",
        "1",
        "60",
    ]
    clock.now += 20.5
    second = call(http, sb, "ietf/2/60/items")
    assert (second.headers["RateLimit-Remaining"], second.headers["RateLimit-Reset"]) == ("0", "40")
    refused = call(http, sb, "ietf/2/60/items")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "40"
    assert refused.headers["RateLimit-Remaining"] == "0"


def test_ietf_structured_fields(
    http: requests.Session, sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    first = call(http, sb, "ietf-structured/5/30/items")
    assert first.headers["RateLimit"] == '"default";r=4;t=30'
    assert first.headers["RateLimit-Policy"] == '"default";q=5;w=30'
    half = call(http, sb, "ietf-structured/1/0.5/items")
    assert half.headers["RateLimit-Policy"] == '"default";q=1;w=0.5'
    assert half.headers["RateLimit"] == '"default";r=0;t=1'  # rounded up, never early
    refused = call(http, sb, "ietf-structured/1/0.5/items")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    clock.now += 0.5
    assert call(http, sb, "ietf-structured/1/0.5/items").status_code == 200


def test_openai_durations_and_refusal(
    http: requests.Session, sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    first = call(http, sb, "openai/2/360/items")
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert first.headers["x-ratelimit-reset-requests"] == "6m0s"
    clock.now += 359.15
    second = call(http, sb, "openai/2/360/items")
    assert second.headers["x-ratelimit-reset-requests"] == "850ms"
    refused = call(http, sb, "openai/2/360/items")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert refused.json()["error"]["message"] == "Rate limit reached for requests"
    assert refused.json()["error"]["type"] == "requests"


def test_retry_after_dialect_announces_nothing_until_it_refuses(
    http: requests.Session, sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    ok = call(http, sb, "retry-after/1/2.5/items")
    assert ok.status_code == 200
    assert not [name for name in ok.headers if "ratelimit" in name.lower() or name == "Retry-After"]
    clock.now += 1.0
    refused = call(http, sb, "retry-after/1/2.5/items")
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "2")


def test_budgets_are_kept_per_dialect_limit_window_and_token(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    assert call(http, sb, "ietf/1/60/items").status_code == 200
    assert call(http, sb, "ietf/1/60/items").status_code == 429
    for other in ("retry-after/1/60/items", "ietf/2/60/items", "ietf/1/61/items"):
        assert call(http, sb, other).status_code == 200
    issued = requests.post(
        sb.token_url,
        data={"grant_type": "client_credentials"},
        auth=(sb.client_id, sb.client_secret),
        timeout=10,
    ).json()["access_token"]
    with_other_token = requests.get(
        f"{sb.ratelimit_url}/ietf/1/60/items",
        headers={"Authorization": f"Bearer {issued}"},
        timeout=10,
    )
    assert with_other_token.status_code == 200


def test_refused_requests_do_not_use_up_the_next_window(
    http: requests.Session, sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    statuses = [call(http, sb, "ietf/2/1/items").status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 429]
    assert sb.ratelimit_refusals == 3
    clock.now += 1.0
    statuses = [call(http, sb, "ietf/2/1/items").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert sb.ratelimit_refusals == 4


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("nope/5/1/items", 404),
        ("github/0/1/items", 400),
        ("github/x/1/items", 400),
        ("github/5/0/items", 400),
        ("github/5/-1/items", 400),
        ("github/5/nan/items", 400),
        ("github/5/1/other", 404),
        ("github/5/1/items?page=0", 400),
    ],
)
def test_bad_paths_are_refused(
    http: requests.Session, sb: sandbox.Sandbox, path: str, status: int
) -> None:
    response = http.get(f"{sb.ratelimit_url}/{path}", timeout=10)
    assert response.status_code == status
    assert sb.ratelimit_refusals == 0


def test_ratelimit_wants_the_token(sb: sandbox.Sandbox) -> None:
    response = requests.get(f"{sb.ratelimit_url}/github/5/1/items", timeout=10)
    assert response.status_code == 401
    assert "X-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0004, "1ms"),
        (0.85, "850ms"),
        (0.999, "999ms"),
        (1.0, "1s"),
        (1.5, "1.5s"),
        (59.999, "59.999s"),
        (60, "1m0s"),
        (360, "6m0s"),
        (3725.5, "1h2m5.5s"),
    ],
)
def test_openai_duration_format(seconds: float, text: str) -> None:
    assert duration(seconds) == text
