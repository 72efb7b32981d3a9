"""The client's session (bearerkit.transport): paced sends, headers, the environment read once,
bodies read with a limit (bearerkit.bodies)."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from collections.abc import Mapping
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

import bearerkit as bk
from bearerkit import __version__
from bearerkit.auth import BearerAuth
from bearerkit.ratelimit import Pacer
from bearerkit.token import Token
from bearerkit.transport import DEFAULT_MAX_BODY, DEFAULT_POOL_SIZE, PacedAdapter, build_session

from .conftest import FAKE_TOKEN, closed_port
from .rawserver import raw_server, response_bytes


class SpyPacer(Pacer):
    """A real pacer that also notes each call the adapter makes."""

    def __init__(self) -> None:
        super().__init__(None)
        self.calls: list[str] = []

    def before_send(self, method: str, url: str) -> None:
        self.calls.append(f"before {method}")
        super().before_send(method, url)

    def observe(self, status: int, headers: Mapping[str, str]) -> bool:
        self.calls.append(f"observe {status}")
        return super().observe(status, headers)

    def abandon(self) -> None:
        self.calls.append("abandon")
        super().abandon()


def test_every_send_passes_the_pacer_and_carries_the_default_headers(server: HTTPServer) -> None:
    server.expect_request("/x").respond_with_json({"ok": True})
    pacer = SpyPacer()
    token = Token(FAKE_TOKEN)
    with build_session(
        server.url_for("/"), auth=BearerAuth(token), pacer=pacer, retries=0, headers={"X-A": "1"}
    ) as session:
        assert session.get(server.url_for("/x"), timeout=5).json() == {"ok": True}
    [(request, _)] = server.log
    assert request.headers["User-Agent"] == f"bearerkit/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["X-A"] == "1"
    assert request.headers["Authorization"] == f"Bearer {FAKE_TOKEN}"
    assert pacer.calls == ["before GET", "observe 200"]


def test_a_send_that_fails_gives_its_reservation_back() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    pacer = SpyPacer()
    session = build_session(url, auth=None, pacer=pacer, retries=0)
    with session, pytest.raises(requests.ConnectionError):
        session.get(f"{url}/x", timeout=5)
    assert pacer.calls == ["before GET", "abandon"]


def test_one_paced_adapter_serves_both_schemes() -> None:
    with build_session("https://api.example.com", auth=None, pacer=Pacer(), retries=2) as session:
        https, http = session.get_adapter("https://x"), session.get_adapter("http://x")
    assert https is http and isinstance(https, PacedAdapter)
    assert https._pool_maxsize == DEFAULT_POOL_SIZE  # type: ignore[attr-defined]
    assert https.max_retries.total == 2


def test_proxies_and_ca_bundle_are_read_once_then_the_environment_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    with build_session("https://api.example.com", auth=None, pacer=Pacer(), retries=0) as session:
        assert session.proxies["https"] == "http://proxy.example:3128"
        assert session.verify == "/etc/ssl/bundle.pem"
        assert session.trust_env is False


# --- bodies: decompressed with a limit, a damaged stream an error (issue 19, items 24-25) ---

PAYLOAD = json.dumps({"results": [{"id": i, "title": f"Film {i}"} for i in range(200)]}).encode()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _serve(body: bytes, coding: str | None) -> object:
    headers = [("Content-Type", "application/json")]
    if coding:
        headers.append(("Content-Encoding", coding))
    return lambda head: [response_bytes("200 OK", headers, body)]


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(PAYLOAD)[:10]),  # the header and nothing else
        ("gzip", gzip.compress(PAYLOAD)[:-40]),  # cut before its last block
        ("deflate", zlib.compress(PAYLOAD)[:2]),  # the zlib header only
        ("deflate", zlib.compress(PAYLOAD)[:-30]),
        ("deflate", b"this is not deflate at all, just text"),
        ("gzip", b"plain text under a gzip header"),
    ],
    ids=[
        "gzip-header-only",
        "gzip-cut",
        "zlib-header-only",
        "zlib-cut",
        "deflate-garbage",
        "gzip-garbage",
    ],
)
def test_a_damaged_compressed_body_is_a_response_format_error(coding: str, body: bytes) -> None:
    with (
        raw_server(_serve(body, coding)) as (url, _),
        bk.Client(url, FAKE_TOKEN, retries=0) as api,
        pytest.raises(bk.ResponseFormatError, match=f"declared {coding}") as info,
    ):
        api.get("x")
    assert FAKE_TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(PAYLOAD)),
        ("gzip", gzip.compress(PAYLOAD[:100]) + gzip.compress(PAYLOAD[100:])),  # two members
        ("deflate", zlib.compress(PAYLOAD)),
        ("deflate", _raw_deflate(PAYLOAD)),  # raw deflate, as some servers send it
        (None, PAYLOAD),
    ],
    ids=["gzip", "gzip-two-members", "zlib", "raw-deflate", "plain"],
)
def test_sound_bodies_decode_as_before(coding: str | None, body: bytes) -> None:
    with (
        raw_server(_serve(body, coding)) as (url, _),
        bk.Client(url, FAKE_TOKEN, retries=0) as api,
    ):
        assert api.get("x") == json.loads(PAYLOAD)


BOMB = gzip.compress(b" " * (64 * 2**20))  # 64 MB of spaces: about 64 KB on the wire


def test_a_decompression_bomb_stops_at_max_body_without_inflating() -> None:
    with (
        raw_server(_serve(BOMB, "gzip")) as (url, _),
        bk.Client(url, FAKE_TOKEN, retries=0, max_body=2_000_000) as api,
    ):
        tracemalloc.start()
        try:
            with pytest.raises(bk.ResponseFormatError) as info:
                api.get("x")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    text = str(info.value)
    assert "max_body=2_000_000 bytes" in text and "after decompression" in text
    assert "Client(..., max_body=" in text  # how to raise it
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB while reading a 64 MB bomb"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_plain_body_over_max_body_is_refused(declared: bool) -> None:
    body = b'{"x": "' + b"a" * 5000 + b'"}'

    def script(head: bytes) -> list[bytes]:
        if declared:
            return [response_bytes("200 OK", [("Content-Type", "application/json")], body)]
        chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        return [
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk
        ]

    with raw_server(script) as (url, _):
        with (
            bk.Client(url, FAKE_TOKEN, retries=0, max_body=1000) as api,
            pytest.raises(bk.ResponseFormatError, match="max_body=1_000 bytes"),
        ):
            api.get("x")
        with bk.Client(url, FAKE_TOKEN, retries=0, max_body=6000) as api:
            assert len(api.get("x")["x"]) == 5000


def test_max_body_is_keyword_only_generous_and_checked() -> None:
    assert DEFAULT_MAX_BODY == 256 * 2**20
    api = bk.Client("http://127.0.0.1:9")
    assert api.session.get_adapter("http://127.0.0.1:9").max_body == DEFAULT_MAX_BODY
    for bad in (0, -1, 2.5, "1000", True):
        with pytest.raises(ValueError, match="max_body"):
            bk.Client("http://127.0.0.1:9", max_body=bad)  # type: ignore[arg-type]


def test_the_cache_stores_decoded_bodies_and_never_an_oversized_one(tmp_path: Path) -> None:
    answers = {"/ok": gzip.compress(PAYLOAD), "/bomb": BOMB}

    def script(head: bytes) -> list[bytes]:
        path = head.split(b" ")[1].decode().split("?")[0]
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        return [response_bytes("200 OK", headers, answers[path])]

    with (
        raw_server(script) as (url, heads),
        bk.Client(url, FAKE_TOKEN, cache=tmp_path / "c.sqlite", max_body=2_000_000) as api,
    ):
        first, second = api.get("ok"), api.get("ok")
        assert first == second == json.loads(PAYLOAD)
        assert len(heads) == 1  # the second came from the cache
        for _ in range(2):
            with pytest.raises(bk.ResponseFormatError, match="max_body"):
                api.get("bomb")
        assert len(heads) == 3  # the oversized answer was never cached


def test_cassettes_record_and_replay_compressed_bodies_within_the_limit(tmp_path: Path) -> None:
    answers = {"/ok": gzip.compress(PAYLOAD), "/bomb": BOMB}

    def script(head: bytes) -> list[bytes]:
        path = head.split(b" ")[1].decode().split("?")[0]
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        return [response_bytes("200 OK", headers, answers[path])]

    tape = tmp_path / "c.yaml"
    with raw_server(script) as (url, heads):
        with bk.Client(url, FAKE_TOKEN, cassette=tape, max_body=2_000_000) as api:
            recorded = api.get("ok")
            with pytest.raises(bk.ResponseFormatError, match="max_body"):
                api.get("bomb")
        sent = len(heads)
    with bk.Client(url, FAKE_TOKEN, cassette=tape, record_mode="none", max_body=2_000_000) as api:
        assert api.get("ok") == recorded == json.loads(PAYLOAD)
        with pytest.raises(bk.ResponseFormatError, match="max_body"):
            api.get("bomb")  # replayed, and still over the limit
    assert sent == 2
    assert FAKE_TOKEN.encode() not in tape.read_bytes()
