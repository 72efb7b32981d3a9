"""``timeout`` is a deadline for each attempt: trickling servers cannot stretch a call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import bearerkit as bk
from bearerkit.deadline import Deadline, DeadlineExceeded, install

from .conftest import FAKE_TOKEN
from .rawserver import raw_server, response_bytes

BODY = b'{"results": [' + b", ".join(b'{"id": %d}' % i for i in range(40)) + b"]}"


def trickle_body(head: bytes) -> Iterator[bytes | float]:
    """Headers at once, then the body one byte every 0.3 s (forever, in effect)."""
    yield response_bytes(headers=[("Content-Type", "application/json")], body=b"").replace(
        b"Content-Length: 0", b"Content-Length: %d" % len(BODY)
    )
    for i in range(len(BODY)):
        yield BODY[i : i + 1]
        yield 0.3


def trickle_headers(head: bytes) -> Iterator[bytes | float]:
    """The status line and headers one byte every 0.3 s."""
    for byte in response_bytes(body=b"{}"):
        yield bytes([byte])
        yield 0.3


@pytest.mark.parametrize("script", [trickle_body, trickle_headers])
@pytest.mark.parametrize("retries", [0, 3])
def test_a_trickling_server_cannot_stretch_the_timeout(script: object, retries: int) -> None:
    with (
        raw_server(script) as (url, heads),  # type: ignore[arg-type]
        bk.Client(f"{url}/3", FAKE_TOKEN, timeout=0.5, retries=retries) as c,
    ):
        started = time.monotonic()
        with pytest.raises(bk.NetworkError, match=r"timed out after 0\.5 s") as info:
            c.get("slow")
        elapsed = time.monotonic() - started
    assert elapsed < 3  # per read, it would take 0.3 s x ~500 bytes
    assert len(heads) == 1  # an attempt out of time is not retried
    assert info.value.__context__ is None


def test_a_silent_server_times_out_once(tmp_path: object) -> None:
    release = threading.Event()

    def silent(head: bytes) -> Iterator[bytes | float]:
        release.wait(5)
        yield response_bytes(body=b"{}")

    try:
        with (
            raw_server(silent) as (url, heads),
            bk.Client(f"{url}/3", FAKE_TOKEN, timeout=0.4, retries=3) as c,
        ):
            started = time.monotonic()
            with pytest.raises(bk.NetworkError, match="timed out"):
                c.get("slow")
            assert time.monotonic() - started < 2
            assert len(heads) == 1
    finally:
        release.set()


def test_a_body_cut_at_the_deadline_is_not_returned_as_complete() -> None:
    # No Content-Length: the body ends when the connection closes, so a watchdog
    # shutdown would look like the end of the body if the client did not check.
    def until_close(head: bytes) -> Iterator[bytes | float]:
        yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        yield b'{"partial": '
        yield 5.0

    with (
        raw_server(until_close) as (url, _),
        bk.Client(f"{url}/3", FAKE_TOKEN, timeout=0.4, retries=0) as c,
        pytest.raises(bk.NetworkError, match="timed out"),
    ):
        c.response("GET", "cut")


def test_retry_after_longer_than_the_timeout_still_works() -> None:
    calls: list[int] = []

    def limited(head: bytes) -> Iterator[bytes | float]:
        calls.append(1)
        if len(calls) == 1:
            yield response_bytes("429 Too Many Requests", [("Retry-After", "1")], b"{}")
        else:
            yield response_bytes(headers=[("Content-Type", "application/json")], body=b'{"ok": 1}')

    with (
        raw_server(limited) as (url, _),
        bk.Client(f"{url}/3", FAKE_TOKEN, timeout=0.5, retries=2) as c,
    ):
        assert c.get("r") == {"ok": 1}
    assert len(calls) == 2


def test_many_quick_calls_on_one_connection_never_trip_the_watchdog(shared_sandbox: Any) -> None:
    # The sandbox keeps connections alive, so every call reuses one connection: a
    # watchdog left running by an earlier call would shut it under a later one.
    with bk.Client(shared_sandbox.url, shared_sandbox.token, timeout=0.25, retries=0) as c:
        for _ in range(20):
            assert c.get("genre/movie/list")["genres"]
        time.sleep(0.4)  # any stray watchdog fires now...
        assert c.get("genre/movie/list")["genres"]  # ...and this call would see it


def test_deadline_outside_a_client_on_a_plain_session() -> None:
    with raw_server(trickle_body) as (url, _), requests.Session() as session:
        adapter = requests.adapters.HTTPAdapter(max_retries=0)
        install(adapter)
        session.mount("http://", adapter)
        started = time.monotonic()
        with Deadline(0.4), pytest.raises((DeadlineExceeded, requests.RequestException)):
            session.get(f"{url}/x", timeout=0.4)
        assert time.monotonic() - started < 2
