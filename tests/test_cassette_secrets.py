"""Issue 19, items 1-6: a recorded cassette holds no credential, however the API carried it.

Each scenario records against a real loopback server that sends and echoes credentials
the way real APIs do; the file is then searched byte for byte for every secret in its
raw, percent-encoded, JSON-escaped and base64 forms, and scanned with ``bk.scan``.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import bearerkit as bk
from bearerkit.cassette import RECORDED_ORIGIN, active_cassettes
from bearerkit.secrets import basic_blobs

# Distinctive fakes, with the characters that change under encoding (+ / =).
TOKEN = "tok+EN/7f3a9c1e5b2d=="
PATH_TOKEN = "123456789:AAH-path-token-9f8e7d6c"
PRIVATE = "private-TOKEN-2b4d6f8a0c"
API_TOKEN = "api-TOKEN-1a3c5e7g9i"
CLIENT_SECRET = "cs+SECRET/31c7a9e2d4="
ISSUED_FORM = "gho_formISSUED8f7e6d5c4b3a"
ISSUED_CAMEL = "camel-ISSUED-5c4b3a2d1e"
REFRESH_CAMEL = "camel-REFRESH-9a8b7c6d5e"
ID_CAMEL = "camel-IDTOKEN-1f2e3d4c5b"
ISSUED_LOCATION = "loc-ISSUED-6e5d4c3b2a1f"
API_KEY = "apiKey-in-JSON-0f1e2d3c4b"
BODY_SECRET = "clientSecret-in-JSON-7a6b5c"
PASSWORD = "pass-WORD-in-JSON-3c2b1a"


@pytest.fixture(autouse=True)
def _no_leftover_cassettes() -> Iterator[None]:
    yield
    for cassette in active_cassettes():
        cassette.stop()


@pytest.fixture
def api(server: HTTPServer) -> HTTPServer:
    """conftest's loopback ``server``, under the name these tests give the API."""
    return server


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _base(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


# -- scenarios: each records one cassette and returns the secrets it must not hold ---------


def custom_headers(server: HTTPServer, path: Path) -> list[str]:
    """1. The token again in X-Token / Private-Token / X-Whatever, and echoed in a header."""

    def me(request: Request) -> Response:
        response = _json({"login": "octocat", "you": request.headers.get("X-Whatever")})
        response.headers["X-Echo"] = request.headers.get("Private-Token", "")
        return response

    server.expect_request("/me").respond_with_handler(me)
    headers = {"X-Token": TOKEN, "Private-Token": TOKEN, "X-Whatever": TOKEN}
    with bk.use_cassette(path):
        assert bk.Client(_base(server), TOKEN, headers=headers).get("me")["login"] == "octocat"
    return [TOKEN]


def token_in_url(server: HTTPServer, path: Path) -> list[str]:
    """2. Telegram's /bot<token>/ path, and query names not in any list."""
    server.expect_request(re.compile(r"^/bot.*/getUpdates$")).respond_with_json({"ok": True})
    params = {"private_token": PRIVATE, "api_token": API_TOKEN, "t": PATH_TOKEN}
    with bk.use_cassette(path):
        api = bk.Client(_base(server), PATH_TOKEN)
        assert api.get(f"bot{PATH_TOKEN}/getUpdates", params)["ok"] is True
    return [PATH_TOKEN, PRIVATE, API_TOKEN]


def encoded_echoes(server: HTTPServer, path: Path) -> list[str]:
    """3. The token echoed percent-encoded (Location, next link), JSON-escaped, base64."""
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(TOKEN, safe=""))

    def echo(request: Request) -> Response:
        text = (
            '{"next": "http://x.invalid/items?session=' + quote(TOKEN, safe="") + '&page=2", '
            '"plus": "' + quote_plus(TOKEN) + '", "lower": "' + lower_hex + '", '
            '"escaped": "' + TOKEN.replace("/", "\\/") + '", '
            '"b64": "' + base64.b64encode(TOKEN.encode()).decode() + '"}'
        )
        response = Response(text, content_type="application/json")
        response.headers["Location"] = f"/items?session={quote(TOKEN, safe='')}"
        response.headers["Link"] = f'</items?s={quote_plus(TOKEN)}&page=2>; rel="next"'
        return response

    server.expect_request("/echo").respond_with_handler(echo)
    with bk.use_cassette(path):
        assert "next" in bk.Client(_base(server), TOKEN).get("echo")
    return [TOKEN]


def _client_secret_echo(client_auth: str) -> Callable[[HTTPServer, Path], list[str]]:
    def scenario(server: HTTPServer, path: Path) -> list[str]:
        """4. The token endpoint's error body repeats the client secret (basic and post)."""

        def token(request: Request) -> Response:
            seen = request.form.get("client_secret") or request.headers.get("Authorization")
            return _json(
                {
                    "error": "invalid_client",
                    "error_description": f"client secret {CLIENT_SECRET} is wrong ({seen})",
                },
                status=401,
            )

        server.expect_request("/oauth/token", method="POST").respond_with_handler(token)
        auth = bk.ClientCredentials(
            server.url_for("/oauth/token"), "my+client", CLIENT_SECRET, client_auth=client_auth
        )
        with bk.use_cassette(path), pytest.raises(bk.AuthError) as caught:
            bk.Client(_base(server), auth=auth).get("items")
        assert CLIENT_SECRET not in str(caught.value)
        return [CLIENT_SECRET]

    scenario.__name__ = f"client_secret_echo_{client_auth}"
    return scenario


def token_answers(server: HTTPServer, path: Path) -> list[str]:
    """5. Form-encoded and camelCase token answers, an issued token in a Location query."""
    server.expect_request("/login/oauth/access_token", method="POST").respond_with_data(
        f"access_token={ISSUED_FORM}&scope=repo&token_type=bearer",
        content_type="application/x-www-form-urlencoded",
    )
    server.expect_request("/camel", method="POST").respond_with_json(
        {"accessToken": ISSUED_CAMEL, "refreshToken": REFRESH_CAMEL, "idToken": ID_CAMEL}
    )
    server.expect_request("/authorize").respond_with_data(
        "", status=302, headers={"Location": f"/callback?access_token={ISSUED_LOCATION}&s=1"}
    )
    server.expect_request("/callback").respond_with_json({"ok": True})
    with bk.use_cassette(path):
        api = bk.Client(_base(server))
        assert ISSUED_FORM in api.response("POST", "login/oauth/access_token").text
        assert api.post("camel")["accessToken"] == ISSUED_CAMEL
        assert api.get("authorize", {"state": "s1"})["ok"] is True
    return [ISSUED_FORM, ISSUED_CAMEL, REFRESH_CAMEL, ID_CAMEL, ISSUED_LOCATION]


def request_bodies(server: HTTPServer, path: Path) -> list[str]:
    """6. JSON bodies with apiKey/clientSecret, password under '; charset=utf-8'; forms too."""
    server.expect_request("/login", method="POST").respond_with_json({"ok": True})
    body = {"user": "ann", "apiKey": API_KEY, "clientSecret": BODY_SECRET, "password": PASSWORD}
    with bk.use_cassette(path):
        api = bk.Client(_base(server))
        api.response(
            "POST",
            "login",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        api.response("POST", "login", json={"nested": body})
        api.response("POST", "login", data=body)  # a form
        api.response("POST", "login", params={"apiKey": API_KEY})
    return [API_KEY, BODY_SECRET, PASSWORD]


def binary_and_gzip_echoes(server: HTTPServer, path: Path) -> list[str]:
    """7 and 3. A Latin-1 body and a gzipped body that echo the token, raw and encoded."""
    echo = TOKEN.encode() + b" " + quote(TOKEN, safe="").encode()
    server.expect_request("/latin").respond_with_data(
        "Réponse ".encode("latin-1") + echo + b" \xff", content_type="text/plain"
    )
    server.expect_request("/zipped").respond_with_data(
        gzip.compress(b'{"echo": "' + echo + b'"}'),
        content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )
    with bk.use_cassette(path):
        api = bk.Client(_base(server), TOKEN)
        assert api.response("GET", "latin").content.endswith(b"\xff")
        assert TOKEN in api.get("zipped")["echo"]
    return [TOKEN]


SCENARIOS = [
    binary_and_gzip_echoes,
    custom_headers,
    token_in_url,
    encoded_echoes,
    _client_secret_echo("basic"),
    _client_secret_echo("post"),
    token_answers,
    request_bodies,
]


def _forms(secret: str) -> set[str]:
    """The encodings the issue names: raw, percent-encoded, JSON-escaped, base64."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/"),
        quote_plus(secret),
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(secret.encode()).decode().rstrip("="),
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_recorded_cassette_holds_no_credential_in_any_form(
    api: HTTPServer, tmp_path: Path, scenario: Callable[[HTTPServer, Path], list[str]]
) -> None:
    path = tmp_path / "cassettes" / "api.yaml"
    secrets = scenario(api, path)
    raw = path.read_bytes()
    assert b"interactions" in raw and len(api.log) > 0  # it really recorded
    for secret in secrets:
        for form in _forms(secret):
            assert form.encode() not in raw, (secret, form)
    if "client_secret_echo_basic" in scenario.__name__:
        for blob in basic_blobs("my+client", CLIENT_SECRET):
            assert blob.encode() not in raw
    env = tmp_path / "secrets.env"
    env.write_text("".join(f"SECRET_{i}_TOKEN={s}\n" for i, s in enumerate(secrets)))
    assert bk.scan(path, env_file=env) == []


def test_custom_header_names_survive_with_their_values_masked(
    api: HTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "h.yaml"
    custom_headers(api, path)
    text = path.read_text()
    assert "X-Echo" in text  # the answer's other headers are kept
    assert "X-Whatever" not in text  # a header carrying the credential is dropped


def test_replay_of_a_path_token_matches_with_another_token(api: HTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    token_in_url(api, path)
    assert "/bot***/getUpdates" in path.read_text()
    api.clear_log()
    other = "987654321:AAH-another-token-1a2b3c"
    params = {"private_token": "p-other-123", "api_token": "a-other-456", "t": other}
    with bk.use_cassette(path, record_mode="none"):
        assert bk.Client(_base(api), other).get(f"bot{other}/getUpdates", params)["ok"] is True
        with pytest.raises(bk.CassetteError) as caught:
            bk.Client(_base(api), other).get(f"bot{other}/getUpdates")
    assert other not in str(caught.value)
    assert api.log == []


def test_client_credentials_error_still_readable_in_replay(api: HTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "cc.yaml"
    _client_secret_echo("post")(api, path)
    with bk.use_cassette(path, record_mode="none"):
        auth = bk.ClientCredentials(
            api.url_for("/oauth/token"), "my+client", "another-secret", client_auth="post"
        )
        with pytest.raises(bk.AuthError, match="invalid_client"):
            bk.Client(_base(api), auth=auth).get("items")


def test_a_link_header_keeps_its_shape_with_the_key_masked(api: HTTPServer, tmp_path: Path) -> None:
    link = f'<{_base(api)}/items?page=2&api_key={PRIVATE}>; rel="next", <x>; rel="last"'
    api.expect_request("/items").respond_with_json({"items": [1]}, headers={"Link": link})
    path = tmp_path / "link.yaml"
    with bk.use_cassette(path):
        bk.Client(_base(api)).get("items", {"api_key": PRIVATE})
    assert PRIVATE not in path.read_text()
    stored = yaml.safe_load(path.read_text())["interactions"][0]["response"]["headers"]["Link"]
    assert stored == [link.replace(PRIVATE, "***").replace(_base(api), RECORDED_ORIGIN)]


def test_an_ordinary_word_under_a_credential_name_is_masked_only_where_it_stands(
    api: HTTPServer, tmp_path: Path
) -> None:
    api.expect_request("/sorted").respond_with_json({"order": "title", "results": ["a title"]})
    path = tmp_path / "sorted.yaml"
    with bk.use_cassette(path):
        api_ = bk.Client(_base(api))
        api_.get("sorted", {"key": "title"})
        api_.response("POST", "sorted", json={"key": "title", "password": "hunter2hunter"})
    data = yaml.safe_load(path.read_text())["interactions"]
    assert data[0]["request"]["uri"].endswith("/sorted?key=***")
    assert "hunter2hunter" not in path.read_text()  # masked by its name
    assert json.loads(data[0]["response"]["body"]["string"]) == {
        "order": "title",
        "results": ["a title"],
    }
