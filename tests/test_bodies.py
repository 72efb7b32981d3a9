"""Answer bodies (bearerkit.bodies): decompressed by bearerkit, with a limit that holds.

Against loopback servers that send exactly the bytes a test gives (tests/rawserver.py):
gzip and deflate cut short or garbled are a ResponseFormatError, never ``None``; a
decompression bomb stops at ``max_body`` without inflating; the cache and cassettes
keep working.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from pathlib import Path

import pytest

import bearerkit as bk
from bearerkit.bodies import DEFAULT_MAX_BODY

from .conftest import FAKE_TOKEN
from .rawserver import raw_server, response_bytes

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
