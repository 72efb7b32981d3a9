"""Client against real HTTP servers on 127.0.0.1: auth, retries, timeouts, errors, leaks."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import bearerkit as bk

from .conftest import FAKE_TOKEN, INVALID_KEY, NOT_FOUND


@pytest.fixture
def client(server: HTTPServer) -> Iterator[bk.Client]:
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=3, timeout=5) as c:
        yield c


def seen_auth(server: HTTPServer) -> list[str | None]:
    return [req.headers.get("Authorization") for req, _ in server.log]


# -- auth header, methods, decoding -------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_every_method_sends_the_bearer_header(
    server: HTTPServer, client: bk.Client, method: str
) -> None:
    server.expect_request("/3/thing", method=method).respond_with_json({"ok": method})
    call = getattr(client, method.lower())
    assert call("thing") == {"ok": method}
    assert seen_auth(server) == [f"Bearer {FAKE_TOKEN}"]


def test_path_with_or_without_leading_slash(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/genre/movie/list").respond_with_json({"genres": []})
    assert client.get("/genre/movie/list") == {"genres": []}
    assert client.get("genre/movie/list") == {"genres": []}


def test_post_sends_json_body_and_params(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request(
        "/3/movie/1/rating", method="POST", json={"value": 8.5}, query_string="x=1"
    ).respond_with_json({"success": True}, status=201)
    assert client.post("movie/1/rating", json={"value": 8.5}, params={"x": 1}) == {"success": True}


def test_empty_body_decodes_to_none(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/empty", method="DELETE").respond_with_data("", status=204)
    assert client.delete("empty") is None


def test_list_params_are_joined_and_none_dropped(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/d").respond_with_json({})
    client.get("d", {"with_genres": [28, 12], "language": None, "adult": False})
    request = server.log[0][0]
    assert request.args.get("with_genres") == "28,12"
    assert "language" not in request.args
    assert request.args.get("adult") == "false"


def test_auth_object_instead_of_token(server: HTTPServer) -> None:
    class Custom(requests.auth.AuthBase):
        def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.headers["Authorization"] = "Custom xyz"
            return r

    server.expect_request("/3/x").respond_with_json({})
    with bk.Client(server.url_for("/3"), auth=Custom()) as c:
        c.get("x")
    assert seen_auth(server) == ["Custom xyz"]


def test_token_and_auth_together_is_an_error() -> None:
    with pytest.raises(ValueError):
        bk.Client("https://example.org", FAKE_TOKEN, auth=requests.auth.HTTPBasicAuth("a", "b"))


def test_absolute_url_outside_base_is_refused(client: bk.Client) -> None:
    with pytest.raises(ValueError, match="outside"):
        client.get("https://evil.example.com/steal")


def test_one_session_reuses_the_connection() -> None:
    # pytest-httpserver speaks HTTP/1.0 (one connection per request), so use a tiny
    # HTTP/1.1 server that records the client's source port.
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    ports: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            ports.append(self.client_address[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with bk.Client(f"http://127.0.0.1:{httpd.server_address[1]}/3", FAKE_TOKEN) as c:
            for _ in range(5):
                c.get("k")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert len(ports) == 5
    assert len(set(ports)) == 1


# -- DataFrames -----------------------------------------------------------------------
def test_get_df_finds_the_single_list(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/genre/movie/list").respond_with_json(
        {"genres": [{"id": 28, "name": "Action"}, {"id": 12, "name": "Adventure"}]}
    )
    df = client.get_df("genre/movie/list")
    assert list(df.columns) == ["id", "name"]
    assert df["id"].tolist() == [28, 12]
    assert str(df["id"].dtype) == "int64"


def test_get_df_top_level_list_and_nested_flattening(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/list").respond_with_json(
        [{"a": 1, "b": {"c": 2.5}}, {"a": 2, "b": {"c": 3.0}}]
    )
    df = client.get_df("list")
    assert list(df.columns) == ["a", "b.c"]
    assert df["b.c"].dtype.kind == "f"


def test_get_df_dict_becomes_one_row(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/config").respond_with_json(
        {"images": {"base_url": "x"}, "change_keys": ["a"]}
    )
    df = client.get_df("config")
    assert len(df) == 1
    assert "images.base_url" in df.columns


def test_unknown_record_path_lists_the_keys(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/d").respond_with_json({"page": 1, "results": []})
    with pytest.raises(bk.RecordPathError) as info:
        client.get_df("d", record_path="items")
    assert "page" in str(info.value) and "results" in str(info.value)
    assert isinstance(info.value, KeyError)


# -- timeouts -------------------------------------------------------------------------
def test_slow_server_ends_in_network_error_within_the_timeout(server: HTTPServer) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5)
        return Response("{}", content_type="application/json")

    server.expect_request("/3/slow").respond_with_handler(slow)
    started = time.monotonic()
    try:
        with (
            bk.Client(server.url_for("/3"), FAKE_TOKEN, timeout=0.3, retries=0) as c,
            pytest.raises(bk.NetworkError, match="timed out"),
        ):
            c.get("slow")
    finally:
        release.set()
    assert time.monotonic() - started < 3


def test_every_request_has_a_timeout(
    server: HTTPServer, client: bk.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[object] = []
    original = requests.adapters.HTTPAdapter.send

    def spy(self, request, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("timeout"))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", spy)
    server.expect_request("/3/x").respond_with_json({})
    client.get("x")
    client.get("x", timeout=1.5)
    assert seen == [5, 1.5]


# -- retries --------------------------------------------------------------------------
def test_429_with_retry_after_then_200(server: HTTPServer, client: bk.Client) -> None:
    server.expect_ordered_request("/3/r").respond_with_json(
        {"status_code": 25, "status_message": "over the limit"},
        status=429,
        headers={"Retry-After": "1"},
    )
    server.expect_ordered_request("/3/r").respond_with_json({"ok": True})
    started = time.monotonic()
    assert client.get("r") == {"ok": True}
    assert time.monotonic() - started >= 0.9  # it waited as asked
    assert len(server.log) == 2


def test_429_retry_after_as_http_date(server: HTTPServer, client: bk.Client) -> None:
    server.expect_ordered_request("/3/r").respond_with_json(
        {}, status=429, headers={"Retry-After": formatdate(time.time() + 1, usegmt=True)}
    )
    server.expect_ordered_request("/3/r").respond_with_json({"ok": 1})
    assert client.get("r") == {"ok": 1}


def test_429_is_retried_for_post(server: HTTPServer, client: bk.Client) -> None:
    server.expect_ordered_request("/3/p", method="POST").respond_with_json(
        {}, status=429, headers={"Retry-After": "0"}
    )
    server.expect_ordered_request("/3/p", method="POST").respond_with_json({"ok": 1}, status=201)
    assert client.post("p", json={"value": 1}) == {"ok": 1}


def test_three_503_then_200(server: HTTPServer, client: bk.Client) -> None:
    for _ in range(3):
        server.expect_ordered_request("/3/s").respond_with_json(
            {"status_message": "busy"}, status=503
        )
    server.expect_ordered_request("/3/s").respond_with_json({"ok": True})
    assert client.get("s") == {"ok": True}
    assert len(server.log) == 4


def test_retries_are_bounded(server: HTTPServer) -> None:
    server.expect_request("/3/s").respond_with_json({"status_message": "down"}, status=502)
    with (
        bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=2) as c,
        pytest.raises(bk.ServerError) as info,
    ):
        c.get("s")
    assert len(server.log) == 3  # the first attempt + 2 retries
    assert info.value.status_code == 502 and "down" in str(info.value)


def test_post_500_is_not_retried(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/p", method="POST").respond_with_json(
        {"status_message": "boom"}, status=500
    )
    with pytest.raises(bk.ServerError, match="Not retried"):
        client.post("p", json={"value": 1})
    assert len(server.log) == 1


def test_rate_limit_error_after_retries(server: HTTPServer) -> None:
    server.expect_request("/3/r").respond_with_json(
        {"status_code": 25, "status_message": "slow down"}, status=429, headers={"Retry-After": "0"}
    )
    with (
        bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=1) as c,
        pytest.raises(bk.RateLimitError) as info,
    ):
        c.get("r")
    assert len(server.log) == 2
    assert info.value.retry_after == 0
    assert info.value.api_message == "slow down"


def test_long_retry_after_fails_at_once_with_the_wait(server: HTTPServer) -> None:
    server.expect_request("/3/r").respond_with_json({}, status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    with (
        bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=3) as c,
        pytest.raises(bk.RateLimitError) as info,
    ):
        c.get("r")
    assert time.monotonic() - started < 2
    assert info.value.retry_after == 3600
    assert "3600" in str(info.value)
    assert len(server.log) == 1


# -- transport safety ------------------------------------------------------------------
def test_redirect_to_another_host_drops_the_token(server: HTTPServer) -> None:
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    try:
        other.expect_request("/target").respond_with_json({"landed": True})
        target = f"http://localhost:{other.port}/target"
        server.expect_request("/3/moved").respond_with_data(
            "", status=302, headers={"Location": target}
        )
        with bk.Client(server.url_for("/3"), FAKE_TOKEN) as c:
            assert c.get("moved") == {"landed": True}
        assert seen_auth(server) == [f"Bearer {FAKE_TOKEN}"]
        assert seen_auth(other) == [None]
    finally:
        other.stop()


def test_no_token_in_reprs_errors_or_logs(
    server: HTTPServer, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    server.expect_request("/3/ok").respond_with_json({})
    server.expect_request("/3/bad").respond_with_json(INVALID_KEY, status=401)
    server.expect_request("/3/gone").respond_with_json(NOT_FOUND, status=404)
    texts: list[str] = []
    with bk.Client(server.url_for("/3"), FAKE_TOKEN) as c:
        texts += [repr(c), str(c), repr(c.token), repr(c.session.auth)]
        c.get("ok")
        for path in ("bad", "gone"):
            with pytest.raises(bk.ApiError) as info:
                c.get(path)
            texts += [str(info.value), repr(info.value), str(info.value.args)]
    out = capsys.readouterr()
    texts += [caplog.text, out.out, out.err]
    assert "GET" in caplog.text  # the client does log
    for text in texts:
        assert FAKE_TOKEN not in text


def test_netrc_does_not_replace_the_token(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    server.expect_request("/3/x").respond_with_json({})
    with bk.Client(server.url_for("/3"), FAKE_TOKEN) as c:
        c.get("x")
    assert seen_auth(server) == [f"Bearer {FAKE_TOKEN}"]
    # plain requests with the same environment would have used the netrc entry
    requests.get(server.url_for("/3/x"), timeout=5)
    assert seen_auth(server)[-1] is not None and seen_auth(server)[-1].startswith("Basic ")


def test_a_nan_in_a_json_body_is_an_input_error_and_nothing_is_sent(server: HTTPServer) -> None:
    server.expect_request("/3/list", method="POST").respond_with_json({"ok": True})
    with bk.Client(server.url_for("/3"), FAKE_TOKEN) as c:
        with pytest.raises(ValueError, match=r"holds NaN or Infinity.*nothing was sent") as err:
            c.post("list", json={"name": "x", "score": float("nan")})
        assert not isinstance(err.value, bk.NetworkError)
        assert c.post("list", json={"name": "x", "score": None}) == {"ok": True}
    assert len(server.log) == 1  # only the second request went out
