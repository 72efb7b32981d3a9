"""The response cache (requests-cache): hits on re-run, no token on disk, expiry, clear."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

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
    with bk.Client(
        server.url_for("/3"), FAKE_TOKEN, cache=tmp_path / "c.sqlite", cache_expire_after=1
    ) as c:
        c.get("genre/movie/list")
        assert c.response("GET", "genre/movie/list").from_cache
        time.sleep(1.2)
        assert not c.response("GET", "genre/movie/list").from_cache
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


def test_cache_key_ignores_query_order_and_credentials() -> None:
    import requests

    from bearerkit.cache import CREDENTIAL_NAMES, cache_key

    def key(url: str, method: str = "GET") -> str:
        return cache_key(requests.Request(method, url).prepare(), CREDENTIAL_NAMES)

    base = "http://127.0.0.1:1/3/discover/movie"
    assert key(f"{base}?page=1&language=de") == key(f"{base}?language=de&page=1")
    assert key(f"{base}?page=1&api_key=abc") == key(f"{base}?page=1")
    assert key(f"{base}?page=1") != key(f"{base}?page=2")
    assert key(f"{base}?page=1") != key(f"{base}?page=1", method="POST")


def test_cached_paginate_sends_nothing_and_keeps_page_order(tmp_path: Path) -> None:
    from bearerkit import sandbox

    with sandbox.start() as sb, bk.Client(sb.url, sb.token, cache=tmp_path / "c.sqlite") as c:
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
