"""Fixtures for the TMDB layer's tests: a sandbox on 127.0.0.1 and a TMDB connection to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox
from bearerkit.tmdb import TMDB


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with bk.sandbox.start() as server:
        yield server


@pytest.fixture
def tmdb(sb: Sandbox) -> TMDB:
    return TMDB(bk.Client(sb.url, sb.token), language="en-US", sandbox=sb)
