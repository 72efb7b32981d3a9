"""From answers and failures to one readable bearerkit error (bearerkit.responses)."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator

import pytest
import requests
import urllib3.exceptions as u3
from pytest_httpserver import HTTPServer

import bearerkit as bk
from bearerkit.responses import network_error

from .conftest import FAKE_TOKEN, FAKE_V3_KEY, INVALID_KEY, NOT_FOUND, closed_port
from .rawserver import raw_server, response_bytes


@pytest.fixture
def client(server: HTTPServer) -> Iterator[bk.Client]:
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=0, timeout=5) as c:
        yield c


class EchoAuth(requests.auth.AuthBase):
    """Any auth object: bearerkit does not know its token, only the header it set."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def texts_of(err: BaseException) -> list[str]:
    texts = [str(err), repr(err), str(err.args)]
    texts += [str(getattr(err, name, "")) for name in ("api_message", "url")]
    return texts


# -- API errors: the API's own words --------------------------------------------------
def test_401_is_auth_error_with_tmdb_message(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/authentication").respond_with_json(INVALID_KEY, status=401)
    with pytest.raises(bk.AuthError) as info:
        client.get("authentication")
    err = info.value
    assert err.status_code == 401
    assert err.api_message == INVALID_KEY["status_message"]
    assert err.api_code == 7
    assert err.url is not None and err.url.endswith("/3/authentication")
    assert all(FAKE_TOKEN not in text for text in texts_of(err))


def test_401_with_v3_key_says_so(server: HTTPServer) -> None:
    server.expect_request("/3/authentication").respond_with_json(INVALID_KEY, status=401)
    with bk.Client(server.url_for("/3"), FAKE_V3_KEY) as c, pytest.raises(bk.AuthError) as info:
        c.get("authentication")
    assert "looks like a v3 API key" in str(info.value)
    assert "API Read Access Token" in str(info.value)
    assert FAKE_V3_KEY not in str(info.value)


def test_404_is_not_found(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/nope").respond_with_json(NOT_FOUND, status=404)
    with pytest.raises(bk.NotFoundError, match="could not be found"):
        client.get("nope")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"message": "bad thing"}, "bad thing"),
        ({"error": "invalid"}, "invalid"),
        ({"errors": ["a", "b"]}, "a; b"),
    ],
)
def test_generic_api_messages(
    server: HTTPServer, client: bk.Client, body: dict, expected: str
) -> None:
    server.expect_request("/3/x").respond_with_json(body, status=400)
    with pytest.raises(bk.ApiError) as info:
        client.get("x")
    assert info.value.api_message == expected
    assert info.value.status_code == 400


def test_query_credentials_are_masked_in_the_error_url(
    server: HTTPServer, client: bk.Client
) -> None:
    server.expect_request("/3/x").respond_with_json(NOT_FOUND, status=404)
    with pytest.raises(bk.NotFoundError) as info:
        client.get("x", {"api_key": FAKE_V3_KEY, "page": 2})
    assert FAKE_V3_KEY not in str(info.value) and "api_key=***" in str(info.value)
    assert info.value.url is not None and FAKE_V3_KEY not in info.value.url


# -- answers that are not JSON --------------------------------------------------------
def test_html_200_is_response_format_error(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/genre/movie/list").respond_with_data(
        "<html><body><h1>Welcome to the hotel wifi</h1></body></html>", content_type="text/html"
    )
    with pytest.raises(bk.ResponseFormatError) as info:
        client.get("genre/movie/list")
    message = str(info.value)
    assert "text/html" in message and "hotel wifi" in message
    assert info.value.__context__ is None


def test_echoed_token_is_masked_in_snippets(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/echo").respond_with_data(
        f"<p>you sent {FAKE_TOKEN}</p>", content_type="text/html"
    )
    with pytest.raises(bk.ResponseFormatError) as info:
        client.get("echo")
    assert FAKE_TOKEN not in str(info.value) and "***" in str(info.value)


@pytest.mark.parametrize("status", [200, 400])
def test_deeply_nested_json_is_a_format_or_api_error(server: HTTPServer, status: int) -> None:
    body = "[" * 100_000 + "]" * 100_000
    server.expect_request("/3/deep").respond_with_data(
        body, status=status, content_type="application/json"
    )
    expected = bk.ResponseFormatError if status == 200 else bk.ApiError
    with (
        bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=0) as c,
        pytest.raises(expected) as info,
    ):
        c.get("deep")
    assert not isinstance(info.value.__context__, RecursionError)
    if status == 200:
        assert "nested more deeply" in str(info.value)


def test_body_declared_gzip_that_is_not_gzip(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/zip").respond_with_data(
        b'{"plain": "json"}', content_type="application/json", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(bk.ResponseFormatError, match="Content-Encoding") as info:
        client.get("zip")
    assert not isinstance(info.value, bk.NetworkError)
    assert info.value.__context__ is None


def test_real_gzip_is_decoded(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/zip").respond_with_data(
        gzip.compress(b'{"plain": "json"}'),
        content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )
    assert client.get("zip") == {"plain": "json"}


# -- whatever credential the request carried is scrubbed --------------------------------
@pytest.mark.parametrize(
    ("status", "body", "ctype"),
    [
        (401, json.dumps({"status_message": f"token {FAKE_TOKEN} is revoked"}), "application/json"),
        (500, f"<html>debug: Authorization: Bearer {FAKE_TOKEN}</html>", "text/html"),
        (200, f"<html>hello {FAKE_TOKEN}</html>", "text/html"),
    ],
)
def test_token_from_an_auth_object_echoed_by_the_server_is_scrubbed(
    server: HTTPServer, status: int, body: str, ctype: str
) -> None:
    server.expect_request("/3/echo").respond_with_data(body, status=status, content_type=ctype)
    with (
        bk.Client(server.url_for("/3"), auth=EchoAuth(FAKE_TOKEN), retries=0) as c,
        pytest.raises(bk.BearerkitError) as info,
    ):
        c.get("echo")
    assert server.log[0][0].headers["Authorization"] == f"Bearer {FAKE_TOKEN}"
    for text in texts_of(info.value):
        assert FAKE_TOKEN not in text
        assert FAKE_TOKEN[:24] not in text
    assert "***" in str(info.value)


def test_token_echoed_in_the_reason_phrase_is_scrubbed() -> None:
    def script(head: bytes) -> list[bytes | float]:
        return [response_bytes(f"401 Token {FAKE_TOKEN} refused", body=b"{}")]

    with (
        raw_server(script) as (url, _),
        bk.Client(f"{url}/3", auth=EchoAuth(FAKE_TOKEN), retries=0) as c,
        pytest.raises(bk.AuthError) as info,
    ):
        c.get("x")
    assert "refused" in str(info.value)
    assert all(FAKE_TOKEN not in text for text in texts_of(info.value))


# -- transport failures: by type, never by message text --------------------------------
def test_connection_refused_is_network_error_without_the_request_attached() -> None:
    with (
        bk.Client(f"http://127.0.0.1:{closed_port()}/3", FAKE_TOKEN, retries=1) as c,
        pytest.raises(bk.NetworkError) as info,
    ):
        c.get("x")
    err = info.value
    assert "connection refused" in str(err)
    assert isinstance(err, ConnectionError)
    # Nothing chained: requests' exception holds the request with its Authorization header.
    assert err.__context__ is None and err.__cause__ is None


def _wrapped(reason: BaseException) -> requests.exceptions.ConnectionError:
    """What requests raises: its ConnectionError around urllib3's MaxRetryError."""
    return requests.exceptions.ConnectionError(u3.MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


def _new_connection_error(cause: BaseException) -> u3.NewConnectionError:
    err = u3.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    err.__cause__ = cause
    return err


@pytest.mark.parametrize(
    ("exc", "expected", "cls"),
    [
        (
            _wrapped(_new_connection_error(ConnectionRefusedError(111, "x"))),
            "refused",
            bk.NetworkError,
        ),
        (
            _wrapped(u3.NameResolutionError("h", None, socket.gaierror(-2, "x"))),  # type: ignore[arg-type]
            "could not be resolved",
            bk.NetworkError,
        ),
        (_wrapped(u3.ConnectTimeoutError("x")), "timed out", bk.NetworkError),
        (requests.exceptions.ReadTimeout("x"), "timed out", bk.NetworkError),
        (
            requests.exceptions.ConnectionError(u3.ProtocolError("x", ConnectionResetError())),
            "reset",
            bk.NetworkError,
        ),
        (requests.exceptions.ChunkedEncodingError("x"), "before the whole answer", bk.NetworkError),
        (_wrapped(_new_connection_error(OSError(101, "x"))), "could not connect", bk.NetworkError),
        (requests.exceptions.ContentDecodingError("x"), "Content-Encoding", bk.ResponseFormatError),
        # Words in the text mean nothing: only types count.
        (
            requests.exceptions.ConnectionError("Connection refused, timed out"),
            "no answer",
            bk.NetworkError,
        ),
    ],
)
def test_transport_errors_are_mapped_by_type(exc: BaseException, expected: str, cls: type) -> None:
    err = network_error("GET", "http://127.0.0.1:1/x?api_key=secret", exc, timeout=3, retries=2)
    assert isinstance(err, cls)
    assert expected in str(err)
    assert "secret" not in str(err)
    if expected != "timed out":
        assert "timed out" not in str(err)


# -- redirects to URLs that cannot be followed --------------------------------------------
@pytest.mark.parametrize(
    "location",
    [
        b"http://[::1",
        b"http://127.0.0.1:99999/x",
        b"http://127.0.0.1:abc/x",
        b"http://" + b"a" * 300 + b".example/x",
        b"/caf\xe9/x",  # Latin-1 bytes, not UTF-8
    ],
)
def test_bad_redirect_location_is_a_bearerkit_error(location: bytes) -> None:
    def script(head: bytes) -> list[bytes | float]:
        return [response_bytes("302 Found", [("Location", location)])]

    with (
        raw_server(script) as (url, heads),
        bk.Client(f"{url}/3", FAKE_TOKEN, retries=0) as c,
        pytest.raises(bk.BearerkitError) as info,
    ):
        c.get("moved")
    err = info.value
    assert isinstance(err, bk.ApiError) and err.status_code == 302
    assert "redirected to an invalid URL" in str(err)
    assert err.__context__ is None
    assert len(heads) == 1  # nothing was sent anywhere else
    assert FAKE_TOKEN not in str(err)


def test_good_relative_redirect_still_works(server: HTTPServer, client: bk.Client) -> None:
    server.expect_request("/3/old").respond_with_data(
        "", status=301, headers={"Location": "/3/new"}
    )
    server.expect_request("/3/new").respond_with_json({"ok": True})
    assert client.get("old") == {"ok": True}


def test_a_500_on_post_gives_one_advice_check_before_resending(server: HTTPServer) -> None:
    server.expect_request("/3/orders", method="POST").respond_with_json(
        {"message": "database unavailable"}, status=500
    )
    server.expect_request("/3/orders/1", method="GET").respond_with_json(
        {"message": "database unavailable"}, status=500
    )
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=1, timeout=5) as api:
        with pytest.raises(bk.ServerError) as posted:
            api.post("orders", json={"item": 1})
        with pytest.raises(bk.ServerError) as got:
            api.get("orders/1")
    message = str(posted.value)
    assert "Not retried" in message and "Check whether it took effect" in message
    assert "before sending it again" in message
    assert "try again later" not in message  # no second, contradicting advice
    assert len([r for r, _ in server.log if r.method == "POST"]) == 1  # sent once
    assert "try again later" in str(got.value) and "after 1 retry." in str(got.value)


@pytest.mark.parametrize(
    "retries, told",
    [
        (0, "Not retried (the client has retries=0)"),
        (1, "Still failing after 1 retry."),
        (2, "Still failing after 2 retries."),
    ],
)
def test_a_5xx_message_counts_retries_apart_from_the_apis_words(
    server: HTTPServer, retries: int, told: str
) -> None:
    # Issue 20 walk: "...try again later after 1 retries." ran on from the API's message.
    server.expect_request("/3/x").respond_with_json({"message": "Try again later"}, status=503)
    api = bk.Client(server.url_for("/3"), FAKE_TOKEN, retries=retries, timeout=5)
    with api, pytest.raises(bk.ServerError) as got:
        api.get("x")
    message = str(got.value)
    assert f": Try again later. {told}" in message
    assert "1 retries" not in message and "0 retries" not in message
    assert ("create the client with retries=" in message) == (retries == 0)
