"""Fixtures for the bulk tests: a sandbox whose token is the leak canary, a client, ids."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox, catalogue
from tests.conftest import FAKE_TOKEN


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with bk.sandbox.start(token=FAKE_TOKEN) as server:
        yield server


@pytest.fixture
def api(sb: Sandbox) -> Iterator[bk.Client]:
    with bk.Client(sb.url, sb.token) as client:
        yield client


def movie_ids(n: int) -> list[int]:
    """The first ``n`` movie ids of the sandbox's catalogue."""
    return sorted(catalogue.movies_by_id())[:n]


def deleted_id() -> int:
    """An id between two real ones: the sandbox answers 404, as TMDB does for a deleted movie."""
    known = catalogue.movies_by_id()
    return next(i for i in range(min(known), max(known)) if i not in known)


def sent(sb: Sandbox, since: int, prefix: str = "/3/movie/") -> list[str]:
    """Paths requested since log position ``since`` that start with ``prefix``."""
    return [r.path for r in sb.request_log[since:] if r.path.startswith(prefix)]
