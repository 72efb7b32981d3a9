"""The one credential rule (bearerkit.secrets + bearerkit.redact): which values are secret,
and their removal in every encoding."""

from __future__ import annotations

import base64
import gc
import json
import re
import sys
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from pytest_httpserver import HTTPServer
from requests.auth import HTTPBasicAuth
from werkzeug import Request, Response

import bearerkit as bk
from bearerkit import secrets as secrets_module
from bearerkit.auth import BearerAuth
from bearerkit.redact import (
    contains_secret,
    is_secret_field,
    is_secret_header,
    is_secret_param,
    scrub,
    scrub_bytes,
)
from bearerkit.secrets import (
    SecretsProvider,
    basic_blobs,
    known_secrets,
    register,
    request_secrets,
    secrets_of,
)

SECRET = "s3+cr/et=value-9f8e"
LOWER_HEX = quote(SECRET, safe="").replace("%2B", "%2b").replace("%2F", "%2f")


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET, safe="/"),
        quote_plus(SECRET),
        LOWER_HEX,
        json.dumps(SECRET)[1:-1].replace("/", "\\/"),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        quote(quote(SECRET, safe=""), safe=""),
    ],
)
def test_scrub_removes_every_form(form: str) -> None:
    text = f"before {form} after"
    assert scrub(text, [SECRET]) == "before *** after"
    assert scrub_bytes(text.encode(), [SECRET]) == b"before *** after"
    assert contains_secret(text, [SECRET]) and contains_secret(text.encode(), [SECRET])


def test_scrub_bytes_keeps_every_other_byte() -> None:
    data = bytes(range(256)) + SECRET.encode() + b"\xff"
    assert scrub_bytes(data, [SECRET]) == bytes(range(256)) + b"***\xff"
    assert scrub_bytes(bytes(range(256)), [SECRET]) == bytes(range(256))


def test_short_and_empty_values_are_not_secrets() -> None:
    assert scrub("a 123 b", ["123", "", None, "***"]) == "a 123 b"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("apiKey", True),
        ("API-KEY", True),
        ("private_token", True),
        ("api_token", True),
        ("clientSecret", True),
        ("password", True),
        ("userPassword", True),
        ("x_access_token", True),
        ("nextPageToken", False),
        ("page_token", False),
        ("continuationToken", False),
        ("limit", False),
        ("query", False),
    ],
)
def test_one_name_rule_for_query_form_and_json(name: str, secret: bool) -> None:
    assert is_secret_param(name) is secret


def test_answer_fields_and_headers() -> None:
    assert all(is_secret_field(n) for n in ("access_token", "accessToken", "idToken"))
    assert not is_secret_field("key")  # a TMDB video's YouTube id
    assert all(is_secret_header(n) for n in ("Private-Token", "X-Token", "X-Api-Key"))
    assert not is_secret_header("Content-Type")


def test_bearer_auth_and_basic_auth_tell_their_secrets() -> None:
    bearer = BearerAuth(bk.Token("bearer-abc-123-def"))
    assert isinstance(bearer, SecretsProvider)
    assert secrets_of(bearer) == {"bearer-abc-123-def"}
    basic = secrets_of(HTTPBasicAuth("user", "pa+ss/word"))
    assert "pa+ss/word" in basic and set(basic_blobs("user", "pa+ss/word")) <= basic


def test_client_credentials_tell_client_secret_basic_blob_and_issued_tokens(
    server: HTTPServer,
) -> None:
    issued = iter(["first-ISSUED-token-1", "second-ISSUED-token-2"])

    def token(request: Request) -> Response:
        body = {"access_token": next(issued), "token_type": "Bearer", "expires_in": 3600}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/token", method="POST").respond_with_handler(token)
    auth = bk.ClientCredentials(server.url_for("/token"), "my id", "cs+cret/VALUE=")
    assert {"cs+cret/VALUE=", *basic_blobs("my id", "cs+cret/VALUE=")} <= secrets_of(auth)
    auth.fetch_token()
    auth.fetch_token()  # the replaced token stays known: an answer may still echo it
    assert {"first-ISSUED-token-1", "second-ISSUED-token-2"} <= secrets_of(auth)
    assert {"first-ISSUED-token-1", "cs+cret/VALUE="} <= known_secrets()  # registered itself


def test_registry_holds_auth_objects_weakly() -> None:
    class Login:
        def bearerkit_secrets(self) -> Iterator[str]:
            yield "login-REFRESH-token-77"

    login = Login()
    register(login)
    register(login)
    assert "login-REFRESH-token-77" in known_secrets()
    del login
    gc.collect()
    assert "login-REFRESH-token-77" not in known_secrets()


def test_a_failing_provider_contributes_nothing() -> None:
    class Broken:
        def bearerkit_secrets(self) -> Iterator[str]:
            raise RuntimeError("no")

    assert secrets_of(Broken()) == frozenset()


def test_request_secrets_reads_headers_basic_and_query() -> None:
    blob = base64.b64encode(b"id:pa%2Bss").decode()
    found = request_secrets(
        {"Authorization": f"Basic {blob}", "Private-Token": "priv-1234", "Accept": "x/y"},
        "https://x/y?private_token=qq-5678-abcd&page=2",
    )
    assert {blob, "pa%2Bss", "pa+ss", "priv-1234", "qq-5678-abcd"} <= found
    assert "x/y" not in found and "2" not in found


def test_an_error_message_scrubs_a_path_token_and_encoded_echoes(server: HTTPServer) -> None:
    token = "path+TOKEN/abc123=="

    def refuse(request: Request) -> Response:
        body = {
            "message": f"bad token {quote(token, safe='')} or {token.replace('/', chr(92) + '/')}"
        }
        return Response(json.dumps(body), status=403, content_type="application/json")

    server.expect_request(re.compile(r"^/bot.*/x$")).respond_with_handler(refuse)
    api = bk.Client(server.url_for("/").rstrip("/"), token)
    with pytest.raises(bk.AuthError) as caught:
        api.get(f"bot{token}/x")
    message = str(caught.value)
    assert "bad token" in message
    assert token not in message and quote(token, safe="") not in message
    assert quote(token, safe="/") not in message


def test_secret_sets_never_show_their_values() -> None:
    auth = BearerAuth(bk.Token("shown-NEVER-token-123"))
    register(auth)
    for found in (secrets_of(auth), known_secrets(), request_secrets({"X-Token": "abcd-1234"})):
        assert "shown-NEVER" not in repr(found) and "abcd-1234" not in str(found)
        assert "secret" in repr(found)


def test_an_auth_collected_at_interpreter_exit_forgets_itself_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 20 walk (the README's dlt example): at interpreter exit a module's globals can
    # be None before the last auth is collected, and the weakref callback printed
    # "Exception ignored in: ... forget ... TypeError" to the user.
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    auth = BearerAuth(bk.Token("late-EXIT-token-123"))
    register(auth)
    monkeypatch.setattr(secrets_module, "_registry_lock", None)
    monkeypatch.setattr(secrets_module, "_registry", None)
    del auth
    gc.collect()
    assert unraisable == []
