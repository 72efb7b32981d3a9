"""bearerkit.oauth.answer: what the token endpoint says back, checked into a token or one error.

Driven through ``ClientCredentials.fetch_token`` against the loopback
``AuthServer`` of conftest.py, which plays canned answers from ``server.scripted``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bearerkit.errors import (
    AuthError,
    BearerkitError,
    ResponseFormatError,
    ServerError,
    TokenError,
)
from bearerkit.oauth import ClientCredentials
from bearerkit.oauth.answer import MAX_LIFETIME

from .conftest import (
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

# -- endpoint errors --------------------------------------------------------------------


def test_wrong_secret_is_an_auth_error_quoting_the_endpoint(server):
    auth = ClientCredentials(server.token_url, CLIENT_ID, SECRET + "-wrong")

    with pytest.raises(AuthError) as info:
        auth.fetch_token()

    message = str(info.value)
    assert "invalid_client" in message
    assert "Client authentication failed." in message
    assert "client_id / client_secret" in message
    assert info.value.status_code == 401
    assert info.value.api_message == "Client authentication failed."
    assert SECRET not in full_text(info.value)
    assert auth.token_count == 0


@pytest.mark.parametrize(
    "canned, error, words",
    [
        (
            scripted_json(400, {"error": "unsupported_grant_type"}),
            AuthError,
            ["unsupported_grant_type", "token_url"],
        ),
        (
            scripted_json(400, {"error": "invalid_scope", "error_description": "no such scope"}),
            AuthError,
            ["invalid_scope (no such scope)", "scope="],
        ),
        (scripted_json(200, {"error": "invalid_request"}), AuthError, ["invalid_request"]),
        (scripted_json(400, {"error": {"nested": 1}}), AuthError, ["(a JSON dict)"]),
        (
            Scripted(401, b"nope", "text/plain"),
            AuthError,
            ["HTTP 401", "client_id / client_secret"],
        ),
        (
            Scripted(200, b"<html><body>Sign in</body></html>", "text/html"),
            ResponseFormatError,
            ["text/html", "Sign in"],
        ),
        (
            Scripted(404, b"<h1>Not Found</h1>", "text/html"),
            ResponseFormatError,
            ["HTTP 404", "Not Found", "token_url"],
        ),
        (Scripted(503, b"<h1>Down</h1>", "text/html"), ServerError, ["HTTP 503", "later"]),
        (scripted_json(502, {"message": "bad gateway"}), ServerError, ["HTTP 502"]),
        (scripted_json(200, ["not", "an", "object"]), ResponseFormatError, ["JSON list"]),
        (
            scripted_json(200, {"token_type": "Bearer", "expires_in": 60}),
            ResponseFormatError,
            ["access_token", "expires_in, token_type"],
        ),
        (
            scripted_json(200, {"access_token": TOKEN_PREFIX + "m", "token_type": "mac"}),
            ResponseFormatError,
            ["'mac'", "Bearer"],
        ),
        (
            scripted_json(200, {"access_token": TOKEN_PREFIX + "e", "expires_in": "soon"}),
            ResponseFormatError,
            ["expires_in='soon'"],
        ),
        (
            Scripted(200, b'{"access_token": "x", "expires_in": 1e400}'),
            ResponseFormatError,
            ["expires_in='inf'"],
        ),
        (
            scripted_json(200, {"access_token": TOKEN_PREFIX + "b", "expires_in": True}),
            ResponseFormatError,
            ["expires_in='True'"],
        ),
        (
            Scripted(200, b"[" * 100_000 + b"]" * 100_000),
            ResponseFormatError,
            ["nested too deeply"],
        ),
        (
            Scripted(200, b"not gzip at all", "application/json", {"Content-Encoding": "gzip"}),
            ResponseFormatError,
            ["Content-Encoding"],
        ),
    ],
)
def test_unusable_token_answers_become_bearerkit_errors(server, canned, error, words):
    server.scripted.append(canned)
    auth = make_auth(server)

    with pytest.raises(error) as info:
        auth.fetch_token()

    for word in words:
        assert word in str(info.value)
    assert_no_secrets(full_text(info.value))
    assert info.value.__context__ is None
    assert auth.token_count == 0


def test_secret_echoed_by_the_server_is_masked(server):
    server.scripted.append(
        scripted_json(401, {"error": "invalid_client", "error_description": f"bad secret {SECRET}"})
    )
    with pytest.raises(AuthError) as info:
        make_auth(server).fetch_token()

    assert "bad secret ***" in str(info.value)
    assert SECRET not in full_text(info.value)


def test_token_being_replaced_is_masked_in_server_text(server):
    auth = make_auth(server)
    auth.fetch_token()
    server.scripted.append(
        Scripted(400, f"<p>old token {server.issued[0]}</p>".encode(), "text/html")
    )

    with pytest.raises(ResponseFormatError) as info:
        auth.fetch_token()
    assert "old token ***" in str(info.value)
    assert_no_secrets(full_text(info.value), server)


# -- redirects are reported, never followed ------------------------------------------


def test_redirect_is_not_followed_with_the_credentials(server):
    server.scripted.append(
        Scripted(307, b"", "text/plain", {"Location": f"{server.url}/elsewhere"})
    )

    with pytest.raises(ResponseFormatError, match="redirected") as info:
        make_auth(server).fetch_token()
    assert f"{server.url}/elsewhere" in str(info.value)
    assert server.other_hits == 0


@pytest.mark.parametrize(
    "location",
    [
        "http://[::1",
        "http://127.0.0.1:99999/token",
        "http://127.0.0.1:abc/token",
        "http://" + "a" * 300 + ".example/token",
        "http://ex\xe9mple.com/token",  # sent as a raw Latin-1 byte
        "//",
        "",
    ],
)
@pytest.mark.parametrize("status", [302, 307])
def test_bad_redirect_locations_are_a_clear_error(server, location, status):
    server.scripted.append(Scripted(status, b"", "text/plain", {"Location": location}))

    with pytest.raises(ResponseFormatError, match=f"redirected \\(HTTP {status}\\)") as info:
        make_auth(server).fetch_token()
    assert info.value.__context__ is None
    assert server.other_hits == 0


def test_redirect_location_credentials_are_masked(server):
    where = f"https://user:pw-hidden@auth.example.com/t?access_token={TOKEN_PREFIX}x&page=2"
    server.scripted.append(Scripted(302, b"", "text/plain", {"Location": where}))

    with pytest.raises(ResponseFormatError) as info:
        make_auth(server).fetch_token()
    assert "pw-hidden" not in str(info.value)
    assert "auth.example.com/t" in str(info.value)
    assert_no_secrets(full_text(info.value))


# -- the issued token must fit in a header (issue 12.8) ----------------------------------


@pytest.mark.parametrize(
    "suffix, what",
    [
        ("\r\nX-Injected: 1", "a line break"),
        ("\n", "a line break"),
        ("-snow☃man", "a non-ASCII character"),
        ("-caf\xe9", "a non-ASCII character"),  # Latin-1, but not ASCII
        (" two", "a space"),
        ("\x00", "a control character"),
    ],
)
def test_issued_token_that_cannot_go_into_a_header_is_a_token_error(server, suffix, what):
    server.scripted.append(
        scripted_json(200, {"access_token": TOKEN_PREFIX + "bad" + suffix, "token_type": "Bearer"})
    )
    auth = make_auth(server)

    with pytest.raises(TokenError, match=what) as info:
        auth.fetch_token()

    assert info.value.reason == "malformed"
    assert_no_secrets(full_text(info.value))
    assert leaky_locals(info.value) == []
    assert auth.token_count == 0


def test_huge_expires_in_is_clamped_not_an_overflow(server):
    server.scripted.append(
        scripted_json(200, {"access_token": TOKEN_PREFIX + "long", "expires_in": 1e12})
    )
    auth = make_auth(server)
    auth.fetch_token()

    assert auth.token_expires_at is not None
    lifetime = auth.token_expires_at - datetime.now(timezone.utc)
    assert lifetime <= timedelta(seconds=MAX_LIFETIME)
    assert lifetime > timedelta(days=365)


def test_expires_in_as_a_numeric_string_is_accepted(server):
    server.scripted.append(
        scripted_json(
            200, {"access_token": TOKEN_PREFIX + "s", "token_type": "bearer", "expires_in": "120"}
        )
    )
    auth = make_auth(server)
    auth.fetch_token()

    assert auth.token_expires_at is not None
    left = auth.token_expires_at - datetime.now(timezone.utc)
    assert timedelta(seconds=100) < left <= timedelta(seconds=120)


def test_every_failure_is_a_bearerkit_error(server):
    for canned in [scripted_json(400, {"error": "x"}), Scripted(200, b"garbage", "text/plain")]:
        server.scripted.append(canned)
        with pytest.raises(BearerkitError):
            make_auth(server).fetch_token()
