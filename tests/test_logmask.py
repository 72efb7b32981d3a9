"""No credential in urllib3's or requests-cache's DEBUG log lines (bearerkit.logmask)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import bearerkit as bk
from bearerkit.logmask import MaskingFilter

from .conftest import FAKE_TOKEN, FAKE_V3_KEY


def test_client_calls_log_no_query_key_at_debug(
    shared_sandbox: object, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url, token = shared_sandbox.url, shared_sandbox.token  # type: ignore[attr-defined]
    with bk.Client(url, token, cache=tmp_path / "c.sqlite") as c:
        c.get("genre/movie/list", {"api_key": FAKE_V3_KEY, "language": "en"})
        c.get("genre/movie/list", {"api_key": FAKE_V3_KEY, "language": "en"})  # a cache hit
    lines = {record.name.split(".")[0] for record in caplog.records}
    assert {"urllib3", "requests_cache"} <= lines  # both libraries did log...
    assert FAKE_V3_KEY not in caplog.text  # ...without the key
    assert "api_key=***" in caplog.text
    assert all(FAKE_V3_KEY not in r.getMessage() for r in caplog.records)


def test_filter_masks_the_formatted_message() -> None:
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        (
            "https",
            "api.example.org",
            443,
            "GET",
            f"/3/x?page=1&api_key={FAKE_V3_KEY}",
            "HTTP/1.1",
            200,
            2,
        ),
        None,
    )
    assert MaskingFilter().filter(record) is True
    assert FAKE_V3_KEY not in record.getMessage()
    assert "/3/x?page=1&api_key=***" in record.getMessage()


def test_filter_leaves_other_lines_alone() -> None:
    record = logging.LogRecord("urllib3", logging.DEBUG, __file__, 1, "Starting %s", ("x",), None)
    MaskingFilter().filter(record)
    assert record.msg == "Starting %s" and record.args == ("x",)


def test_a_url_with_userinfo_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bk.Client("https://api.example.org").close()  # installs the filter
    logging.getLogger("urllib3.connectionpool").debug("to https://me:%s@h/x", FAKE_TOKEN)
    assert FAKE_TOKEN not in caplog.text and "https://***@h/x" in caplog.text


def test_a_token_in_a_url_path_is_scrubbed_from_debug_lines(
    server: object, caplog: pytest.LogCaptureFixture
) -> None:
    token = "log+TOKEN/9a8b7c6d5e=="
    server.expect_request(re.compile(r"^/bot.*/me$")).respond_with_json({"ok": True})  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)
    with bk.Client(server.url_for("/").rstrip("/"), token) as api:  # type: ignore[attr-defined]
        api.get(f"bot{token}/me")
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert any("/bot***/me" in line for line in ours)  # urllib3's and bearerkit's lines
    assert all(token not in line for line in ours)
