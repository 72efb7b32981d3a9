"""Fixtures for the scanner's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project folder beside (not above) the working directory set by tests/conftest.py."""
    folder = tmp_path / "proj"
    folder.mkdir()
    return folder
