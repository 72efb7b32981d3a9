"""Client.paginate against the sandbox: order, concurrency, the rate limiter, errors."""

from __future__ import annotations

import time

import pytest

import bearerkit as bk


@pytest.fixture
def client(shared_sandbox):  # type: ignore[no-untyped-def]
    with bk.Client(shared_sandbox.url, shared_sandbox.token) as c:
        yield c


def test_concurrent_pages_equal_a_sequential_fetch(client: bk.Client) -> None:
    sequential = [
        r for n in range(1, 9) for r in client.get("discover/movie", {"page": n})["results"]
    ]
    frame = client.paginate("discover/movie", max_pages=8, workers=4, progress=False)
    assert frame["id"].tolist() == [r["id"] for r in sequential]
    records = client.paginate_records("discover/movie", max_pages=8, workers=1, progress=False)
    assert records == sequential


def test_params_pass_through_and_page_is_set(client: bk.Client, shared_sandbox) -> None:  # type: ignore[no-untyped-def]
    frame = client.paginate(
        "discover/movie", {"sort_by": "vote_average.desc"}, max_pages=2, progress=False
    )
    votes = frame["vote_average"].tolist()
    assert votes == sorted(votes, reverse=True)


def test_stops_at_total_pages(client: bk.Client) -> None:
    first = client.get("discover/tv", {"first_air_date_year": 2001})
    frame = client.paginate("discover/tv", {"first_air_date_year": 2001}, progress=False)
    assert len(frame) == first["total_results"]


def test_progress_bar_in_a_terminal(client: bk.Client, capsys: pytest.CaptureFixture[str]) -> None:
    client.paginate("discover/movie", max_pages=3, progress=True)
    assert "3/3" in capsys.readouterr().err


def test_no_progress_bar_when_off(client: bk.Client, capsys: pytest.CaptureFixture[str]) -> None:
    client.paginate("discover/movie", max_pages=3, progress=False)
    assert capsys.readouterr().err == ""


def test_rate_limiter_paces_the_whole_client_without_429() -> None:
    rate, pages = 20.0, 16
    with (
        bk.sandbox.start(rate_limit=rate) as sb,
        bk.Client(sb.url, sb.token, rate_limit=rate, retries=0) as c,
    ):
        started = time.monotonic()
        frame = c.paginate("discover/movie", max_pages=pages, workers=8, progress=False)
        elapsed = time.monotonic() - started
        statuses = [r.status for r in sb.request_log]
    assert len(frame) == pages * 20
    assert elapsed >= (pages - 1) / rate - 0.01
    assert 429 not in statuses


def test_an_error_on_one_page_raises(shared_sandbox) -> None:  # type: ignore[no-untyped-def]
    with (
        bk.Client(shared_sandbox.url, shared_sandbox.token, retries=0) as c,
        pytest.raises(bk.ApiError) as info,
    ):
        c.paginate("discover/movie", {"sort_by": "nonsense.desc"}, max_pages=3, progress=False)
    assert info.value.status_code == 400


def test_max_pages_must_be_positive(client: bk.Client) -> None:
    with pytest.raises(ValueError):
        client.paginate("discover/movie", max_pages=0)
