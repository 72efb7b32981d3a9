"""Shared fixtures: a clean environment, a distinctive fake token, a sandbox."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No TMDB_*/OAUTH_* settings from the developer's shell, and a cwd with no .env above it."""
    for name in list(os.environ):
        if name.startswith(("TMDB_", "OAUTH_", "BEARERKIT_")):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work


@pytest.fixture
def fake_token() -> str:
    return FAKE_TOKEN


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[object]:
    """One sandbox for tests that only read (genres, discover, ...)."""
    from bearerkit import sandbox

    with sandbox.start() as sb:
        yield sb
