"""Issue 19, items 7-10: replay is faithful, a bad cassette is one readable error,
a replay never waits, the deadline holds while recording, a miss says what differs."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from pytest_httpserver import HTTPServer

import bearerkit as bk
from bearerkit.cassette import active_cassettes
from tests.rawserver import raw_server

TOKEN = "replay-TOKEN-8e7d6c5b4a3f"
API_KEY = "replay-KEY-1b2c3d4e5f6a"


@pytest.fixture(autouse=True)
def _no_leftover_cassettes() -> Iterator[None]:
    yield
    for cassette in active_cassettes():
        cassette.stop()


def _base(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def _assert_clean(path: Path, *secrets: str) -> None:
    """The recorded file holds no secret in any form the issue names, and the scanner agrees."""
    raw = path.read_bytes()
    assert b"interactions" in raw  # it really recorded
    for secret in secrets:
        for form in (secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode()):
            assert form.encode() not in raw, form
    env = path.parent / "secrets.env"
    env.write_text("".join(f"SECRET_{i}_TOKEN={s}\n" for i, s in enumerate(secrets)))
    assert bk.scan(path, env_file=env) == []


# -- 7. integrity ------------------------------------------------------------------------

BINARY = bytes(range(256))
LATIN1 = "café crème, ÿ and ½".encode("latin-1")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(BINARY, "application/octet-stream"), (LATIN1, "text/plain; charset=iso-8859-1")],
    ids=["binary", "latin-1"],
)
def test_replay_is_byte_for_byte(
    server: HTTPServer, tmp_path: Path, body: bytes, content_type: str
) -> None:
    server.expect_request("/blob").respond_with_data(body, content_type=content_type)
    path = tmp_path / "blob.yaml"
    with bk.use_cassette(path):
        recorded = bk.Client(_base(server), TOKEN).response("GET", "blob").content
    assert recorded == body
    _assert_clean(path, TOKEN)
    with bk.use_cassette(path, record_mode="none"):
        replayed = bk.Client("http://127.0.0.1:9", TOKEN).response("GET", "blob").content
    assert replayed == body
    assert len(replayed) == len(body)


def test_a_token_in_a_binary_body_is_scrubbed_and_the_rest_kept(
    server: HTTPServer, tmp_path: Path
) -> None:
    body = b"\xff\xfe\x00" + TOKEN.encode() + b"\x80\x81"
    server.expect_request("/blob").respond_with_data(body, content_type="application/octet-stream")
    path = tmp_path / "blob.yaml"
    with bk.use_cassette(path):
        bk.Client(_base(server), TOKEN).response("GET", "blob")
    assert TOKEN.encode() not in path.read_bytes()
    with bk.use_cassette(path, record_mode="none"):
        replayed = bk.Client("http://127.0.0.1:9", TOKEN).response("GET", "blob").content
    assert replayed == b"\xff\xfe\x00***\x80\x81"


def _recorded(server: HTTPServer, path: Path) -> dict[str, object]:
    server.expect_request("/items").respond_with_json({"items": [1, 2]})
    with bk.use_cassette(path):
        bk.Client(_base(server), TOKEN).get("items")
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    "damage",
    [
        lambda response: response.pop("status"),
        lambda response: response.pop("body"),
        lambda response: response["status"].update(code="two hundred"),
        lambda response: response["status"].update(code=None),
        lambda response: response.update(headers=["not", "a", "mapping"]),
    ],
    ids=["no-status", "no-body", "status-not-a-number", "status-null", "headers-list"],
)
def test_a_damaged_cassette_is_a_cassette_error_naming_the_file(
    server: HTTPServer, tmp_path: Path, damage: object
) -> None:
    path = tmp_path / "damaged.yaml"
    data = _recorded(server, path)
    damage(data["interactions"][0]["response"])  # type: ignore[index,operator]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(bk.CassetteError) as caught, bk.use_cassette(path, record_mode="none"):
        bk.Client("http://127.0.0.1:9", TOKEN).get("items")
    assert str(path) in str(caught.value)
    assert caught.value.path == str(path)
    assert not active_cassettes()


@pytest.mark.parametrize("mode", [None, 1, True, b"once", ["once"]])
def test_a_record_mode_that_is_not_text_is_a_value_error(tmp_path: Path, mode: object) -> None:
    with pytest.raises(ValueError, match="record_mode must be one of"):
        bk.use_cassette(tmp_path / "x.yaml", record_mode=mode)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="record_mode must be one of"):
        bk.Client("http://127.0.0.1:9", cassette=tmp_path / "y.yaml", record_mode=mode)  # type: ignore[arg-type]


# -- 8. a replay never waits for recorded rate limits ---------------------------------------


def test_a_replay_neither_waits_nor_counts_for_recorded_rate_limits(
    server: HTTPServer, tmp_path: Path
) -> None:
    reset = str(int(time.time()) + 6)
    spent = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    for name in ("a", "b"):
        server.expect_request(f"/{name}").respond_with_json({"name": name}, headers=spent)
    path = tmp_path / "limited.yaml"
    with bk.use_cassette(path):
        for name in ("a", "b"):  # one client each: the recording itself does not wait
            bk.Client(_base(server), TOKEN).get(name)
    _assert_clean(path, TOKEN)
    sleeps: list[float] = []
    with bk.use_cassette(path, record_mode="none"):
        api = bk.Client("http://127.0.0.1:9", TOKEN, max_wait=1)
        api.pacer.use_clock(clock=time.monotonic, sleep=sleeps.append)
        assert [api.get(n)["name"] for n in ("a", "b")] == ["a", "b"]
        assert api.pacer.budget.describe() == ""
    assert sleeps == []


# -- 9. the per-attempt deadline holds while recording ---------------------------------------


def test_the_deadline_holds_while_recording(tmp_path: Path) -> None:
    def script(head: bytes) -> Iterator[bytes | float]:
        body = b'{"x": "' + b"y" * 12 + b'"}'
        yield (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        )
        for byte in body:  # each byte well inside the read timeout; the whole far beyond
            yield 0.25
            yield bytes([byte])

    path = tmp_path / "slow.yaml"
    with raw_server(script) as (base, _), bk.use_cassette(path):
        api = bk.Client(base, TOKEN, timeout=0.5, retries=0)
        started = time.monotonic()
        with pytest.raises(bk.NetworkError, match="timed out"):
            api.get("slow")
        elapsed = time.monotonic() - started
    assert elapsed >= 0.4  # the deadline, not something else, ended it


# -- 10. a miss names the closest recorded request -----------------------------------------


def test_a_miss_names_the_closest_request_and_what_differs(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/items").respond_with_json({"items": []})
    server.expect_request("/other/thing").respond_with_json({})
    path = tmp_path / "miss.yaml"
    with bk.use_cassette(path):
        api = bk.Client(_base(server), TOKEN)
        api.get("items", {"limit": 20, "sort": "name", "api_key": API_KEY})
        api.get("other/thing")
        api.post("items", json={"name": "x", "size": 1})
    _assert_clean(path, TOKEN, API_KEY)
    with bk.use_cassette(path, record_mode="none"):
        api = bk.Client("http://127.0.0.1:9", TOKEN)
        with pytest.raises(bk.CassetteError) as caught:
            api.get("items", {"limit": 21, "sort": "name", "api_key": API_KEY})
        with pytest.raises(bk.CassetteError) as posted:
            api.post("items", json={"name": "y", "size": 1})
    message = str(caught.value)
    assert "closest recorded request is GET '/items?" in message
    assert "query parameter 'limit' is '21' here, '20' in the cassette" in message
    assert "sort" not in message.split("closest", 1)[1].split(":", 1)[1]  # only what differs
    assert API_KEY not in message and TOKEN not in message
    assert "body field 'name' is 'y' here, 'x' in the cassette" in str(posted.value)
