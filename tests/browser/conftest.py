"""Session fixtures for the browser tests: one JupyterLab server, one Chromium.

Without /usr/bin/chromium the tests skip (run .ci/install-browser), except under CI,
where a missing browser is a failure: CI must not go green by skipping.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .environment import REPO_ROOT, skip_or_fail
from .lab_page import CHROMIUM, launch_chromium
from .lab_server import LabServer, start_lab

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DEFAULT_SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# Read at import: tests/conftest.py clears BEARERKIT_* variables around each test.
_CONFIGURED_SCREENSHOTS = os.environ.get("BEARERKIT_SCREENSHOTS")
_SCREENSHOTS_KEY = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def lab() -> Iterator[LabServer]:
    """A JupyterLab server rooted at the repository, stopped whatever happens."""
    with tempfile.TemporaryDirectory(prefix="bearerkit-lab-") as state_dir:
        server = start_lab(REPO_ROOT, Path(state_dir))
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: run .ci/install-browser to install it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    """Where end-state screenshots go: $BEARERKIT_SCREENSHOTS or tests/browser/screenshots."""
    path = (
        Path(_CONFIGURED_SCREENSHOTS).resolve() if _CONFIGURED_SCREENSHOTS else DEFAULT_SCREENSHOTS
    )
    path.mkdir(parents=True, exist_ok=True)
    request.config.stash[_SCREENSHOTS_KEY] = path
    print(f"browser screenshots: {path}")
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the screenshot directory after the run, so it is seen without -s."""
    path = terminalreporter.config.stash.get(_SCREENSHOTS_KEY, None)
    if path is not None:
        terminalreporter.write_line(f"browser screenshots: {path}")
