"""The response cache (requests-cache): hits on re-run, no token on disk, expiry, clear."""

from __future__ import annotations

import json
import secrets
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import bearerkit as bk
from bearerkit.cache import default_cache_path

from .conftest import FAKE_TOKEN


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    srv.expect_request("/3/genre/movie/list").respond_with_json(
        {"genres": [{"id": 28, "name": "Action"}]}
    )
    srv.expect_request("/3/discover/movie").respond_with_json(
        {"page": 1, "results": [], "total_pages": 1}
    )
    yield srv
    srv.stop()


def test_off_by_default(server: HTTPServer) -> None:
    with bk.Client(server.url_for("/3"), FAKE_TOKEN) as c:
        assert c.response("GET", "genre/movie/list").from_cache is False
        assert c.response("GET", "genre/movie/list").from_cache is False
    assert len(server.log) == 2


def test_rerun_is_served_from_cache(server: HTTPServer, tmp_path: Path) -> None:
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "c.sqlite") as c:
        first = c.response("GET", "genre/movie/list")
        second = c.response("GET", "genre/movie/list")
        assert c.get("genre/movie/list") == {"genres": [{"id": 28, "name": "Action"}]}
    assert first.from_cache is False and second.from_cache is True
    assert len(server.log) == 1


def test_no_token_on_disk(server: HTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as c:
        c.get("genre/movie/list")
        c.get("discover/movie", {"page": 1})
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"Action" in raw or _rows(path) > 0  # something was stored...
    assert FAKE_TOKEN.encode() not in raw  # ...but never the token
    assert FAKE_TOKEN[-12:].encode() not in raw


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from responses").fetchone()[0]


def test_post_is_not_cached(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/3/movie/1/rating", method="POST").respond_with_json(
        {"success": True}, status=201
    )
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "c.sqlite") as c:
        c.post("movie/1/rating", json={"value": 5})
        c.post("movie/1/rating", json={"value": 5})
    assert len(server.log) == 2


def test_expiry(server: HTTPServer, tmp_path: Path) -> None:
    # requests-cache reads the wall clock itself (datetime.now in its expiry code) and
    # takes no clock argument, so instead of sleeping the test moves the stored entry's
    # expiry into the past through the backend.
    with bk.Client(
        server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "c.sqlite", cache_expire_after=60
    ) as c:
        c.get("genre/movie/list")
        assert c.response("GET", "genre/movie/list").from_cache
        responses = c.session.cache.responses  # type: ignore[attr-defined]
        (key,) = list(responses.keys())
        stored = responses[key]
        lifetime = (stored.expires - stored.created_at).total_seconds()
        assert 59 <= lifetime <= 61  # the configured expiry
        stored.expires = datetime.now(timezone.utc) - timedelta(seconds=1)
        responses[key] = stored
        assert not c.response("GET", "genre/movie/list").from_cache
        assert c.response("GET", "genre/movie/list").from_cache
    assert len(server.log) == 2


def test_cache_clear(server: HTTPServer, tmp_path: Path) -> None:
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "c.sqlite") as c:
        c.get("genre/movie/list")
        c.cache_clear()
        assert not c.response("GET", "genre/movie/list").from_cache
    assert len(server.log) == 2


def test_cache_true_uses_the_per_user_cache_dir(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=True) as c:
        c.get("genre/movie/list")
    assert default_cache_path().is_relative_to(tmp_path / "xdg")
    assert default_cache_path().exists()
    assert stat.S_IMODE(default_cache_path().parent.stat().st_mode) == 0o700


def test_cached_answers_do_not_wait_for_the_rate_limiter(
    server: HTTPServer, tmp_path: Path
) -> None:
    with bk.Client(
        server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "c.sqlite", rate_limit=2
    ) as c:
        c.get("genre/movie/list")
        started = time.monotonic()
        for _ in range(5):
            c.get("genre/movie/list")
        assert time.monotonic() - started < 1.5  # five uncached calls would need >= 2.5 s


def test_cache_key_ignores_query_order_and_keys_by_credential() -> None:
    import requests

    from bearerkit.cache import CacheKey

    key_fn = CacheKey(b"k" * 32)

    def key(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> str:
        return key_fn(requests.Request(method, url, headers=headers).prepare())

    base = "http://127.0.0.1:1/3/discover/movie"
    assert key(f"{base}?page=1&language=de") == key(f"{base}?language=de&page=1")
    assert key(f"{base}?page=1") != key(f"{base}?page=2")
    assert key(f"{base}?page=1") != key(f"{base}?page=1", method="POST")
    # the credential is part of the key, whether a header or a query value...
    assert key(f"{base}?page=1&api_key=aaaa") != key(f"{base}?page=1&api_key=bbbb")
    assert key(f"{base}?page=1&api_key=aaaa") != key(f"{base}?page=1")
    bearer = {"Authorization": f"Bearer {FAKE_TOKEN}"}
    assert key(base, headers=bearer) != key(base, headers={"Authorization": "Bearer other"})
    assert key(base, headers=bearer) == key(base, headers={"authorization": f"Bearer {FAKE_TOKEN}"})
    assert key(base, headers={"X-API-Key": "one1"}) != key(base, headers={"X-API-Key": "two2"})
    # ...hashed with the cache's own secret: another secret gives other keys
    other = CacheKey(b"o" * 32)(requests.Request("GET", base, headers=bearer).prepare())
    assert other != key(base, headers=bearer)
    assert FAKE_TOKEN not in repr(key_fn)


def _account_server(server: HTTPServer, tokens: dict[str, str]) -> None:
    """/3/account answers with the user a token belongs to, 401 for any other token."""

    def account(request: Request) -> Response:
        user = tokens.get((request.headers.get("Authorization") or "").removeprefix("Bearer "))
        if user is None:
            return Response(json.dumps({"status_message": "Invalid token"}), status=401)
        return Response(json.dumps({"user": user}), content_type="application/json")

    server.expect_request("/3/account").respond_with_handler(account)


def test_two_tokens_on_one_cache_file_do_not_see_each_others_answers(
    server: HTTPServer, tmp_path: Path
) -> None:
    other_token = FAKE_TOKEN[::-1]
    _account_server(server, {FAKE_TOKEN: "alice", other_token: "bob"})
    path = tmp_path / "shared.sqlite"
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as alice:
        assert alice.get("account") == {"user": "alice"}
        assert alice.response("GET", "account").from_cache  # cached for alice...
    with bk.Client(server.url_for("/3"), other_token, cache=path) as bob:
        assert bob.get("account") == {"user": "bob"}  # ...but not handed to bob
        assert bob.response("GET", "account").from_cache
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as alice_again:
        assert alice_again.response("GET", "account").from_cache
        assert alice_again.get("account") == {"user": "alice"}
    assert len(server.log) == 2


def test_a_wrong_token_does_not_get_the_cached_success(server: HTTPServer, tmp_path: Path) -> None:
    _account_server(server, {FAKE_TOKEN: "alice"})
    path = tmp_path / "shared.sqlite"
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as right:
        right.get("account")
    with (
        bk.Client(server.url_for("/3"), "wrong-token-canary-1234", cache=path) as wrong,
        pytest.raises(bk.AuthError),
    ):
        wrong.get("account")


def test_auth_objects_are_kept_apart_too(server: HTTPServer, tmp_path: Path) -> None:
    _account_server(server, {"tok-a-canary": "alice", "tok-b-canary": "bob"})

    class Fixed(requests.auth.AuthBase):
        def __init__(self, token: str) -> None:
            self.token = token

        def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.headers["Authorization"] = f"Bearer {self.token}"
            return r

    path = tmp_path / "shared.sqlite"
    with bk.Client(server.url_for("/3"), auth=Fixed("tok-a-canary"), cache=path) as a:
        assert a.get("account") == {"user": "alice"}
    with bk.Client(server.url_for("/3"), auth=Fixed("tok-b-canary"), cache=path) as b:
        assert b.get("account") == {"user": "bob"}
    raw = _file_bytes(tmp_path)
    assert b"tok-a-canary" not in raw and b"tok-b-canary" not in raw


def _file_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_no_token_on_disk_after_a_same_host_redirect(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/3/old").respond_with_data(
        "", status=302, headers={"Location": server.url_for("/3/genre/movie/list")}
    )
    path = tmp_path / "c.sqlite"
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as c:
        response = c.response("GET", "old")
        assert response.history  # the redirect was followed, with the token (same host)
        assert c.response("GET", "old").from_cache
    assert [req.headers.get("Authorization") for req, _ in server.log] == [
        f"Bearer {FAKE_TOKEN}"
    ] * 2
    raw = _file_bytes(tmp_path)
    assert _rows(path) >= 1 and b"Location" in raw  # the redirect chain was stored...
    assert FAKE_TOKEN.encode() not in raw and FAKE_TOKEN[-12:].encode() not in raw
    assert b"Bearer" not in raw  # ...with every request's Authorization masked


def test_no_token_on_disk_after_a_401_retry(server: HTTPServer, tmp_path: Path) -> None:
    first, second = "first-canary-TOKEN-7f3a9c", "second-canary-TOKEN-2b8e1d"
    _account_server(server, {second: "alice"})

    class RenewOn401(requests.auth.AuthBase):
        """Re-sends once after a 401 with a new token, as HTTPDigestAuth re-sends."""

        def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.headers["authorization"] = f"Bearer {first}"  # lower case: masked all the same
            r.register_hook("response", self.handle_401)
            return r

        def handle_401(self, r: requests.Response, **kwargs: object) -> requests.Response:
            if r.status_code != 401:
                return r
            _ = r.content
            prep = r.request.copy()
            prep.headers["authorization"] = f"Bearer {second}"
            retry = r.connection.send(prep, **kwargs)  # type: ignore[attr-defined]
            retry.history.append(r)
            retry.request = prep
            return retry

    path = tmp_path / "c.sqlite"
    with bk.Client(server.url_for("/3"), auth=RenewOn401(), cache=path) as c:
        assert c.get("account") == {"user": "alice"}
    assert len(server.log) == 2
    raw = _file_bytes(tmp_path)
    assert _rows(path) == 1 and b"401" in raw  # stored with the 401 in its history...
    assert first.encode() not in raw and second.encode() not in raw
    assert b"Bearer" not in raw  # ...and neither attempt's token


def test_cache_files_are_readable_by_the_owner_only(server: HTTPServer, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as c:
        c.get("genre/movie/list")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key_file = tmp_path / "c.sqlite.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # an existing, too open file is tightened; the key survives, so the entry still hits
    path.chmod(0o644)
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=path) as c:
        assert c.response("GET", "genre/movie/list").from_cache
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_path_without_suffix_gets_sqlite(server: HTTPServer, tmp_path: Path) -> None:
    with bk.Client(server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "mycache") as c:
        c.get("genre/movie/list")
    assert stat.S_IMODE((tmp_path / "mycache.sqlite").stat().st_mode) == 0o600


def test_cached_paginate_sends_nothing_and_keeps_page_order(tmp_path: Path) -> None:
    from bearerkit import sandbox

    with (
        sandbox.start() as sb,
        bk.Client(sb.url, sb.token, cache=tmp_path / "c.sqlite") as c,
        pytest.warns(UserWarning, match="max_pages=. reached"),
    ):
        first = c.paginate("discover/movie", max_pages=6, progress=False)
        sb.clear_log()
        again = c.paginate("discover/movie", max_pages=6, progress=False)
        assert sb.request_log == []
        # a longer fetch reads the cached pages, then fetches only the new ones
        longer = c.paginate("discover/movie", max_pages=9, progress=False)
        pages = sorted(int(r.query["page"]) for r in sb.request_log)
    assert again.equals(first)
    assert longer["id"].tolist()[: len(first)] == first["id"].tolist()
    assert len(longer) == 9 * 20
    assert pages == [7, 8, 9]


# --- conditional requests (issue 21): a 304 reuses the stored body and costs no budget ---

REVALIDATE_TOKEN = f"canary-REVALIDATE-{secrets.token_hex(8)}"  # built at run time
GITHUB_LISTING = "github/100/3600/items"  # the sandbox's GitHub dialect: ETags, free 304s


@pytest.fixture
def github_sandbox() -> Iterator[bk.sandbox.Sandbox]:
    from bearerkit import sandbox

    with sandbox.start(token=REVALIDATE_TOKEN) as sb:
        yield sb


def _remaining(sb: bk.sandbox.Sandbox) -> int:
    with requests.get(
        f"{sb.ratelimit_url}/{GITHUB_LISTING}",
        headers={"Authorization": f"Bearer {REVALIDATE_TOKEN}", "If-None-Match": "*"},
        timeout=10,
    ) as answer:
        assert answer.status_code == 304
        return int(answer.headers["X-RateLimit-Remaining"])


@pytest.mark.parametrize("how", ["stale", "revalidate"])
def test_a_cached_rerun_revalidates_ten_pages_with_ten_free_304s(
    github_sandbox: bk.sandbox.Sandbox, tmp_path: Path, how: str
) -> None:
    sb = github_sandbox
    options: dict[str, object] = (
        {"cache_expire_after": 0} if how == "stale" else {"revalidate": True}
    )
    params = {"per_page": 6}  # 57 records: 10 pages
    with bk.Client(sb.ratelimit_url, REVALIDATE_TOKEN, cache=tmp_path / "c", **options) as api:
        first = api.paginate(GITHUB_LISTING, params, progress=False)
        spent_before = _remaining(sb)
        mark = len(sb.request_log)
        second = api.paginate(GITHUB_LISTING, params, progress=False)
        sent = sb.request_log[mark:]
    assert first.attrs["paging"]["pages"] == 10
    assert [r.status for r in sent] == [304] * 10  # ten conditional requests, ten 304s
    assert _remaining(sb) == spent_before  # none of them counted against the budget
    assert second.equals(first)
    assert second.attrs["paging"]["from_cache"] == 10
    assert second.attrs["paging"]["revalidated"] == 10
    assert first.attrs["paging"]["revalidated"] == 0
    assert REVALIDATE_TOKEN.encode() not in _file_bytes(tmp_path)


def test_a_fresh_entry_is_not_revalidated_without_revalidate(
    github_sandbox: bk.sandbox.Sandbox, tmp_path: Path
) -> None:
    sb = github_sandbox
    with bk.Client(sb.ratelimit_url, REVALIDATE_TOKEN, cache=tmp_path / "c") as api:
        api.paginate(GITHUB_LISTING, progress=False)
        mark = len(sb.request_log)
        again = api.paginate(GITHUB_LISTING, progress=False)
    assert sb.request_log[mark:] == []
    assert again.attrs["paging"]["from_cache"] == 6 and again.attrs["paging"]["revalidated"] == 0


def test_revalidation_stays_within_one_credential(
    github_sandbox: bk.sandbox.Sandbox, tmp_path: Path
) -> None:
    sb = github_sandbox
    with bk.Client(sb.ratelimit_url, REVALIDATE_TOKEN, cache=tmp_path / "c", revalidate=True) as a:
        a.get(GITHUB_LISTING)
    # A second credential the sandbox accepts: a client-credentials token it issues.
    answer = requests.post(
        f"{sb.url.rsplit('/3', 1)[0]}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(sb.client_id, sb.client_secret),
        timeout=10,
    )
    other = answer.json()["access_token"]
    mark = len(sb.request_log)
    with bk.Client(sb.ratelimit_url, other, cache=tmp_path / "c", revalidate=True) as b:
        response = b.response("GET", GITHUB_LISTING)
    # The other credential's request is not conditional on the first one's entry.
    assert [r.status for r in sb.request_log[mark:]] == [200]
    assert response.from_cache is False  # type: ignore[attr-defined]


def test_revalidate_needs_a_cache() -> None:
    with pytest.raises(ValueError, match="pass cache= too"):
        bk.Client("http://127.0.0.1:9", FAKE_TOKEN, revalidate=True)


def test_revalidated_pages_are_fetched_concurrently(
    github_sandbox: bk.sandbox.Sandbox, tmp_path: Path
) -> None:
    # A 304 is a round trip, not a cache hit: planned pages go to the paging threads.
    sb = github_sandbox
    with bk.Client(
        sb.ratelimit_url, REVALIDATE_TOKEN, cache=tmp_path / "c", revalidate=True
    ) as api:
        api.paginate(GITHUB_LISTING, {"per_page": 6}, progress=False)
        sb.set_latency(0.05)
        in_flight = peak = 0
        lock = threading.Lock()
        original = api.response

        def response(*args: object, **kwargs: object) -> object:
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            try:
                return original(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                with lock:
                    in_flight -= 1

        api.response = response  # type: ignore[method-assign,assignment]
        again = api.paginate(GITHUB_LISTING, {"per_page": 6}, workers=4, progress=False)
    assert again.attrs["paging"]["revalidated"] == 10
    assert peak >= 2


def test_a_last_modified_answer_is_revalidated_with_if_modified_since(tmp_path: Path) -> None:
    # An API with Last-Modified and no ETag: the stale entry is asked about by date.
    stamp = "Wed, 02 Dec 2026 10:00:00 GMT"
    seen: list[str | None] = []

    def report(request: Request) -> Response:
        seen.append(request.headers.get("If-Modified-Since"))
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304, headers={"Last-Modified": stamp})
        body = json.dumps({"rows": [1, 2, 3]})
        return Response(body, content_type="application/json", headers={"Last-Modified": stamp})

    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/report").respond_with_handler(report)
    server.start()
    try:
        with bk.Client(
            server.url_for("/"), FAKE_TOKEN, cache=tmp_path / "c", cache_expire_after=0
        ) as api:
            first = api.response("GET", "report")
            again = api.response("GET", "report")
    finally:
        server.stop()
    assert seen == [None, stamp]  # the second request was conditional, by date
    assert first.revalidated is False  # type: ignore[attr-defined]
    assert again.revalidated is True and again.from_cache is True  # type: ignore[attr-defined]
    assert again.json() == {"rows": [1, 2, 3]}  # the stored body, reused after the 304
    assert FAKE_TOKEN.encode() not in _file_bytes(tmp_path)
