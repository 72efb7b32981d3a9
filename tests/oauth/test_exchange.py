"""bearerkit.oauth.exchange: the token request on the wire, transport failures, secrets in frames.

Driven through ``ClientCredentials.fetch_token`` (the public way in) against the
loopback ``AuthServer`` of conftest.py.
"""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

import pytest
import requests

from bearerkit.errors import BearerkitError, NetworkError
from bearerkit.oauth import ClientCredentials
from bearerkit.oauth.exchange import TokenExchange, scope_text
from bearerkit.redact import Secret

from ..conftest import closed_port
from .conftest import (
    BASIC,
    CLIENT_ID,
    SECRET,
    TOKEN_PREFIX,
    Scripted,
    assert_no_secrets,
    full_text,
    leaky_locals,
    make_auth,
    scripted_json,
)

# -- how the token request looks on the wire -------------------------------------


def test_basic_client_auth_sends_credentials_in_the_authorization_header(server, session):
    session.get(f"{server.url}/api/x", auth=make_auth(server), timeout=5)

    [req] = server.token_requests
    assert req["authorization"] == f"Basic {BASIC}"
    assert req["form"] == {"grant_type": "client_credentials"}
    assert req["content_type"].startswith("application/x-www-form-urlencoded")
    assert "application/json" in req["accept"]


def test_post_client_auth_sends_credentials_as_form_fields(server, session):
    session.get(f"{server.url}/api/x", auth=make_auth(server, client_auth="post"), timeout=5)

    [req] = server.token_requests
    assert req["authorization"] is None
    assert req["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"scope": "read write"}, {"scope": "read write"}),
        ({"scope": ["read", "write"]}, {"scope": "read write"}),
        ({"scope": ""}, {}),
        ({"audience": "https://api.example.com"}, {"audience": "https://api.example.com"}),
        ({"scope": "read", "audience": "aud-1"}, {"scope": "read", "audience": "aud-1"}),
    ],
)
def test_scope_and_audience_are_form_fields(server, kwargs, expected):
    make_auth(server, **kwargs).fetch_token()

    [req] = server.token_requests
    assert req["form"] == {"grant_type": "client_credentials", **expected}


@pytest.mark.parametrize(
    "scope, expected", [(None, None), ("", None), ("a b", "a b"), (("a", "b"), "a b"), ([], None)]
)
def test_scope_text(scope, expected):
    assert scope_text(scope) == expected


def test_a_scope_that_is_not_text_is_refused_before_any_request():
    with pytest.raises(ValueError, match="scope"):
        ClientCredentials("https://auth.example.com/t", CLIENT_ID, SECRET, scope=["read", 7])


@pytest.mark.parametrize("client_auth", ["basic", "post"])
@pytest.mark.parametrize("odd", ["a+b/c=d:e%f g", "sécret-☃-value"])
def test_secrets_with_special_characters_work_with_both_methods(server, odd, client_auth):
    server.client_secret = odd
    auth = ClientCredentials(server.token_url, CLIENT_ID, odd, client_auth=client_auth)
    auth.fetch_token()

    assert auth.token_count == 1
    req = server.token_requests[0]
    if client_auth == "basic":  # RFC 6749 §2.3.1: form-encode, then base64
        pair = base64.b64decode(req["authorization"][6:]).decode("ascii")
        assert pair == f"{CLIENT_ID}:{quote_plus(odd)}"
    else:
        assert req["form"]["client_secret"] == odd


def test_token_exchange_can_be_run_on_its_own(server):
    granted = TokenExchange(
        token_url=server.token_url, client_id=CLIENT_ID, client_secret=Secret(SECRET)
    ).run()

    assert granted.access_token.reveal() == server.issued[0]
    assert granted.expires_in == 3600
    assert TOKEN_PREFIX not in repr(granted)


def test_authlib_is_not_needed():
    import subprocess
    import sys

    code = (
        "import sys, bearerkit as bk\n"
        "bk.ClientCredentials('https://a.example/t', 'id', 'secret')\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('authlib', 'cryptography')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- ~/.netrc never replaces the client credentials (issue 12.16) ------------------------


@pytest.mark.parametrize("client_auth", ["basic", "post"])
def test_netrc_never_replaces_the_client_credentials(server, netrc_home, client_auth):
    # The environment is set up so that a plain requests call would use the file:
    assert requests.utils.get_netrc_auth(server.token_url) == ("netrc-user", "netrc-pass")

    make_auth(server, client_auth=client_auth).fetch_token()

    [req] = server.token_requests
    expected = f"Basic {BASIC}" if client_auth == "basic" else None
    assert req["authorization"] == expected


# -- transport failures ------------------------------------------------------------------


def test_unreachable_token_endpoint_is_a_network_error():
    auth = ClientCredentials(f"http://127.0.0.1:{closed_port()}/token", CLIENT_ID, SECRET)

    with pytest.raises(NetworkError, match="Could not connect") as info:
        auth.fetch_token()
    assert_no_secrets(full_text(info.value))
    assert info.value.__context__ is None


def test_silent_token_endpoint_times_out(server):
    server.hanging = True
    auth = make_auth(server, timeout=0.3)

    with pytest.raises(NetworkError, match=r"did not answer within 0.3 s") as info:
        auth.fetch_token()
    assert_no_secrets(full_text(info.value))


# -- no secret in a local variable a verbose traceback prints (issue 12.3) ----------------


@pytest.mark.parametrize("client_auth", ["basic", "post"])
@pytest.mark.parametrize(
    "fault",
    [
        "refused",
        "unreachable",
        "timeout",
        "crlf token",
        "mac token",
        "html echo",
    ],
)
def test_failing_token_requests_keep_secrets_out_of_every_frame(server, client_auth, fault):
    url = server.token_url
    if fault == "refused":  # the endpoint also echoes the secret back
        server.scripted.append(
            scripted_json(401, {"error": "invalid_client", "error_description": SECRET})
        )
    elif fault == "unreachable":
        url = f"http://127.0.0.1:{closed_port()}/token"
    elif fault == "timeout":
        server.hanging = True
    elif fault == "crlf token":
        server.scripted.append(scripted_json(200, {"access_token": TOKEN_PREFIX + "\r\nX: 1"}))
    elif fault == "mac token":
        server.scripted.append(
            scripted_json(200, {"access_token": TOKEN_PREFIX + "m", "token_type": "mac"})
        )
    else:
        server.scripted.append(Scripted(200, f"<p>{SECRET}</p>".encode(), "text/html"))
    auth = ClientCredentials(url, CLIENT_ID, SECRET, client_auth=client_auth, timeout=0.3)

    with pytest.raises(BearerkitError) as info:
        auth.fetch_token()

    assert leaky_locals(info.value) == []
    assert_no_secrets(full_text(info.value))


def test_the_frame_walk_does_find_a_plain_secret_local():
    """The check above can fail: a function holding the secret in a local is caught."""

    def careless() -> None:
        header = f"Basic {BASIC}"
        raise ValueError(len(header))

    with pytest.raises(ValueError) as info:
        careless()
    assert leaky_locals(info.value) == ["careless:header"]


# -- timeout is a deadline for the whole token answer ---------------------------------


def _trickled_token(head: bytes):  # type: ignore[no-untyped-def]
    body = b'{"access_token": "trickled-token-value", "token_type": "Bearer", "expires_in": 60}'
    yield (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    for byte in body:
        yield bytes([byte])
        yield 0.3


def test_a_trickling_token_endpoint_cannot_stretch_the_timeout():
    import time

    from tests.rawserver import raw_server

    with raw_server(_trickled_token) as (url, _):
        auth = ClientCredentials(f"{url}/token", CLIENT_ID, SECRET, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"did not answer within 0\.5 s"):
            auth.fetch_token()
        assert time.monotonic() - started < 3  # one byte every 0.3 s would take ~25 s


def test_a_token_request_missing_from_a_replayed_cassette_is_a_cassette_error(tmp_path):
    import bearerkit as bk

    (tmp_path / "empty.yaml").write_text("interactions: []\nversion: 1\n")
    with bk.use_cassette(tmp_path / "empty.yaml", record_mode="none"):
        auth = ClientCredentials("http://127.0.0.1:9/token", CLIENT_ID, SECRET)
        with pytest.raises(bk.CassetteError, match=r"POST .*token"):
            auth.fetch_token()
