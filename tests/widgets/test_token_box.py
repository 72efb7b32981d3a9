"""TokenBox against a real sandbox server on 127.0.0.1 (ipywidgets run headless)."""

from __future__ import annotations

import ipywidgets
import pytest

from bearerkit.sandbox import Sandbox
from bearerkit.widgets import TokenBox

from ..conftest import FAKE_TOKEN, FAKE_V3_KEY
from .conftest import state_text

# -- TokenBox ---------------------------------------------------------------------------


def test_token_box_parts_and_help(sb: Sandbox) -> None:
    box = TokenBox(base_url=sb.url)
    assert "bk-token-box" in box._dom_classes
    assert isinstance(box.password, ipywidgets.Password)
    assert box.button.description == "Connect"
    assert box.tmdb is None
    assert box.status == "Not connected."
    help_text = box.children[0].value
    assert ".env.example" in help_text and "TMDB_TOKEN=" in help_text


def test_good_token_connects_and_is_cleared(sb: Sandbox) -> None:
    box = TokenBox(base_url=sb.url)
    box.password.value = FAKE_TOKEN
    box.button.click()
    assert box.password.value == ""
    assert box.tmdb is not None
    assert box.tmdb.client.base_url == sb.url
    assert len(box.tmdb.genres("tv")) == 16
    assert box.status.startswith("Connected")
    assert FAKE_TOKEN not in state_text(box)
    assert FAKE_TOKEN not in box.status


def test_v3_key_is_refused_with_the_hint_and_not_echoed(sb: Sandbox) -> None:
    box = TokenBox(base_url=sb.url)
    box.password.value = FAKE_V3_KEY
    box.connect()
    assert box.password.value == ""
    assert box.tmdb is None
    assert "401" in box.status
    assert "v3 API key" in box.status
    assert FAKE_V3_KEY not in state_text(box)
    assert FAKE_V3_KEY not in box.status


@pytest.mark.parametrize(
    "pasted, message",
    [
        ("", "Paste a token"),
        ("   ", "Paste a token"),
        ("two-part token-with-a-space", "whitespace"),
        ("paste-your-tmdb-read-access-token-here", "placeholder"),
        ("canary-\u200bTOKEN-7f3a9c", "U+200B (ZERO WIDTH SPACE)"),  # Token.parse's check
        ("\u201ccanary-TOKEN-7f3a9c\u201d", "U+201C"),
    ],
)
def test_unusable_pastes_get_a_readable_message(sb: Sandbox, pasted: str, message: str) -> None:
    box = TokenBox(base_url=sb.url)
    box.password.value = pasted
    box.connect()
    assert message in box.status
    assert box.password.value == ""
    assert box.tmdb is None
    if pasted.strip():
        assert pasted not in box.status
        assert pasted not in state_text(box)


def test_failed_reconnect_drops_the_old_connection(sb: Sandbox) -> None:
    box = TokenBox(base_url=sb.url)
    box.password.value = FAKE_TOKEN
    box.connect()
    assert box.tmdb is not None
    box.password.value = "not-the-sandbox-token"
    box.connect()
    assert box.tmdb is None
    assert "401" in box.status


def test_unreachable_api_shows_a_network_error(own_sb: Sandbox) -> None:
    url = own_sb.url
    own_sb.stop()
    box = TokenBox(base_url=url)
    box.password.value = FAKE_TOKEN
    box.connect()
    assert box.tmdb is None
    assert "failed" in box.status
    assert FAKE_TOKEN not in box.status
