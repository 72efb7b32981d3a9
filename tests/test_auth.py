"""BearerAuth and the transport check: where a token may travel (bearerkit.auth)."""

from __future__ import annotations

import pytest
import requests

import bearerkit as bk
from bearerkit.auth import BearerAuth, check_transport, is_loopback, origin

from .conftest import FAKE_TOKEN


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("api.themoviedb.org", False),
        ("localhost.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    "url",
    [
        "https://api.themoviedb.org/3",
        "http://127.0.0.1:8000/3",
        "http://localhost/x",
        "http://[::1]:1/",
    ],
)
def test_check_transport_allows_https_and_loopback(url: str) -> None:
    check_transport(url)


@pytest.mark.parametrize(
    "url", ["http://api.themoviedb.org/3", "http://10.0.0.1/x", "ftp://127.0.0.1/x", ""]
)
def test_check_transport_refuses_the_rest(url: str) -> None:
    with pytest.raises(bk.InsecureTransportError, match="https://"):
        check_transport(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com/v1", ("https", "api.example.com", 443)),
        ("https://API.Example.com:443/v1?page=2", ("https", "api.example.com", 443)),
        ("http://127.0.0.1:8000/3", ("http", "127.0.0.1", 8000)),
        ("http://user:pw@localhost/x", ("http", "localhost", 80)),
        ("//evil.example/x", ("", "evil.example", None)),  # scheme-relative: never the client's
        ("/v1/next?page=2", None),
        ("https://api.example.com:99999/", None),  # unreadable port
        ("http:///x", None),
        ("", None),
        (None, None),
    ],
)
def test_origin_fills_the_default_port_and_lowercases_the_host(
    url: str | None, expected: tuple[str, str, int | None] | None
) -> None:
    assert origin(url) == expected


def test_bearer_auth_sets_the_header_and_hides_the_token() -> None:
    auth = BearerAuth(bk.Token(FAKE_TOKEN, source="test"))
    prepared = requests.Request("GET", "https://api.example.org/x", auth=auth).prepare()
    assert prepared.headers["Authorization"] == f"Bearer {FAKE_TOKEN}"
    assert FAKE_TOKEN not in repr(auth)
    assert auth == BearerAuth(bk.Token(FAKE_TOKEN))
    assert auth != BearerAuth(bk.Token("other-token"))


def test_bearer_auth_refuses_plain_http_to_a_remote_host_at_send_time() -> None:
    auth = BearerAuth(bk.Token(FAKE_TOKEN))
    with pytest.raises(bk.InsecureTransportError) as info:
        requests.Request("GET", "http://api.example.org/x", auth=auth).prepare()
    assert FAKE_TOKEN not in str(info.value)


def test_plain_http_to_remote_host_is_refused_before_sending() -> None:
    with pytest.raises(bk.InsecureTransportError) as info:
        bk.Client("http://api.themoviedb.org/3", FAKE_TOKEN)
    assert FAKE_TOKEN not in str(info.value)


def test_plain_http_allowed_without_a_token() -> None:
    bk.Client("http://example.org/api").close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"])
def test_plain_http_allowed_to_loopback(host: str) -> None:
    bk.Client(f"http://{host}:8000/3", FAKE_TOKEN).close()
