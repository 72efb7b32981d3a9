"""Fixtures for the widget tests: sandbox servers on 127.0.0.1 and widget-state helpers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import ipywidgets
import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox
from bearerkit.tmdb import TMDB

from ..conftest import FAKE_TOKEN


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    """A sandbox that accepts the distinctive fake token; tests here only read from it."""
    with bk.sandbox.start(token=FAKE_TOKEN) as server:
        yield server


@pytest.fixture
def own_sb() -> Iterator[Sandbox]:
    """A sandbox for one test that queues faults or stops it."""
    with bk.sandbox.start(token=FAKE_TOKEN) as server:
        yield server


def connect(server: Sandbox, token: str = FAKE_TOKEN, **client_options: Any) -> TMDB:
    return TMDB(bk.Client(server.url, token, **client_options), sandbox=server)


def state_text(widget: ipywidgets.Widget) -> str:
    """The synced state of ``widget`` and everything inside it, as one JSON string."""
    parts = [json.dumps(widget.get_state(), default=str, ensure_ascii=False)]
    for child in getattr(widget, "children", ()):
        parts.append(state_text(child))
    return "\n".join(parts)


def png_of(output: ipywidgets.Output) -> bytes:
    (shown,) = output.outputs
    return base64.b64decode(shown["data"]["image/png"])


def html_of(output: ipywidgets.Output) -> str:
    (shown,) = output.outputs
    return str(shown["data"]["text/html"])
