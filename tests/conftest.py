"""Shared fixtures: a clean environment, a distinctive fake token, a sandbox."""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

REPO = Path(__file__).resolve().parents[1]


def _segment(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


# A JWT-shaped fake, built at run time so no token-shaped string sits in the sources
# (the repository scans itself for secrets). Tests assert it never leaks anywhere.
FAKE_TOKEN = ".".join(
    [
        _segment({"alg": "HS256"}),
        _segment({"aud": "canary", "sub": "bk-leak-canary"}),
        "Zm9vYmFyLWNhbmFyeS1zaWc",
    ]
)
FAKE_V3_KEY = "".join(f"{n:x}" for n in range(16)) * 2  # 32 hex characters


def closed_port() -> int:
    """A loopback port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# TMDB's own error bodies, written out here as TMDB sends them: the sandbox must
# answer with them and the client must read them.
INVALID_KEY = {  # 401
    "success": False,
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
}
NOT_FOUND = {  # 404
    "success": False,
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
}
INVALID_PARAMS = {  # 400
    "success": False,
    "status_code": 5,
    "status_message": "Invalid parameters: Your request parameters are incorrect.",
}
# TMDB's genre ids, in the order TMDB lists them.
MOVIE_GENRE_IDS = [
    28, 12, 16, 35, 80, 99, 18, 10751, 14, 36, 27, 10402, 9648, 10749, 878, 10770, 53, 10752, 37,
]  # fmt: skip
TV_GENRE_IDS = [
    10759, 16, 35, 80, 99, 18, 10751, 10762, 9648, 10763, 10764, 10765, 10766, 10767, 10768, 37,
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No TMDB_*/OAUTH_* settings from the developer's shell, and a cwd with no .env above it."""
    for name in list(os.environ):
        if name.startswith(("TMDB_", "OAUTH_", "BEARERKIT_")):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    # Sign-in token stores (bearerkit.oauth.store) go to the per-user data dir: a
    # temporary one, so no test reads or writes the developer's own stored logins.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    yield work


@pytest.fixture
def fake_token() -> str:
    return FAKE_TOKEN


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A pytest-httpserver on 127.0.0.1 and a free port, for one test."""
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[object]:
    """One sandbox for tests that only read (genres, discover, ...)."""
    from bearerkit import sandbox

    with sandbox.start() as sb:
        yield sb
