"""Sandbox robustness: fault knobs, latency, rate limiting, malformed requests, concurrency, lifecycle.

Every test here changes sandbox state, so each gets a fresh sandbox.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from bearerkit import sandbox
from bearerkit.errors import NetworkError, TokenError
from bearerkit.sandbox import handler

from ..conftest import INVALID_PARAMS
from .conftest import AUTH, CANARY


@pytest.fixture
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(token=CANARY) as server:
        yield server


def get(
    sb: sandbox.Sandbox, path: str = "/configuration", *, timeout: float = 10, **kwargs: Any
) -> requests.Response:
    return requests.get(
        f"{sb.url}{path}", headers=kwargs.pop("headers", AUTH), timeout=timeout, **kwargs
    )


def assert_serving(sb: sandbox.Sandbox) -> None:
    response = get(sb, "/authentication")
    assert response.status_code == 200 and response.json()["success"] is True


def raw_exchange(sb: sandbox.Sandbox, data: bytes) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", sb.port), timeout=10) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def split_response(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("iso-8859-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return status_line, headers, body


# --- fail_next ---------------------------------------------------------------------


def test_fail_next_answers_503_once(sb: sandbox.Sandbox) -> None:
    sb.fail_next()
    failed = get(sb)
    assert failed.status_code == 503
    assert failed.json() == {
        "success": False,
        "status_code": 9,
        "status_message": "Service offline: This service is temporarily offline, try again later.",
    }
    assert "Retry-After" not in failed.headers
    assert get(sb).status_code == 200


def test_fail_next_n_with_status_and_retry_after(sb: sandbox.Sandbox) -> None:
    sb.fail_next(2, status=500, retry_after=3)
    for _ in range(2):
        failed = get(sb)
        assert failed.status_code == 500
        assert failed.headers["Retry-After"] == "3"
        assert failed.json()["status_code"] == 11
    assert get(sb).status_code == 200


def test_fail_next_with_custom_bodies(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=502, body={"error": "upstream down"})
    sb.fail_next(status=504, body="<h1>Gateway Timeout</h1>")
    as_json = get(sb)
    assert (as_json.status_code, as_json.json()) == (502, {"error": "upstream down"})
    assert as_json.headers["Content-Type"].startswith("application/json")
    as_html = get(sb)
    assert (as_html.status_code, as_html.text) == (504, "<h1>Gateway Timeout</h1>")
    assert as_html.headers["Content-Type"].startswith("text/html")


def test_faults_come_before_the_bearer_check(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=429, retry_after=1)
    assert get(sb, headers={}).status_code == 429
    assert get(sb, headers={}).status_code == 401


def test_faults_apply_to_any_path(sb: sandbox.Sandbox) -> None:
    sb.fail_next(2)
    assert (
        requests.post(
            sb.token_url, data={"grant_type": "client_credentials"}, timeout=10
        ).status_code
        == 503
    )
    assert get(sb, "/no/such/path").status_code == 503
    assert sb.token_requests == 1


def test_faults_queue_in_the_order_asked(sb: sandbox.Sandbox) -> None:
    sb.fail_next(status=500)
    sb.html_next()
    sb.fail_next(status=502)
    statuses = [
        (r.status_code, r.headers["Content-Type"].split(";")[0])
        for r in (get(sb) for _ in range(4))
    ]
    assert statuses == [
        (500, "application/json"),
        (200, "text/html"),
        (502, "application/json"),
        (200, "application/json"),
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda sb: sb.fail_next(status=200),
        lambda sb: sb.fail_next(status=600),
        lambda sb: sb.fail_next(-1),
        lambda sb: sb.fail_next(1.5),
        lambda sb: sb.fail_next(retry_after=-1),
        lambda sb: sb.reset_next(-2),
        lambda sb: sb.truncate_next(True),
        lambda sb: sb.delay_next(1, seconds=-1),
        lambda sb: sb.delay_next(1, seconds=float("nan")),
        lambda sb: setattr(sb, "latency", -0.1),
        lambda sb: setattr(sb, "token_ttl", "long"),
        lambda sb: setattr(sb, "rate_limit", 0),
        lambda sb: setattr(sb, "rate_limit", -5),
    ],
)
def test_bad_knob_values_raise_value_error(sb: sandbox.Sandbox, call: Any) -> None:
    with pytest.raises(ValueError):
        call(sb)
    assert get(sb).status_code == 200  # nothing was queued


# --- connection-level faults -------------------------------------------------------


def test_reset_next_drops_the_connection(sb: sandbox.Sandbox) -> None:
    sb.reset_next(2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            get(sb)
    assert get(sb).status_code == 200
    assert [r.status for r in sb.request_log] == [None, None, 200]


def test_truncate_next_sends_less_than_promised(sb: sandbox.Sandbox) -> None:
    sb.truncate_next()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(sb)
    assert get(sb).status_code == 200


def test_truncated_body_is_cut_json(sb: sandbox.Sandbox) -> None:
    sb.truncate_next()
    raw = raw_exchange(sb, b"GET /3/configuration HTTP/1.1\r\nHost: x\r\n\r\n")
    status_line, headers, body = split_response(raw)
    assert status_line == "HTTP/1.1 200 OK"
    assert 0 < len(body) < int(headers["content-length"])
    with pytest.raises(ValueError):
        json.loads(body)


def test_html_next_looks_like_a_captive_portal(sb: sandbox.Sandbox) -> None:
    sb.html_next()
    page = get(sb)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<html>" in page.text
    with pytest.raises(ValueError):
        page.json()
    assert get(sb).json()["images"]


def test_delay_next_slows_only_the_next_requests(sb: sandbox.Sandbox) -> None:
    sb.delay_next(1, seconds=2)
    with pytest.raises(requests.exceptions.Timeout):
        get(sb, timeout=0.5)
    assert get(sb, timeout=10).status_code == 200  # well within 10 s: the delay was used up
    sb.delay_next(1, seconds=0.3)
    started = time.monotonic()
    assert get(sb).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_latency_is_added_to_every_response(sb: sandbox.Sandbox) -> None:
    sb.latency = 0.2
    assert sb.latency == 0.2
    for _ in range(2):
        started = time.monotonic()
        assert get(sb).status_code == 200
        assert time.monotonic() - started >= 0.2
    sb.latency = 0
    with sandbox.start(latency=0.25) as slow:
        started = time.monotonic()
        get(slow, "/authentication", headers={"Authorization": f"Bearer {slow.token}"})
        assert time.monotonic() - started >= 0.25


def test_fault_counts_hold_under_concurrency(sb: sandbox.Sandbox) -> None:
    sb.fail_next(40)

    def worker(_: int) -> list[int]:
        with requests.Session() as session:
            return [
                session.get(f"{sb.url}/configuration", headers=AUTH, timeout=10).status_code
                for _ in range(15)
            ]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(worker, range(8)) for s in batch]
    assert statuses.count(503) == 40
    assert statuses.count(200) == 80


# --- rate limiting -----------------------------------------------------------------


def test_flooding_gets_tmdb_429(sb: sandbox.Sandbox) -> None:
    sb.rate_limit = 5
    started = time.monotonic()
    with requests.Session() as session:
        responses = [
            session.get(f"{sb.url}/authentication", headers=AUTH, timeout=10) for _ in range(40)
        ]
    elapsed = time.monotonic() - started
    limited = [r for r in responses if r.status_code == 429]
    assert limited
    # The bucket holds 5 and refills 5 a second: no more than that got through.
    assert len(responses) - len(limited) <= 5 + math.ceil(5 * elapsed) + 1
    body = limited[0].json()
    assert body["success"] is False and body["status_code"] == 25
    assert re.fullmatch(
        r"Your request count \(\d+\) is over the allowed limit of \(5\)\.", body["status_message"]
    )
    assert re.fullmatch(r"[1-9]\d*", limited[0].headers["Retry-After"])


def test_an_evenly_paced_client_is_never_limited() -> None:
    rate = 20
    with sandbox.start(token=CANARY, rate_limit=rate) as sb, requests.Session() as session:
        started = time.monotonic()
        statuses = []
        for i in range(2 * rate):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))  # exactly `rate` a second
            statuses.append(
                session.get(f"{sb.url}/authentication", headers=AUTH, timeout=10).status_code
            )
    assert statuses == [200] * (2 * rate)


def test_rate_limit_can_be_changed_and_removed(sb: sandbox.Sandbox) -> None:
    assert sb.rate_limit is None
    sb.rate_limit = 3
    assert sb.rate_limit == 3
    assert 429 in [get(sb).status_code for _ in range(20)]
    sb.rate_limit = None
    assert {get(sb).status_code for _ in range(12)} == {200}


def test_sub_one_rate_still_allows_a_first_request() -> None:
    with sandbox.start(token=CANARY, rate_limit=0.5) as sb:
        assert get(sb).status_code == 200
        limited = get(sb)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert "allowed limit of (0.5)" in limited.json()["status_message"]


# --- malformed requests ------------------------------------------------------------


def test_bad_json_body_gets_400(sb: sandbox.Sandbox) -> None:
    response = requests.post(
        f"{sb.url}/movie/11/rating",
        data=b'{"value": 8.5',
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert (response.status_code, response.json()) == (400, INVALID_PARAMS)
    assert_serving(sb)


@pytest.mark.parametrize(
    "payload",
    [
        b"GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n",  # a TLS hello, say
        b"GET /3/configuration\r\n",  # HTTP/0.9: no version, no headers
        b"GET /3/configuration HTTP/2.0\r\nHost: x\r\n\r\n",
        b"BREW /3/configuration HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /3/configuration HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * 70_000 + b"\r\n\r\n",
        b"GET /3/configuration HTTP/1.1\r\n"
        + b"".join(b"X-%d: y\r\n" % i for i in range(150))
        + b"\r\n",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /3/movie/11/rating HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"POST /3/movie/11/rating HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n{}",
        b"POST /3/movie/11/rating HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n{}",
        b"POST /3/movie/11/rating HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n{}",
        b"POST /3/movie/11/rating HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    ids=[
        "garbage-line",
        "binary",
        "http-0.9",
        "http-2.0",
        "unknown-method",
        "huge-header",
        "too-many-headers",
        "huge-request-line",
        "bad-content-length",
        "superscript-content-length",
        "oversized-body",
        "unknown-transfer-encoding",
        "bad-chunk-size",
    ],
)
def test_malformed_requests_get_tmdb_400_and_the_server_goes_on(
    sb: sandbox.Sandbox, payload: bytes
) -> None:
    status_line, headers, body = split_response(raw_exchange(sb, payload))
    assert status_line.startswith("HTTP/1.1 400")
    assert headers["content-type"] == "application/json;charset=utf-8"
    assert headers["connection"] == "close"
    assert json.loads(body) == INVALID_PARAMS
    assert_serving(sb)
    assert sb.request_log[-2].status == 400


def test_undecodable_query_values_are_bad_pages(sb: sandbox.Sandbox) -> None:
    raw = raw_exchange(
        sb,
        b"GET /3/discover/movie?page=%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Bearer {CANARY}\r\n\r\n".encode(),
    )
    status_line, _, body = split_response(raw)
    assert status_line.startswith("HTTP/1.1 400")
    assert json.loads(body)["status_code"] == 22


def test_a_silent_client_is_disconnected(
    sb: sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler.SandboxHandler, "timeout", 0.5)
    with socket.create_connection(("127.0.0.1", sb.port), timeout=10) as silent:
        silent.sendall(b"GET /3/configuration HTTP/1.1\r\nHost: x\r\n")  # headers never finish
        assert_serving(sb)  # other clients are not held up meanwhile
        assert silent.recv(1024) == b""  # the server hung up (recv would time out at 10 s)


def test_keep_alive_reuses_one_connection(sb: sandbox.Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    try:
        sockets = []
        for path in ("/3/configuration", "/3/genre/movie/list", "/3/authentication", "/3/nope"):
            conn.request("GET", path, headers=AUTH)
            response = conn.getresponse()
            json.loads(response.read())
            assert response.getheader("Connection") is None
            assert int(response.getheader("Content-Length", "0")) > 0
            sockets.append(conn.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
    finally:
        conn.close()


def test_chunked_request_bodies_are_read(sb: sandbox.Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/3/movie/11/rating",
            body=iter([b'{"val', b'ue": 7.5}']),
            headers={**AUTH, "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        assert (response.status, json.loads(response.read())["status_code"]) == (201, 1)
    finally:
        conn.close()


# --- concurrency ---------------------------------------------------------------------


def test_sixteen_clients_fifty_requests_each(sb: sandbox.Sandbox) -> None:
    paths = [
        "/configuration",
        "/genre/movie/list?language=ja",
        "/discover/movie?page=3",
        "/movie/popular",
        "/authentication",
    ]

    def client(n: int) -> list[tuple[int, str]]:
        out = []
        with requests.Session() as session:
            for i in range(50):
                path = paths[(n + i) % len(paths)]
                response = session.get(f"{sb.url}{path}", headers=AUTH, timeout=30)
                response.json()
                out.append((response.status_code, path))
        return out

    with ThreadPoolExecutor(16) as pool:
        results = [r for batch in pool.map(client, range(16)) for r in batch]
    assert len(results) == 800
    assert {status for status, _ in results} == {200}
    assert len(sb.request_log) == 800


# --- lifecycle ---------------------------------------------------------------------


def test_stop_is_idempotent_and_refuses_new_connections() -> None:
    sb = sandbox.start(token=CANARY)
    assert_serving(sb)
    sb.stop()
    sb.stop()
    assert not sb.running and "stopped" in repr(sb)
    with pytest.raises(requests.ConnectionError):
        get(sb)


def test_stop_closes_idle_keep_alive_connections() -> None:
    with requests.Session() as session:
        with sandbox.start(token=CANARY) as sb:
            assert (
                session.get(f"{sb.url}/authentication", headers=AUTH, timeout=10).status_code == 200
            )
        # The pooled connection must not reach a server that was stopped.
        with pytest.raises(requests.ConnectionError):
            session.get(f"{sb.url}/authentication", headers=AUTH, timeout=10)


def test_stop_does_not_wait_out_the_latency() -> None:
    sb = sandbox.start(token=CANARY, latency=60)
    outcome: list[object] = []

    def slow_request() -> None:
        try:
            outcome.append(get(sb).status_code)
        except requests.RequestException as error:
            outcome.append(error)

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.3)  # let it reach the server and start waiting
    sb.stop()
    thread.join(20)
    assert not thread.is_alive() and len(outcome) == 1


def test_context_manager_stops() -> None:
    with sandbox.start(token=CANARY) as sb:
        assert sb.running
    assert not sb.running


def test_a_taken_port_is_a_network_error(sb: sandbox.Sandbox) -> None:
    with pytest.raises(NetworkError, match=f"127.0.0.1:{sb.port}.*port=0"):
        sandbox.start(port=sb.port)


@pytest.mark.parametrize("port", [-1, 70000, "8000", True])
def test_bad_ports_are_value_errors(port: Any) -> None:
    with pytest.raises(ValueError):
        sandbox.start(port=port)


@pytest.mark.parametrize("token", ["", "has space", "t\u00f6ken", "line\nbreak"])
def test_tokens_that_cannot_travel_in_a_header_are_refused(token: str) -> None:
    with pytest.raises(TokenError) as caught:
        sandbox.start(token=token)
    assert token not in str(caught.value) or token == ""


def test_serve_forever_cli_prints_credentials_and_stops_on_ctrl_c() -> None:
    # A shell running a job in the background starts it with SIGINT ignored, and Python
    # then installs no Ctrl-C handler: put the default back, as an interactive shell has it.
    code = (
        "import signal\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from bearerkit.sandbox import serve_forever_cli\n"
        "raise SystemExit(serve_forever_cli(port=0, token=None, latency=0.0, rate_limit=None))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines: dict[str, str] = {}
        for _ in range(20):
            if "client_secret" in lines:
                break
            line = proc.stdout.readline()
            assert line, "the sandbox exited before printing its credentials"
            key, sep, value = line.strip().partition(": ")
            if sep:
                lines[key.strip()] = value.strip()
        url, token = lines["API base URL"], lines["Bearer token"]
        root = url.removesuffix("/3")
        assert lines["OAuth token URL"] == root + "/oauth/token"
        assert lines["v4 lists"] == root + "/4/list"
        assert lines["Paging styles"].startswith(root + "/styles/github/items")
        assert lines["client_id"] and lines["client_secret"]
        response = requests.get(
            f"{url}/authentication", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert response.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
