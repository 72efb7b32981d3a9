"""Shared parts of the sandbox tests: a distinctive token, one sandbox per module, a session.

Tests that change the sandbox's state (faults, rate limits, a clock) start their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import requests

from bearerkit import sandbox

# Distinctive, built at run time, so a leak into a repr or log is easy to spot.
CANARY = f"canary-TOKEN-{secrets.token_hex(8)}"
AUTH = {"Authorization": f"Bearer {CANARY}"}


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    """A sandbox that accepts :data:`CANARY`, shared by one test module's read-only tests."""
    with sandbox.start(token=CANARY) as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    """A plain ``requests`` session that sends :data:`CANARY` as the bearer token."""
    with requests.Session() as session:
        session.headers.update(AUTH)
        yield session
