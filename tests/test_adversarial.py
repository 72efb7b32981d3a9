"""An adversarial probe: a canary secret against hostile loopback servers.

Each test plays one hostile answer, fault or misuse and asserts the canary reaches
no repr, message, exception chain, traceback local, log line, warning, file or
other host, and that the failure is one readable bearerkit error.
"""

from __future__ import annotations

import gzip
import json
import logging
import warnings
from pathlib import Path
from typing import Any

import pytest

import bearerkit as bk
from bearerkit.errors import BearerkitError

from .adversarial_servers import Seen, canary, exception_leaks, serve
from .conftest import closed_port

LOGGERS = ("bearerkit", "urllib3", "requests_cache")


@pytest.fixture
def secret() -> str:
    return canary()


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def raised(call: Any) -> BearerkitError:
    """The bearerkit error ``call()`` raises (anything else fails the test)."""
    with pytest.raises(BearerkitError) as info:
        call()
    return info.value


def json_answer(obj: Any, status: int = 200, headers: tuple = ()) -> tuple:
    return status, [("Content-Type", "application/json"), *headers], json.dumps(obj).encode()


# -- the client with a canary token ------------------------------------------------------


def test_echoed_token_in_401_body_html_and_reason_never_shown(secret, debug_logs) -> None:
    def answer(req: Seen) -> tuple:
        if req.path.startswith("/json"):
            return json_answer({"status_message": f"bad token {secret}"}, 401)
        return 200, [("Content-Type", "text/html")], f"<html>{secret}</html>".encode()

    with serve(answer) as srv, bk.Client(srv.url, secret, retries=0) as api:
        for path in ("json", "html"):
            err = raised(lambda p=path: api.get(p, params={"api_key": secret}))
            assert exception_leaks(secret, err) == []
        assert secret not in repr(api) and secret not in str(api.token)
    assert secret not in log_text(debug_logs)


def test_retries_429_and_503_keep_secrets_out_of_logs(secret, debug_logs) -> None:
    calls = {"n": 0}

    def answer(req: Seen) -> tuple:
        calls["n"] += 1
        if calls["n"] == 1:
            return json_answer({"message": secret}, 503)
        if calls["n"] == 2:
            return json_answer({"message": secret}, 429, (("Retry-After", "0"),))
        return json_answer({"results": [{"id": 1}]})

    with serve(answer) as srv, bk.Client(srv.url, secret, retries=3) as api:
        df = api.get_df("x", params={"api_key": secret})
    assert len(df) == 1 and calls["n"] == 3
    assert secret not in log_text(debug_logs)


def test_rate_limit_over_max_wait_is_one_error(secret) -> None:
    def answer(req: Seen) -> tuple:
        return json_answer({"status_message": secret}, 429, (("Retry-After", "3600"),))

    with serve(answer) as srv, bk.Client(srv.url, secret, max_wait=1) as api:
        err = raised(lambda: api.get("x", params={"api_key": secret}))
    assert isinstance(err, bk.RateLimitError)
    assert exception_leaks(secret, err) == []


def test_bad_gzip_is_a_format_error(secret) -> None:
    def answer(req: Seen) -> tuple:
        return (
            200,
            [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
            (gzip.compress(b'{"a": 1}')[:12] + secret.encode()),
        )

    with serve(answer) as srv, bk.Client(srv.url, secret, retries=0) as api:
        err = raised(lambda: api.get("x"))
    assert isinstance(err, bk.ResponseFormatError), err
    assert exception_leaks(secret, err) == []


def test_empty_200_body_where_a_frame_is_expected(secret) -> None:
    with serve(lambda req: (200, [], b"")) as srv, bk.Client(srv.url, secret) as api:
        err = raised(lambda: api.get_df("x", params={"api_key": secret}))
        assert api.get("x") is None  # get() still says "nothing" its own way
    assert isinstance(err, bk.ResponseFormatError) and "empty body" in str(err)
    assert exception_leaks(secret, err) == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_host_never_carries_the_token(secret, status) -> None:
    with serve(lambda req: json_answer({"results": [{"x": secret}]})) as other:

        def answer(req: Seen) -> tuple:
            return status, [("Location", f"{other.url}/elsewhere?api_key={secret}")], b""

        with serve(answer) as srv, bk.Client(srv.url, secret) as api:
            try:
                api.get("x", params={"api_key": secret})
            except BearerkitError as err:
                assert exception_leaks(secret, err) == []
    assert other.seen, "the redirect was followed"
    assert all("Authorization" not in s.headers for s in other.seen)


def test_closed_port_is_a_network_error(secret) -> None:
    with bk.Client(f"http://127.0.0.1:{closed_port()}", secret, retries=1) as api:
        err = raised(lambda: api.get("x", params={"api_key": secret}))
    assert isinstance(err, bk.NetworkError)
    assert exception_leaks(secret, err) == []


# -- paging ---------------------------------------------------------------------------------


def test_paging_next_links_with_api_key_are_masked_in_attrs(secret) -> None:
    def answer(req: Seen) -> tuple:
        page = int(req.path.partition("page=")[2].partition("&")[0] or 1)
        nxt = f"/items?page={page + 1}&api_key={secret}" if page < 3 else None
        return json_answer({"data": [{"n": page}], "next": nxt})

    with serve(answer) as srv, bk.Client(srv.url, secret) as api:
        with pytest.warns(UserWarning) as caught:
            df = api.paginate("items", params={"api_key": secret}, max_pages=2, progress=False)
        rest = api.paginate("items", params={"api_key": secret}, resume=df, progress=False)
    assert df.attrs["paging"]["complete"] is False and rest.attrs["paging"]["complete"]
    assert list(rest["n"]) == [1, 2, 3]
    assert secret not in repr(df.attrs) + repr(rest.attrs)
    assert all(secret not in str(w.message) for w in caught)


def test_masked_url_is_a_plain_str_with_a_masked_repr(secret) -> None:
    from bearerkit.redact import MaskedURL

    url = MaskedURL(f"https://x/items?page=2&access_token={secret}")
    assert str(url) == f"https://x/items?page=2&access_token={secret}" == url
    assert secret not in repr(url) and "page=2" in repr(url)


def test_paging_error_partial_attrs_hold_no_secret(secret) -> None:
    def answer(req: Seen) -> tuple:
        page = int(req.path.partition("page=")[2].partition("&")[0] or 1)
        if page == 3:
            return json_answer({"status_message": secret}, 500)
        return json_answer(
            {"data": [{"n": page}], "next": f"/items?page={page + 1}&api_key={secret}"}
        )

    with serve(answer) as srv, bk.Client(srv.url, secret, retries=0) as api:
        err = raised(lambda: api.paginate("items", params={"api_key": secret}, progress=False))
    assert err.partial is not None and len(err.partial) == 2
    assert exception_leaks(secret, err) == []


def test_next_link_credential_not_in_client_frame_locals(secret) -> None:
    def answer(req: Seen) -> tuple:
        if "page=2" in req.path:
            return json_answer({"message": "down"}, 500)
        return json_answer({"data": [{"n": 1}], "next": f"/items?page=2&access_token={secret}"})

    with serve(answer) as srv, bk.Client(srv.url, retries=0) as api:
        err = raised(lambda: api.paginate("items", progress=False))
    assert exception_leaks(secret, err) == []


def test_page_and_paging_keys_hold_no_credential(secret) -> None:
    request = bk.paging.PageRequest("GET", f"https://x/items?page=2&access_token={secret}")
    page = bk.paging.Page(
        request,
        {"next": f"https://x/items?access_token={secret}"},
        url=f"https://x/items?page=2&access_token={secret}",
    )
    assert secret not in repr(request) + repr(page) + repr(request.key())
    other = bk.paging.PageRequest("GET", "https://x/items?page=3&access_token=x")
    assert request.key() == bk.paging.PageRequest(request.method, request.path).key()
    assert request.key() != other.key()


def test_next_link_to_another_host_is_refused(secret) -> None:
    with serve(lambda req: json_answer({"data": [{"n": 9}], "next": None})) as other:

        def answer(req: Seen) -> tuple:
            return json_answer({"data": [{"n": 1}], "next": f"{other.url}/items?page=2"})

        with serve(answer) as srv, bk.Client(srv.url, secret) as api:
            err = raised(lambda: api.paginate("items", progress=False))
    assert isinstance(err, bk.PagingError)
    assert other.seen == []
    assert exception_leaks(secret, err) == []


def test_link_header_to_another_host_is_refused(secret) -> None:
    with serve(lambda req: json_answer([{"n": 9}])) as other:

        def answer(req: Seen) -> tuple:
            return json_answer([{"n": 1}], 200, (("Link", f'<{other.url}/i?page=2>; rel="next"'),))

        with serve(answer) as srv, bk.Client(srv.url, secret) as api:
            err = raised(lambda: api.paginate("items", progress=False))
    assert isinstance(err, bk.PagingError) and other.seen == []


def test_next_link_loop_and_repeated_cursor_end_in_one_error(secret) -> None:
    def answer(req: Seen) -> tuple:
        if req.path.startswith("/loop"):
            return json_answer({"data": [{"n": 1}], "next": "/loop?page=1"})
        return json_answer({"data": [{"n": 1}], "next_cursor": "same", "has_more": True})

    with serve(answer) as srv, bk.Client(srv.url, secret) as api:
        for path in ("loop", "cursor"):
            err = raised(lambda p=path: api.paginate(p, progress=False))
            assert isinstance(err, bk.PagingError), (path, err)
    assert len(srv.seen) < 10


def test_non_json_page_and_non_list_endpoint(secret) -> None:
    def answer(req: Seen) -> tuple:
        if req.path.startswith("/one"):
            return json_answer({"id": 1, "name": "a thing"})
        if "page=2" in req.path:
            return 200, [("Content-Type", "text/html")], b"<html>oops</html>"
        return json_answer({"results": [{"n": 1}], "page": 1, "total_pages": 3})

    with serve(answer) as srv, bk.Client(srv.url, secret) as api:
        df = api.paginate("one", progress=False)
        assert len(df) == 1
        err = raised(lambda: api.paginate("many", progress=False, workers=1))
    assert isinstance(err, bk.ResponseFormatError)
    assert err.partial is not None


# -- OAuth client credentials ------------------------------------------------------------


def token_endpoint(access: str, secret: str, *, api_status: int = 200, echo: bool = False):
    """A token endpoint issuing ``access`` (and, with ``echo``, quoting the client secret)."""

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            if echo:
                return json_answer({"error": "invalid_client", "error_description": secret}, 401)
            return json_answer({"access_token": access, "token_type": "Bearer", "expires_in": 3600})
        if req.headers.get("Authorization") != f"Bearer {access}":
            return json_answer({"message": f"bad {req.headers.get('Authorization')}"}, 401)
        return json_answer({"results": [{"id": 1, "echo": "ok"}]}, api_status)

    return answer


def test_oauth_refused_exchange_never_shows_the_client_secret(debug_logs) -> None:
    client_secret, access = canary("SECRET"), canary("ACCESS")
    with serve(token_endpoint(access, client_secret, echo=True)) as srv:
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "my-client", client_secret)
        assert client_secret not in repr(creds) + str(creds)
        with bk.Client(srv.url, auth=creds) as api:
            err = raised(lambda: api.get("x"))
            assert client_secret not in repr(api)
    assert isinstance(err, bk.AuthError)
    assert exception_leaks(client_secret, err) == []
    assert client_secret not in log_text(debug_logs)


@pytest.mark.parametrize("status", [302, 307])
def test_oauth_401_after_redirect_elsewhere_is_not_resent(status) -> None:
    client_secret, access = canary("SECRET"), canary("ACCESS")
    with serve(lambda req: json_answer({"message": "who are you"}, 401)) as other:

        def answer(req: Seen) -> tuple:
            if req.path.startswith("/oauth/token"):
                return json_answer({"access_token": access, "token_type": "Bearer"})
            return status, [("Location", f"{other.url}/x")], b""

        with serve(answer) as srv:
            creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
            with bk.Client(srv.url, auth=creds) as api:
                err = raised(lambda: api.get("x"))
    assert isinstance(err, bk.AuthError)
    assert other.seen and access not in other.all_text() and client_secret not in other.all_text()
    assert exception_leaks(access, err) == [] and exception_leaks(client_secret, err) == []


def test_oauth_echoed_access_token_is_scrubbed(debug_logs) -> None:
    client_secret, access = canary("SECRET"), canary("ACCESS")

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            return json_answer({"access_token": access, "token_type": "Bearer"})
        return 403, [("Content-Type", "text/html")], f"<p>{req.headers}</p>".encode()

    with serve(answer) as srv:
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
        with bk.Client(srv.url, auth=creds) as api:
            err = raised(lambda: api.get("x"))
    assert isinstance(err, bk.AuthError)
    for value in (access, client_secret):
        assert exception_leaks(value, err) == []
        assert value not in log_text(debug_logs)


@pytest.mark.parametrize(
    "issued",
    [
        {"access_token": "CANARY\r\nX-Evil: 1", "token_type": "Bearer"},
        {"access_token": "CANARY-é-ü", "token_type": "Bearer"},
        {"access_token": "CANARY", "token_type": "mac"},
        {"access_token": "CANARY", "token_type": "Bearer", "expires_in": 1e12},
        {"access_token": "CANARY", "token_type": "Bearer", "expires_in": "soon"},
        {"token_type": "Bearer"},
        ["CANARY"],
    ],
)
def test_oauth_odd_token_answers_are_one_error(issued: Any) -> None:
    client_secret, access = canary("SECRET"), canary("ACCESS")
    body = json.dumps(issued).replace("CANARY", access)

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            return 200, [("Content-Type", "application/json")], body.encode()
        return json_answer({"results": [{"id": 1}]})

    with serve(answer) as srv:
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
        with bk.Client(srv.url, auth=creds) as api:
            try:
                api.get("x")
            except BearerkitError as err:
                assert exception_leaks(access, err) == []
                assert exception_leaks(client_secret, err) == []


# -- the cache file and cassettes ---------------------------------------------------------


def test_cache_file_holds_no_credential_on_any_path(tmp_path: Path) -> None:
    client_secret, access, key = canary("SECRET"), canary("ACCESS"), canary("KEY")
    issued = {"n": 0}

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            issued["n"] += 1
            return json_answer({"access_token": f"{access}{issued['n']}", "token_type": "Bearer"})
        if req.path.startswith("/moved"):
            return 301, [("Location", "/x?page=1")], b""
        if req.path.startswith("/stale") and issued["n"] == 1:
            return json_answer({"message": "expired"}, 401)
        return json_answer({"results": [{"id": 1}]}, 200, (("Set-Cookie", f"s={access}"),))

    db = tmp_path / "cache.sqlite"
    with serve(answer) as srv:
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
        with bk.Client(srv.url, auth=creds, cache=db) as api:
            for path in ("moved", "stale", "x"):
                api.get(path, params={"api_key": key})
                assert api.get(path, params={"api_key": key}) is not None
    data = b"".join(p.read_bytes() for p in tmp_path.glob("cache.sqlite*"))
    for value in (client_secret, access, key):
        assert value.encode() not in data, value
    assert issued["n"] == 2


def test_cassette_records_no_secret_and_replay_miss_is_one_error(tmp_path: Path) -> None:
    client_secret, access, key = canary("SECRET"), canary("ACCESS"), canary("KEY")

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            return json_answer(
                {"access_token": access, "token_type": "Bearer", "refresh_token": access}
            )
        echo = {"results": [{"auth": req.headers.get("Authorization"), "path": req.path}]}
        return json_answer(echo, 200, (("Set-Cookie", f"s={access}"), ("X-Echo", access)))

    tape = tmp_path / "tape.yaml"
    with serve(answer) as srv:
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
        with bk.Client(srv.url, auth=creds, cassette=tape) as api:
            recorded = api.get_df("x", params={"api_key": key})
            assert client_secret not in repr(api.cassette)
        data = tape.read_bytes()
        for value in (client_secret, access, key):
            assert value.encode() not in data, value
        seen = len(srv.seen)
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", "another-secret")
        with bk.Client(srv.url, auth=creds, cassette=tape, record_mode="none") as api:
            replayed = api.get_df("x", params={"api_key": key})
            err = raised(lambda: api.get("other", params={"api_key": key}))
        assert len(srv.seen) == seen
    assert list(replayed.columns) == list(recorded.columns)
    assert isinstance(err, bk.CassetteError)
    for value in (client_secret, access, key):
        assert exception_leaks(value, err) == []


@pytest.mark.parametrize("content", [b"interactions: [ {", b"\x00\xff\xfe garbage", b"- 1\n- 2\n"])
def test_corrupt_cassette_is_one_error(tmp_path: Path, content: bytes) -> None:
    tape = tmp_path / "tape.yaml"
    tape.write_bytes(content)
    with serve(lambda req: json_answer({"results": []})) as srv:

        def call() -> None:
            with bk.Client(srv.url, "tok-abc", cassette=tape) as api:
                api.get("x")

        err = raised(call)
        assert isinstance(err, bk.CassetteError) and str(tape) in str(err)
        assert err.__context__ is None and err.__cause__ is None
        assert not bk.cassette.active_cassettes()
        with bk.Client(srv.url, "tok-abc") as api:  # nothing left patched: the server answers
            assert api.get("x") == {"results": []}
    assert srv.seen


@pytest.mark.parametrize(
    "options",
    [
        {"cassette": "t.yaml", "record_mode": "sometimes"},
        {"rate_limit": "10/fortnight"},
        {"rate_limit": float("nan")},
        {"retries": -1},
    ],
)
def test_bad_options_are_one_readable_error(options: dict[str, Any]) -> None:
    # Argument mistakes are ValueErrors (bearerkit's convention, as in requests), each
    # naming the bad value and what is accepted; never a traceback from deeper down.
    with pytest.raises(ValueError) as info:
        bk.Client("http://127.0.0.1:9", **options)
    assert info.value.__context__ is None
    assert repr(list(options.values())[-1])[:6] in str(info.value)


# -- misuse and hostile answers: one readable error each ------------------------------------


def test_load_token_failures(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    err = raised(lambda: bk.load_token("TMDB_TOKEN"))  # no .env anywhere
    assert isinstance(err, bk.TokenError) and "TMDB_TOKEN" in str(err)
    (clean_env / ".env").mkdir()  # a directory named .env
    err = raised(lambda: bk.load_token("TMDB_TOKEN"))
    assert isinstance(err, bk.TokenError) and ".env" in str(err)
    monkeypatch.setenv("BEARERKIT_ENV_FILE", str(clean_env / ".env"))
    err = raised(lambda: bk.load_token("TMDB_TOKEN"))
    assert isinstance(err, bk.TokenError)


@pytest.mark.parametrize("raw", ["\u201c{s}\u201d", "{s}\u200b", "{s} {s}", "Bearer  {s} x"])
def test_mangled_token_in_env_names_no_secret(clean_env: Path, raw: str) -> None:
    value = canary()
    (clean_env / ".env").write_text(f"TMDB_TOKEN={raw.format(s=value)}\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        err = raised(lambda: bk.load_token("TMDB_TOKEN"))
    assert all(value not in str(w.message) for w in caught)
    assert isinstance(err, bk.TokenError)
    assert exception_leaks(value, err) == []


def test_v3_key_as_bearer_says_so(shared_sandbox: Any) -> None:
    key = secrets_hex = "".join(f"{n:x}" for n in range(16)) * 2
    with bk.Client(shared_sandbox.url, key) as api:
        err = raised(lambda: api.get("genre/movie/list"))
    assert isinstance(err, bk.AuthError) and "v3 API key" in str(err)
    assert exception_leaks(secrets_hex, err) == []


def test_tmdb_layer_bad_language_and_unknown_endpoint(shared_sandbox: Any) -> None:
    # The sandbox, like TMDB, answers an unknown language with English names: only a
    # check before sending can tell the user.
    tmdb = bk.tmdb.connect(backend="sandbox", quiet=True)
    for call in (
        lambda: tmdb.genres("movie", language="xx-INVALID"),
        lambda: tmdb.genre_table(languages=("en", "xx-INVALID")),
        lambda: tmdb.genre_names("both", "en US"),
        lambda: tmdb.client.get_df("no/such/endpoint"),
        lambda: tmdb.genres("films"),  # type: ignore[arg-type]
    ):
        with pytest.raises((BearerkitError, ValueError)) as info:
            call()
        assert info.value.__context__ is None or isinstance(info.value.__context__, BearerkitError)
    assert list(tmdb.genres("movie", language="pt-BR").columns) == ["id", "name"]
    with pytest.raises(ValueError, match="xx-INVALID"):
        bk.tmdb.TMDB(tmdb.client, language="xx-INVALID")


def test_clock_time_far_ahead_is_words_not_overflow() -> None:
    from bearerkit.ratelimit.countdown import clock_time

    assert clock_time(1e20) == "a time too far ahead to show"


def test_trickling_server_is_cut_at_the_deadline(secret) -> None:
    import time

    from .rawserver import raw_server

    def trickle(head: bytes):
        yield b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
        for _ in range(200):
            yield b" "
            yield 0.05

    with raw_server(trickle) as (url, heads), bk.Client(url, secret) as api:
        started = time.monotonic()
        err = raised(lambda: api.get("x", timeout=0.5, params={"api_key": secret}))
        took = time.monotonic() - started
    assert isinstance(err, bk.NetworkError) and "timed out" in str(err)
    assert took < 3, took
    assert len(heads) == 1  # not retried
    assert exception_leaks(secret, err) == []


@pytest.mark.parametrize("value", ["soon", "-1", "1.5", "", "nan", "inf", "99999999999999999999"])
def test_malformed_retry_after_is_never_a_network_error(secret, value: str) -> None:
    calls = {"n": 0}

    def answer(req: Seen) -> tuple:
        calls["n"] += 1
        if calls["n"] == 1:
            return json_answer({"m": 1}, 429, (("Retry-After", value),))
        return json_answer({"results": [{"id": 1}]})

    with serve(answer) as srv, bk.Client(srv.url, secret, max_wait=2) as api:
        try:
            assert api.get("x") == {"results": [{"id": 1}]}
        except BearerkitError as err:
            assert isinstance(err, bk.RateLimitError), err


def test_api_explorer_code_never_holds_the_token(secret, shared_sandbox: Any) -> None:
    pytest.importorskip("ipywidgets")
    from bearerkit.widgets import ApiExplorer

    with bk.Client(shared_sandbox.url, shared_sandbox.token) as api:
        box = ApiExplorer(api, path="genre/movie/list", params=f"api_key={secret}&language=de")
        box.fetch()
        assert secret not in box.code and shared_sandbox.token not in box.code
        assert secret not in box.error


def test_tmdb_page_cap_stops_and_says_so(shared_sandbox: Any) -> None:
    api = bk.Client(shared_sandbox.url, shared_sandbox.token, page_cap=2)
    with api, pytest.warns(UserWarning):
        df = api.paginate("discover/movie", progress=False)
    assert df.attrs["paging"]["complete"] is False and df.attrs["paging"]["pages"] == 2


# -- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "codes"),
    [
        (["genres", "--language", "xx-INVALID"], (1, 2)),
        (["genres", "--format", "nope"], (2,)),
        (["genres", "--kind", "films"], (2,)),
        (["discover", "--pages", "0"], (2,)),
        (["discover", "--year", "0"], (2,)),
        (["genres", "--output", "/nonexistent-dir/x.csv"], (1, 2)),
        (["genres", "--backend", "tmdb"], (1, 2)),
        (["nosuchcommand"], (2,)),
        (["genres", "--env-file", "."], (1,)),
        (["discover", "--language", "en US"], (2,)),
    ],
)
def test_cli_failures_are_one_line(
    clean_env: Path, args: list[str], codes: tuple[int, ...]
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "BEARERKIT_"))}
    out = subprocess.run(
        [sys.executable, "-m", "bearerkit", *args],
        cwd=clean_env,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode in codes, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert (
        len([line for line in lines if not line.startswith("usage:") and not line.startswith(" ")])
        == 1
    ), out.stderr


# -- hostile TMDB-shaped answers ----------------------------------------------------------


GENRES = {"genres": [{"id": 28, "name": "Action"}]}


@pytest.mark.parametrize(
    "page",
    [
        {"page": 1, "results": None, "total_pages": 2},
        {"page": 1, "results": [{"id": 1, "genre_ids": None}], "total_pages": 1},
        {"page": 1, "results": [{"id": 1, "genre_ids": [28]}], "total_pages": "many"},
        {"page": 1, "results": "oops", "total_pages": 1},
        [1, 2, 3],
        "just a string",
    ],
)
def test_tmdb_discover_never_trusts_the_shape(secret, page: Any) -> None:
    def answer(req: Seen) -> tuple:
        if "genre/" in req.path:
            return json_answer(GENRES)
        return json_answer(page)

    with serve(answer) as srv:
        tmdb = bk.tmdb.connect(secret, base_url=srv.url, quiet=True)
        try:
            df = tmdb.discover("movie", pages=3, progress=False)
        except BearerkitError as err:
            # A paging field that is there but unusable ("many") is a PagingError (issue 19.21).
            assert isinstance(err, (bk.ResponseFormatError, bk.PagingError)), err
            assert exception_leaks(secret, err) == []
        else:  # only a genuinely empty answer may come back, and never as a 'value' column
            assert "value" not in df.columns and len(df) <= 1


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'"text"', b'{"genres": null}', b'{"genres": [{"name": "x"}]}', b"[" * 100_000],
)
def test_tmdb_genres_never_trust_the_shape(secret, body: bytes) -> None:
    answer = lambda req: (200, [("Content-Type", "application/json")], body)  # noqa: E731
    with serve(answer) as srv:
        tmdb = bk.tmdb.connect(secret, base_url=srv.url, quiet=True)
        err = raised(lambda: tmdb.genre_table(languages=("en",)))
    assert isinstance(err, bk.ResponseFormatError), err


@pytest.mark.parametrize(
    "location",
    [
        b"http://[::1",
        b"http://127.0.0.1:99999/x",
        b"http://127.0.0.1:abc/",
        b"http://" + b"a" * 300 + b".com/",
        b"/caf\xe9",
    ],
)
def test_unusable_redirect_location_is_one_error(secret, location: bytes) -> None:
    from .rawserver import raw_server, response_bytes

    def script(head: bytes):
        yield response_bytes("302 Found", [("Location", location)])

    with raw_server(script) as (url, _heads), bk.Client(url, secret) as api:
        try:
            api.get("x", params={"api_key": secret})
        except BearerkitError as err:
            assert exception_leaks(secret, err) == []


def test_truncated_gzip_and_deep_json_are_format_errors(secret) -> None:
    def answer(req: Seen) -> tuple:
        if req.path.startswith("/deep"):
            return 200, [("Content-Type", "application/json")], b"[" * 200_000 + b"]" * 200_000
        big = gzip.compress(b'{"results": [' + b'{"id": 1},' * 50_000 + b'{"id": 2}]}')
        return 200, [("Content-Encoding", "gzip")], big[: len(big) // 2]

    with serve(answer) as srv, bk.Client(srv.url, secret, retries=0) as api:
        for path in ("deep", "gz"):
            err = raised(lambda p=path: api.get(p))
            assert isinstance(err, (bk.ResponseFormatError, bk.NetworkError)), (path, err)
            assert exception_leaks(secret, err) == []


def test_post_is_not_resent_after_503(secret) -> None:
    with (
        serve(lambda req: json_answer({"message": "busy"}, 503)) as srv,
        bk.Client(srv.url, secret, retries=3) as api,
    ):
        err = raised(lambda: api.post("x", json={"client_secret": secret}))
    assert isinstance(err, bk.ServerError) and len(srv.seen) == 1
    assert exception_leaks(secret, err, callers_own=("json",)) == []  # the caller's own body


def test_tmdb_discover_checks_the_language_before_sending(secret) -> None:
    with serve(lambda req: json_answer(GENRES)) as srv:
        tmdb = bk.tmdb.connect(secret, base_url=srv.url, quiet=True)
        with pytest.raises(ValueError, match="xx-INVALID"):
            tmdb.discover("movie", language="xx-INVALID", progress=False)
    assert srv.seen == []


def test_load_token_in_replay_returns_a_placeholder_and_not_outside(tmp_path: Path) -> None:
    tape = tmp_path / "t.yaml"
    with (
        serve(lambda req: json_answer({"results": [{"id": 1}]})) as srv,
        bk.use_cassette(tape, record_mode="all"),
    ):
        bk.Client(srv.url).get("x")
    raised(lambda: bk.load_token("NOPE_TOKEN"))
    with bk.use_cassette(tape, record_mode="none"):
        token = bk.load_token("NOPE_TOKEN")
        with bk.Client(srv.url, token) as api:
            assert api.get("x") == {"results": [{"id": 1}]}
    err = raised(lambda: bk.load_token("NOPE_TOKEN"))
    assert isinstance(err, bk.TokenError)


# -- frames written to disk -----------------------------------------------------------------


def _next_link_server(secret: str | None):
    def answer(req: Seen) -> tuple:
        page = int(req.path.partition("page=")[2].partition("&")[0] or 1)
        tail = f"&access_token={secret}" if secret else ""
        nxt = f"/items?page={page + 1}{tail}" if page < 3 else None
        return json_answer({"data": [{"n": page}], "next": nxt})

    return serve(answer)


def test_pickled_incomplete_frame_holds_no_next_link_credential(secret) -> None:
    import pickle

    with _next_link_server(secret) as srv, bk.Client(srv.url) as api, pytest.warns(UserWarning):
        df = api.paginate("items", max_pages=1, progress=False)
    data = pickle.dumps(df)
    assert secret.encode() not in data
    loaded = pickle.loads(data)
    assert "carry a credential" in loaded.attrs["paging"]["resume"]
    with bk.Client(srv.url) as api:
        err = raised(lambda: api.paginate("items", resume=loaded, progress=False))
    assert isinstance(err, bk.PagingError)


def test_pickled_incomplete_frame_without_credentials_still_resumes() -> None:
    import pickle

    with _next_link_server(None) as srv, bk.Client(srv.url) as api:
        with pytest.warns(UserWarning):
            df = api.paginate("items", max_pages=1, progress=False)
        loaded = pickle.loads(pickle.dumps(df))
        rest = api.paginate("items", resume=loaded, progress=False)
    assert list(rest["n"]) == [1, 2, 3]


# -- errors raised deep inside requests and urllib3 ----------------------------------------


def test_rate_limit_refusal_inside_a_retry_leaves_no_header_in_frames(secret) -> None:
    # The pacer refuses the resend inside urllib3's urlopen, whose `headers` local holds
    # the Authorization header.
    answer = lambda req: json_answer({"m": 1}, 503)  # noqa: E731
    with (
        serve(answer) as srv,
        bk.Client(srv.url, secret, rate_limit="1/10s", max_wait=1, retries=2) as api,
    ):
        err = raised(lambda: api.get("x", params={"api_key": secret}))
    assert isinstance(err, bk.RateLimitError) and len(srv.seen) == 1
    assert exception_leaks(secret, err) == []


def test_oauth_renewal_refused_after_a_401_leaves_no_token_in_frames() -> None:
    client_secret, access = canary("SECRET"), canary("ACCESS")
    issued = {"n": 0}

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            issued["n"] += 1
            if issued["n"] > 1:
                return json_answer({"error": "invalid_client", "error_description": "no"}, 401)
            return json_answer({"access_token": access, "token_type": "Bearer"})
        return json_answer({"message": "expired"}, 401)

    with serve(answer) as srv:
        creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
        with bk.Client(srv.url, auth=creds) as api:
            err = raised(lambda: api.get("x"))
    assert isinstance(err, bk.AuthError) and issued["n"] == 2
    assert exception_leaks(access, err) == [] and exception_leaks(client_secret, err) == []


def test_bad_redirect_from_a_hook_leaves_no_token_in_frames(secret) -> None:
    from .rawserver import raw_server, response_bytes

    def script(head: bytes):
        yield response_bytes("302 Found", [("Location", "http://127.0.0.1:99999/x")])

    with raw_server(script) as (url, _heads), bk.Client(url, secret) as api:
        err = raised(lambda: api.get("x"))
    assert isinstance(err, bk.ApiError)
    assert exception_leaks(secret, err) == []


def test_link_header_paging_with_key_in_links_logs_and_warns_nothing_secret(
    secret, debug_logs, tmp_path: Path
) -> None:
    def answer(req: Seen) -> tuple:
        page = int(req.path.partition("page=")[2].partition("&")[0] or 1)
        links = [f'<{req.path.split("?")[0]}?page={page + 1}&api_key={secret}>; rel="next"']
        if page >= 3:
            links = []
        return json_answer([{"n": page}], 200, tuple(("Link", link) for link in links))

    with (
        serve(answer) as srv,
        bk.Client(srv.url, secret, cache=tmp_path / "c.sqlite") as api,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        df = api.get_df("items", params={"api_key": secret})  # warns: more pages
        df2 = api.paginate("items", params={"api_key": secret}, max_pages=2, progress=False)
        full = api.paginate("items", params={"api_key": secret}, progress=False)
        again = api.paginate("items", params={"api_key": secret}, progress=False)  # cached
    assert len(df) == 1 and len(df2) == 2 and list(full["n"]) == [1, 2, 3] == list(again["n"])
    assert caught and all(secret not in str(w.message) for w in caught)
    assert secret not in log_text(debug_logs)
    assert secret not in repr(df2.attrs) + repr(full.attrs)
    data = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))
    assert secret.encode() not in data


def test_cache_keeps_out_answers_that_echo_the_credential(secret, tmp_path: Path) -> None:
    def answer(req: Seen) -> tuple:
        if req.path.startswith("/echo"):  # Facebook-style next link with the token in it
            return json_answer(
                {"data": [{"n": 1}], "paging": {"next": f"/x?access_token={secret}"}}
            )
        return json_answer({"data": [{"n": 2}]})

    with serve(answer) as srv, bk.Client(srv.url, secret, cache=tmp_path / "c.sqlite") as api:
        for _ in range(2):
            api.get("echo", params={"access_token": secret})
            api.get("plain")
    assert [s.path.split("?")[0] for s in srv.seen] == ["/echo", "/plain", "/echo"]
    data = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))
    assert secret.encode() not in data


def test_use_cassette_covers_tmdb_connect_and_the_token_exchange(tmp_path: Path) -> None:
    client_secret, access, token = canary("SECRET"), canary("ACCESS"), canary()

    def answer(req: Seen) -> tuple:
        if req.path.startswith("/oauth/token"):
            return json_answer({"access_token": access, "token_type": "Bearer", "expires_in": 60})
        echo = f"{req.headers.get('Authorization')} {req.path}"
        return json_answer(
            {"genres": [{"id": 28, "name": "Action"}], "echo": echo},
            200,
            (("Link", f'<{req.path}&api_key={token}>; rel="self"'),),
        )

    tape = tmp_path / "all.yaml"
    with serve(answer) as srv:
        with bk.use_cassette(tape):
            tmdb = bk.tmdb.connect(token, base_url=srv.url, quiet=True)
            first = tmdb.genres("movie")
            creds = bk.ClientCredentials(f"{srv.url}/oauth/token", "id", client_secret)
            with bk.Client(srv.url, auth=creds) as api:
                api.get("genre/tv/list", params={"api_key": token})
        data = tape.read_bytes()
        for value in (client_secret, access, token):
            assert value.encode() not in data, value
        seen = len(srv.seen)
        with bk.use_cassette(tape, record_mode="none"):
            again = bk.tmdb.connect("another-token", base_url=srv.url, quiet=True).genres("movie")
        assert len(srv.seen) == seen
    assert again.equals(first)


def test_env_file_that_is_a_folder_is_refused_not_ignored(clean_env: Path) -> None:
    err = raised(lambda: bk.load_token("TMDB_TOKEN", env_file=clean_env))
    assert isinstance(err, bk.TokenError) and err.reason == "unreadable"
    assert "not a file" in str(err)
    err = raised(lambda: bk.tmdb.connect(env_file=clean_env, quiet=True))  # no sandbox fallback
    assert isinstance(err, bk.TokenError)


def test_api_explorer_error_and_code_hold_no_secret(secret) -> None:
    pytest.importorskip("ipywidgets")
    from bearerkit.widgets import ApiExplorer

    def answer(req: Seen) -> tuple:
        if "page=2" in req.path:
            return 500, [("Content-Type", "text/html")], f"<p>{req.headers}</p>".encode()
        nxt = f"/items?page=2&access_token={secret}"
        return json_answer({"data": [{"n": 1}], "next": nxt})

    with serve(answer) as srv, bk.Client(srv.url, secret, retries=0) as api:
        box = ApiExplorer(api, path="items", params=f"api_key={secret}", all_pages=True)
        box.fetch()
        shown = f"{box.error} {box.code} {box.note} {box.status if hasattr(box, 'status') else ''}"
    assert box.error, "the failing second page is reported"
    assert secret not in shown


@pytest.mark.parametrize("empty_page", [1, 2])
def test_paging_empty_body_is_an_error_not_a_quiet_gap(secret, empty_page: int) -> None:
    def answer(req: Seen) -> tuple:
        page = int(req.path.partition("page=")[2].partition("&")[0] or 1)
        if page == empty_page:
            return 200, [], b""
        return json_answer({"page": page, "results": [{"n": page}], "total_pages": 3})

    with serve(answer) as srv, bk.Client(srv.url, secret) as api:
        err = raised(lambda: api.paginate("items", progress=False))
    assert isinstance(err, bk.ResponseFormatError) and "empty body" in str(err)
    if empty_page == 2:
        assert list(err.partial["n"]) == [1]
        assert err.partial.attrs["paging"]["complete"] is False


@pytest.mark.parametrize(
    "line",
    [
        "OAUTH_CLIENT_SECRET=\u201c{s}\u201d",
        "OAUTH_CLIENT_SECRET={s}\u200b",
        "OAUTH_CLIENT_SECRET=",
        "OAUTH_TOKEN_URL=ftp://{s}@example.com/token",
    ],
)
def test_client_credentials_from_env_problems_name_no_secret(clean_env: Path, line: str) -> None:
    value = canary("SECRET")
    lines = {
        "OAUTH_CLIENT_ID": "OAUTH_CLIENT_ID=my-id",
        "OAUTH_CLIENT_SECRET": f"OAUTH_CLIENT_SECRET={value}",
        "OAUTH_TOKEN_URL": "OAUTH_TOKEN_URL=http://127.0.0.1:9/token",
    }
    lines[line.partition("=")[0]] = line.format(s=value)
    (clean_env / ".env").write_text("\n".join(lines.values()) + "\n", encoding="utf-8")
    try:
        creds = bk.ClientCredentials.from_env()
    except (BearerkitError, ValueError) as err:
        assert exception_leaks(value, err) == []
    else:  # accepted: then the secret must only ever travel to the loopback token URL
        assert value not in repr(creds)
        with bk.Client("http://127.0.0.1:9", auth=creds, retries=0) as api:
            err = raised(lambda: api.get("x"))
        assert exception_leaks(value, err) == []
