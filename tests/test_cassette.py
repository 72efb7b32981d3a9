"""Cassettes: record against real loopback servers, replay with the servers gone, no secret on disk."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.cassette import RECORD_MODE_ENV, RECORDED_ORIGIN, active_cassettes, replaying

CANARY = "canary-TOKEN-7f3a9c1e5b2d"
ISSUED = "issued-ACCESS-4d2c8e1f9a7b"
REFRESH = "refresh-TOKEN-0b9e7d6c5a4f"
CLIENT_SECRET = "client-SECRET-31c7a9e2d4"
API_KEY = "key-in-query-5e8f1a2b3c"


@pytest.fixture(autouse=True)
def _no_leftover_cassettes() -> Iterator[None]:
    yield
    for cassette in active_cassettes():
        cassette.stop()


@pytest.fixture
def echo_api() -> Iterator[HTTPServer]:
    """An API that echoes the credentials it got (as some do), sets cookies, and gzips a body."""
    httpserver = HTTPServer(host="127.0.0.1")
    httpserver.start()

    def me(request: Request) -> Response:
        body = {
            "login": "octocat",
            "seen_authorization": request.headers.get("Authorization"),
            "note": f"your token is {request.headers.get('Authorization', '').removeprefix('Bearer ')}",
            "api_key": request.args.get("api_key"),
        }
        response = Response(json.dumps(body), content_type="application/json")
        response.headers["Set-Cookie"] = f"session={CANARY}; HttpOnly"
        return response

    def zipped(request: Request) -> Response:
        echo = request.headers.get("Authorization")
        payload = json.dumps({"items": [{"id": 1, "title": "zipped", "echo": echo}]})
        response = Response(gzip.compress(payload.encode()), content_type="application/json")
        response.headers["Content-Encoding"] = "gzip"
        return response

    def token(request: Request) -> Response:
        body = {
            "access_token": ISSUED,
            "refresh_token": REFRESH,
            "id_token": "id-" + ISSUED,
            "token_type": "Bearer",
            "expires_in": 3600,
        }
        return Response(json.dumps(body), content_type="application/json")

    def items(request: Request) -> Response:
        body = {"results": [{"id": i, "who": request.headers.get("Authorization")} for i in (1, 2)]}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/me").respond_with_handler(me)
    httpserver.expect_request("/zipped").respond_with_handler(zipped)
    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/items").respond_with_handler(items)
    yield httpserver
    if httpserver.is_running():
        httpserver.stop()


def _record_everything(server: HTTPServer, path: Path) -> dict[str, object]:
    base = server.url_for("/").rstrip("/")
    with bk.use_cassette(path):
        api = bk.Client(base, CANARY)
        me = api.get("me", {"api_key": API_KEY, "page": 1})
        zipped = api.get_df("zipped")
        oauth = bk.ClientCredentials(
            server.url_for("/oauth/token"), "my-client", CLIENT_SECRET, client_auth="post"
        )
        with bk.Client(base, auth=oauth) as via_oauth:
            items = via_oauth.get_df("items")
    return {"me": me, "zipped": zipped, "items": items}


def test_recorded_file_holds_no_secret(echo_api: HTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "cassettes" / "api.yaml"
    _record_everything(echo_api, path)
    raw = path.read_bytes()
    assert b"octocat" in raw  # it really recorded
    for secret in (CANARY, ISSUED, REFRESH, CLIENT_SECRET, API_KEY):
        assert secret.encode() not in raw, secret
    text = raw.decode()
    for header in ("Authorization", "Set-Cookie", "Cookie:"):
        assert header not in text


def test_replay_without_servers_gives_identical_frames(
    echo_api: HTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "api.yaml"
    recorded = _record_everything(echo_api, path)
    base = echo_api.url_for("/").rstrip("/")
    echo_api.clear_log()
    echo_api.stop()
    with bk.use_cassette(path) as tape:  # "once" with an existing file: replay only
        assert tape.replay_only
        api = bk.Client(base, "a-different-token-entirely")
        zipped = api.get_df("zipped")
        assert zipped["echo"].tolist() == ["***"]  # the echoed token was scrubbed on recording
        assert zipped.drop(columns="echo").equals(recorded["zipped"].drop(columns="echo"))  # type: ignore[union-attr]
        oauth = bk.ClientCredentials(
            echo_api.url_for("/oauth/token"), "my-client", "any-secret-at-all", client_auth="post"
        )
        with bk.Client(base, auth=oauth) as via_oauth:
            items = via_oauth.get_df("items")
        assert items["id"].tolist() == [1, 2]
        assert items.drop(columns="who").equals(recorded["items"].drop(columns="who"))  # type: ignore[union-attr]


def test_a_miss_in_replay_raises_cassette_error_and_sends_nothing(
    echo_api: HTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "api.yaml"
    _record_everything(echo_api, path)
    echo_api.clear_log()
    base = echo_api.url_for("/").rstrip("/")
    with bk.use_cassette(path, record_mode="none"):
        api = bk.Client(base, CANARY)
        with pytest.raises(bk.CassetteError) as caught:
            api.get("never-recorded", {"api_key": API_KEY})
    message = str(caught.value)
    assert "GET" in message and "never-recorded" in message and str(path) in message
    assert API_KEY not in message and CANARY not in message
    assert caught.value.path == str(path)
    assert echo_api.log == []  # nothing reached the server


def test_environment_mode_beats_the_argument(
    echo_api: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "api.yaml"
    _record_everything(echo_api, path)
    echo_api.clear_log()
    monkeypatch.setenv(RECORD_MODE_ENV, "none")
    with bk.use_cassette(path, record_mode="all") as tape:
        assert tape.mode == "none"
        with pytest.raises(bk.CassetteError, match=RECORD_MODE_ENV):
            bk.Client(echo_api.url_for("/").rstrip("/"), CANARY).get("new-path")
    assert echo_api.log == []


def test_none_mode_without_a_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(bk.CassetteError, match="does not exist"):
        bk.use_cassette(tmp_path / "missing.yaml", record_mode="none")


def test_bad_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="once, none, new_episodes, all"):
        bk.use_cassette(tmp_path / "x.yaml", record_mode="sometimes")


def test_client_cassette_records_until_close(tmp_path: Path) -> None:
    path = tmp_path / "client.yaml"
    with sandbox.start(token=CANARY) as sb:
        with bk.Client(sb.url, CANARY, cassette=path) as api:
            live = api.get_df("genre/movie/list")
            assert path.exists()  # written as it goes: a notebook may never close the client
        assert not active_cassettes()
        url = sb.url
    with bk.Client(url, cassette=path, record_mode="none") as api:
        assert api.get_df("genre/movie/list").equals(live)
    assert CANARY not in path.read_text()


def test_cassette_replays_paginate_from_sandbox_on_another_port(tmp_path: Path) -> None:
    path = tmp_path / "pages.yaml"
    with (
        sandbox.start(token=CANARY) as sb,
        bk.use_cassette(path),
        pytest.warns(UserWarning, match="max_pages=3 reached"),
    ):
        live = bk.Client(sb.url, CANARY).paginate(
            "discover/movie", max_pages=3, workers=1, progress=False
        )
    with (
        sandbox.start() as other,
        bk.use_cassette(path, record_mode="none"),
        pytest.warns(UserWarning, match="max_pages=3 reached"),
    ):
        replayed = bk.Client(other.url, other.token).paginate(
            "discover/movie", max_pages=3, workers=1, progress=False
        )
    assert replayed.equals(live)


def test_replaying_is_true_only_inside_a_replay(echo_api: HTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    assert not replaying()
    with bk.use_cassette(path):  # recording: not a replay
        assert not replaying()
        bk.Client(echo_api.url_for("/").rstrip("/"), CANARY).get("me")
    with bk.use_cassette(path):
        assert replaying()
    assert not replaying()


def test_load_token_in_replay_needs_nothing_configured(
    echo_api: HTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "api.yaml"
    with bk.use_cassette(path):
        bk.Client(echo_api.url_for("/").rstrip("/"), CANARY).get("me")
    with pytest.raises(bk.TokenError):
        bk.load_token("GITHUB_TOKEN")  # outside a replay it still fails
    with bk.use_cassette(path, record_mode="none"):
        token = bk.load_token("GITHUB_TOKEN")
        assert "cassette" in token.source
        data = bk.Client(echo_api.url_for("/").rstrip("/"), token).get("me")
    assert data["login"] == "octocat"


def test_repr_names_the_file_not_secrets(tmp_path: Path) -> None:
    tape = bk.Cassette(tmp_path / "x.yaml", record_mode="all")
    assert "x.yaml" in repr(tape) and "stopped" in repr(tape)


def test_vcrpy_internals_bearerkit_relies_on() -> None:
    """Fails loudly when a vcrpy release moves what the cassette wrapper uses."""
    import inspect

    from vcr.cassette import Cassette as VcrCassette
    from vcr.errors import CannotOverwriteExistingCassetteException

    assert list(inspect.signature(VcrCassette.append).parameters) == ["self", "request", "response"]
    assert callable(VcrCassette._save)
    assert "cassette" in inspect.getsource(CannotOverwriteExistingCassetteException.__init__)


@pytest.mark.parametrize("style", ["github/items", "spotify/search", "graph/users"])
def test_link_and_next_url_paging_replays_on_another_port(tmp_path: Path, style: str) -> None:
    """Absolute next links hold the recording's origin; a replay gets its own back."""
    path = tmp_path / "styles.yaml"
    params = {"q": "x", "type": "track"} if style.startswith("spotify") else None
    with sandbox.start(token=CANARY) as sb, bk.use_cassette(path):
        live = bk.Client(sb.styles_url, CANARY).paginate(style, params, progress=False)
    assert len(live) == 57
    assert RECORDED_ORIGIN in path.read_text()  # next links stored with a neutral origin
    with bk.use_cassette(path, record_mode="none"):
        # Nothing listens on port 9: only the cassette can answer.
        replayed = bk.Client("http://127.0.0.1:9/styles").paginate(style, params, progress=False)
    assert replayed.equals(live)


def test_concurrent_paging_records_every_page(tmp_path: Path) -> None:
    path = tmp_path / "pages.yaml"
    with sandbox.start(token=CANARY) as sb, bk.use_cassette(path):
        live = bk.Client(sb.styles_url, CANARY).paginate(
            "github/items", {"per_page": 5}, workers=4, progress=False
        )
    assert len(live) == 57
    with bk.use_cassette(path, record_mode="none"):
        replayed = bk.Client("http://127.0.0.1:9/styles").paginate(
            "github/items", {"per_page": 5}, workers=4, progress=False
        )
    assert replayed.equals(live)
