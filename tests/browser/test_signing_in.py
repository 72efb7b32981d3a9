"""Sign in through the sandbox's own verification and consent pages in headless Chromium.

Two layers: the pages alone (Chromium types the code or presses Approve while a
``DeviceLogin``/``BrowserLogin`` in this process waits), then the whole thing in
JupyterLab (a notebook shows the LoginBox; Chromium approves in another tab; the
widget in the notebook turns to "Signed in").

Run: ``.ci/install-browser && .venv/bin/pytest -m browser tests/browser/test_signing_in.py -v``
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import bearerkit as bk
from bearerkit.oauth import BrowserLogin, DeviceLogin
from bearerkit.sandbox import Sandbox

from .environment import REPO_ROOT, in_ci
from .lab_page import VIEWPORT, notebook_page, run_all, screenshot, settled_problems
from .lab_server import LabServer

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:
    if in_ci():
        raise
    pytest.skip("playwright is not installed: pip install -e '.[test]'", allow_module_level=True)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

pytestmark = pytest.mark.browser

WAIT_S = 15.0  # a sign-in finishing after the click, on a loaded machine
SIGNED_IN_TIMEOUT_MS = 30_000


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with bk.sandbox.start() as server:
        server.device_interval = 1
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_device_sign_in_by_typing_the_code(sb: Sandbox, page: Page, screenshot_dir: Path) -> None:
    login = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id, store=False)
    login.start()
    state = login.state
    assert state.verification_uri is not None and state.user_code is not None
    page.goto(state.verification_uri)
    page.fill("#user_code", state.user_code.lower())  # as a person might type it
    page.click("button[value=approve]")
    page.locator("h1", has_text="Device connected").wait_for()
    login.wait(WAIT_S)
    assert login.status == "signed_in"
    assert bk.Client(sb.user_api_url, auth=login).get("me")["username"] == "sandbox-user"
    page.screenshot(path=str(screenshot_dir / "signing_in_device_page.png"))


def test_device_sign_in_denied_on_the_page(sb: Sandbox, page: Page) -> None:
    login = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id, store=False)
    login.start()
    assert login.state.verification_uri_complete is not None
    page.goto(login.state.verification_uri_complete)  # the code is filled in
    page.click("button[value=deny]")
    page.locator("h1", has_text="Access denied").wait_for()
    with pytest.raises(bk.AuthError, match="denied"):
        login.wait(WAIT_S)
    assert login.status == "denied"


def test_browser_sign_in_through_the_consent_page(
    sb: Sandbox, page: Page, screenshot_dir: Path
) -> None:
    login = BrowserLogin(
        sb.authorize_url,
        sb.token_url,
        sb.login_client_id,
        scope="profile ratings",
        store=False,
        open_browser=False,
    )
    login.start()
    assert login.authorization_url is not None and login.state.redirect_uri is not None
    page.goto(login.authorization_url)
    assert "read your movie ratings" in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "signing_in_consent_page.png"))
    page.click("button[value=approve]")
    page.wait_for_url(re.compile(re.escape(login.state.redirect_uri)))  # the loopback listener
    login.wait(WAIT_S)
    assert login.status == "signed_in"
    assert bk.Client(sb.user_api_url, auth=login).get("ratings")["total_results"] == 5


def test_browser_sign_in_pasting_the_url_when_the_redirect_cannot_arrive(
    sb: Sandbox, page: Page
) -> None:
    login = BrowserLogin(
        sb.authorize_url, sb.token_url, sb.login_client_id, store=False, open_browser=False
    )
    login.start()
    assert login.authorization_url is not None and login.state.redirect_uri is not None
    ended_on: list[str] = []

    def unreachable(route: Route) -> None:
        """As on Colab: the kernel is elsewhere, so the redirect leads nowhere."""
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)  # the consent page's 302
        ended_on.append(answer.headers["location"])  # what the address bar would show
        route.abort()

    # Playwright does not route the requests a redirect makes: cut at the consent POST.
    page.route(re.compile(re.escape(sb.authorize_url)), unreachable)
    page.goto(login.authorization_url)
    page.click("button[value=approve]")
    for _ in range(100):  # up to 10 s for the route handler to run
        if ended_on:
            break
        page.wait_for_timeout(100)
    assert len(ended_on) == 1, ended_on
    ended_on_url = ended_on[0]
    assert ended_on_url.startswith(login.state.redirect_uri + "?code=")
    assert login.status == "pending"
    login.complete(ended_on_url)
    assert login.status == "signed_in"


# --- in JupyterLab: the widget turns to signed in ----------------------------------------

SCRATCH_CELLS = [
    "import bearerkit as bk\n"
    "from bearerkit.oauth import BrowserLogin, DeviceLogin\n"
    "sb = bk.sandbox.start()\n"
    "sb.device_interval = 1",
    "device = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id,\n"
    "                     store=False)\n"
    "device.start()",
    "browser = BrowserLogin(sb.authorize_url, sb.token_url, sb.login_client_id,\n"
    "                       store=False, open_browser=False)\n"
    "browser.start()",
]


@pytest.fixture
def scratch_notebook() -> Iterator[Path]:
    """A throwaway notebook inside the Lab root (JupyterLab serves nothing outside it)."""
    folder = REPO_ROOT / "tests" / "browser" / f"scratch-signing-in-{secrets.token_hex(4)}"
    folder.mkdir()
    notebook = folder / "signing_in.ipynb"
    cells = [
        {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
        for s in SCRATCH_CELLS
    ]
    document = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    notebook.write_text(json.dumps(document), encoding="utf-8")
    try:
        yield notebook
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def wait_signed_in(box: object, what: str) -> None:
    status = box.locator(".bk-login-status [data-status='signed_in']")  # type: ignore[attr-defined]
    try:
        status.wait_for(timeout=SIGNED_IN_TIMEOUT_MS)
    except PlaywrightTimeout:
        shown = box.inner_text()  # type: ignore[attr-defined]
        raise AssertionError(
            f"{what}: the widget did not turn to signed in; it shows {shown!r}"
        ) from None


def test_the_widget_turns_to_signed_in_in_jupyterlab(
    browser: Browser, lab: LabServer, screenshot_dir: Path, scratch_notebook: Path
) -> None:
    with notebook_page(browser, lab, scratch_notebook) as (lab_page, log):
        run_all(lab_page)
        found = settled_problems(lab_page)
        assert not found, "\n".join(found)
        boxes = lab_page.locator(".bk-login")
        boxes.nth(1).wait_for()
        device_box, browser_box = boxes.nth(0), boxes.nth(1)
        screenshot(lab_page, screenshot_dir / "signing_in_lab_pending.png")

        # Device flow: read the code and the link from the widget, approve in another tab.
        code = device_box.locator(".bk-login-user-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", code), code
        assert device_box.locator(".bk-login-copy").is_visible()
        assert re.search(r"expires in 1[45]:\d\d", device_box.inner_text())
        link = device_box.locator(".bk-login-link a").first.get_attribute("href")
        assert link is not None
        user_tab = lab_page.context.new_page()
        user_tab.goto(link)
        user_tab.fill("#user_code", code)
        user_tab.click("button[value=approve]")
        user_tab.locator("h1", has_text="Device connected").wait_for()
        wait_signed_in(device_box, "device flow")

        # Browser flow: the sign-in link from the widget, Approve on the consent page; the
        # redirect reaches the kernel's loopback listener (same machine here).
        href = browser_box.locator(".bk-login-link a").first.get_attribute("href")
        assert href is not None and "code_challenge=" in href
        assert browser_box.locator(".bk-login-paste input").is_visible()
        user_tab.goto(href)
        user_tab.click("button[value=approve]")
        wait_signed_in(browser_box, "browser flow")
        user_tab.close()
        assert not log.page_errors, log.page_errors
        screenshot(lab_page, screenshot_dir / "signing_in_lab.png")
