"""The cache asks the one credential rule (bearerkit.secrets): no credential in any form
reaches the SQLite file, whatever header, path or encoding carried it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import bearerkit as bk

TOKEN = "cache+TOKEN/5e4d3c2b1a=="


def _file_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_an_answer_echoing_the_token_percent_encoded_is_not_stored(
    server: HTTPServer, tmp_path: Path
) -> None:
    def echo(request: Request) -> Response:
        body = {"next": f"/items?session={quote(TOKEN, safe='')}&page=2"}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/items").respond_with_handler(echo)
    cache = tmp_path / "c" / "http.sqlite"
    with bk.Client(server.url_for("/").rstrip("/"), TOKEN, cache=cache) as api:
        api.get("items")
        assert api.response("GET", "items").from_cache is False  # kept out, so sent again
    raw = _file_bytes(cache.parent)
    assert TOKEN.encode() not in raw and quote(TOKEN, safe="").encode() not in raw


def test_a_custom_header_and_a_path_token_are_masked_in_the_stored_request(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request(f"/bot{quote(TOKEN, safe='/')}/me").respond_with_json({"ok": True})
    server.expect_request(f"/bot{TOKEN}/me").respond_with_json({"ok": True})
    cache = tmp_path / "c" / "http.sqlite"
    headers = {"X-Whatever": TOKEN, "Private-Token": TOKEN}
    with bk.Client(server.url_for("/").rstrip("/"), TOKEN, cache=cache, headers=headers) as api:
        assert api.get(f"bot{TOKEN}/me")["ok"] is True
        assert api.response("GET", f"bot{TOKEN}/me").from_cache is True  # it was stored
    raw = _file_bytes(cache.parent)
    for form in (TOKEN, quote(TOKEN, safe=""), quote(TOKEN, safe="/")):
        assert form.encode() not in raw, form
