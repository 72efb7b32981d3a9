"""LoginBox: the sign-in widget, driven by real DeviceLogin/BrowserLogin against the sandbox."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import ipywidgets
import pytest
import requests

import bearerkit as bk
from bearerkit.oauth import BrowserLogin, DeviceLogin
from bearerkit.sandbox import Sandbox
from bearerkit.widgets.login_box import LoginBox, countdown_text

WAIT = 10.0  # seconds a sign-in may take on a loaded machine


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with bk.sandbox.start() as server:
        server.device_interval = 0.2  # polls 0.2 s apart: the tests stay fast
        yield server


@pytest.fixture
def device(sb: Sandbox) -> Iterator[DeviceLogin]:
    login = DeviceLogin(
        sb.device_authorization_url, sb.token_url, sb.login_client_id, scope="profile", store=False
    )
    yield login
    login.forget()


@pytest.fixture
def browser(sb: Sandbox) -> Iterator[BrowserLogin]:
    login = BrowserLogin(
        sb.authorize_url, sb.token_url, sb.login_client_id, store=False, open_browser=False
    )
    yield login
    login.forget()


def all_state(widget: ipywidgets.Widget, seen: set[int] | None = None) -> str:
    """The synced state of ``widget`` and every widget it holds, shown or not, as JSON."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return ""
    seen.add(id(widget))
    parts = [json.dumps(widget.get_state(), default=str, ensure_ascii=False)]
    for value in [*vars(widget).values(), *getattr(widget, "children", ())]:
        if isinstance(value, ipywidgets.Widget):
            parts.append(all_state(value, seen))
    return "\n".join(parts)


def wait_for(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def shown_classes(box: LoginBox) -> set[str]:
    return {name for child in box.children for name in child._dom_classes}


def shown_html(box: LoginBox) -> str:
    return "\n".join(
        str(child.value) for child in box.children if isinstance(child, ipywidgets.HTML)
    )


# --- device flow -----------------------------------------------------------------------


def test_device_flow_shows_link_code_copy_button_countdown_and_status(
    sb: Sandbox, device: DeviceLogin
) -> None:
    device.start()
    box = LoginBox(device)
    state = device.state
    assert box.status == "pending"
    shown = shown_html(box)
    assert f'href="{state.verification_uri}"' in shown
    complete = (state.verification_uri_complete or "").replace("&", "&amp;")
    assert f'href="{complete}"' in shown and "code filled in" in shown
    assert '<span class="bk-login-user-code"' in shown and f">{state.user_code}</span>" in shown
    assert f'class="bk-login-copy" type="button" data-code="{state.user_code}"' in shown
    assert re.fullmatch(r"expires in 1[45]:\d\d", box.countdown)
    assert "Waiting" in box.status_text
    box.close()


def test_device_flow_turns_to_signed_in_when_approved(sb: Sandbox, device: DeviceLogin) -> None:
    device.start()
    box = LoginBox(device)
    assert device.state.user_code is not None
    sb.approve(device.state.user_code)
    device.wait(WAIT)
    wait_for(lambda: box.status == "signed_in", "the box to show signed in")
    assert box.status_text == "Signed in."
    assert "Tokens kept in: memory only" in all_state(box)
    assert box.countdown == ""  # nothing to count down to any more
    assert "bk-login-user-code" not in shown_html(box)  # the code is no longer offered
    box.close()


def test_denied_is_shown_as_an_error(sb: Sandbox, device: DeviceLogin) -> None:
    device.start()
    box = LoginBox(device)
    assert device.state.user_code is not None
    sb.deny(device.state.user_code)
    with pytest.raises(bk.AuthError):
        device.wait(WAIT)
    wait_for(lambda: box.status == "denied", "the box to show denied")
    assert "denied" in box.status_text and "login.start()" in box.status_text
    assert box.error == box.status_text
    assert 'data-status="denied" style="color: #b00020' in shown_html(box)
    box.close()


def test_no_secret_ever_reaches_widget_state(sb: Sandbox, device: DeviceLogin) -> None:
    device.start()
    box = LoginBox(device)
    during = all_state(box)
    assert device.state.user_code is not None
    sb.approve(device.state.user_code)
    device.wait(WAIT)
    wait_for(lambda: box.status == "signed_in", "signed in")
    after = all_state(box)
    secrets = [s for s in device.bearerkit_secrets() if s]
    assert len(secrets) >= 3  # the device code, the access and the refresh token
    for secret in secrets:
        assert secret not in during and secret not in after
    assert device.state.user_code in during  # the user code is meant to be shown
    box.close()


# --- the countdown ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (900, "expires in 15:00"),
        (899.9, "expires in 14:59"),
        (65, "expires in 1:05"),
        (0.5, "expires in 0:00"),
        (0, "expired"),
        (-3, "expired"),
    ],
)
def test_countdown_text(seconds: float, text: str) -> None:
    assert countdown_text(seconds) == text


def test_countdown_follows_the_clock(sb: Sandbox, device: DeviceLogin) -> None:
    device.start()
    expires_at = device.state.expires_at
    assert expires_at is not None
    now = [expires_at - timedelta(seconds=65)]
    box = LoginBox(device, now=lambda: now[0])
    assert box.countdown == "expires in 1:05"
    now[0] += timedelta(seconds=64)
    box.tick()
    assert box.countdown == "expires in 0:01"
    now[0] += timedelta(seconds=1)
    box.tick()
    assert box.countdown == "expired"
    box.close()


def test_the_countdown_ticks_by_itself(sb: Sandbox, device: DeviceLogin) -> None:
    device.start()
    expires_at = device.state.expires_at
    assert expires_at is not None
    start = datetime.now(timezone.utc)
    box = LoginBox(
        device,
        now=lambda: expires_at - timedelta(seconds=100) + (datetime.now(timezone.utc) - start) * 30,
    )  # 30x speed: one real second is 30 on the countdown
    first = box.countdown
    wait_for(lambda: box.countdown != first, "the countdown to move")
    box.close()


# --- browser flow -----------------------------------------------------------------------


def test_browser_flow_shows_the_link_and_the_paste_box(sb: Sandbox, browser: BrowserLogin) -> None:
    browser.start()
    box = LoginBox(browser)
    assert browser.authorization_url is not None
    shown = shown_html(box)
    assert f'href="{browser.authorization_url.replace("&", "&amp;")}"' in shown
    assert "Open the sign-in page" in shown
    assert "bk-login-paste-row" in shown_classes(box)
    box.close()


def test_pasting_the_url_signs_in_and_empties_the_box(sb: Sandbox, browser: BrowserLogin) -> None:
    browser.start()
    box = LoginBox(browser)
    assert browser.authorization_url is not None
    ended_on = sb.consent(browser.authorization_url)
    code = parse_qs(urlsplit(ended_on).query)["code"][0]
    box.paste.value = ended_on
    box.finish.click()
    assert box.paste.value == ""
    wait_for(lambda: box.status == "signed_in", "signed in")
    assert box.error == ""
    state = all_state(box)
    assert code not in state
    for secret in browser.bearerkit_secrets():
        assert secret not in state
    box.close()


def test_a_wrong_state_is_shown_in_the_box(sb: Sandbox, browser: BrowserLogin) -> None:
    browser.start()
    box = LoginBox(browser)
    assert browser.authorization_url is not None
    ended_on = sb.consent(browser.authorization_url)
    query = {k: v[0] for k, v in parse_qs(urlsplit(ended_on).query).items()}
    forged = urlsplit(ended_on)._replace(query=urlencode({**query, "state": "forged"})).geturl()
    box.submit(forged)
    assert box.error and "state" in box.error.lower()
    assert query["code"] not in all_state(box)
    box.close()


def test_an_empty_paste_asks_for_the_address(sb: Sandbox, browser: BrowserLogin) -> None:
    browser.start()
    box = LoginBox(browser)
    box.finish.click()
    assert box.error == "Paste the address the browser ended on first."
    assert "Paste the address" in all_state(box)
    box.close()


def test_the_browser_redirect_reaching_the_listener_signs_in(
    sb: Sandbox, browser: BrowserLogin
) -> None:
    browser.start()
    box = LoginBox(browser)
    assert browser.authorization_url is not None
    requests.get(sb.consent(browser.authorization_url), timeout=WAIT)  # the browser's redirect
    wait_for(lambda: box.status == "signed_in", "signed in")
    assert "bk-login-paste-row" not in shown_classes(box)  # nothing left to paste
    box.close()


# --- lifecycle --------------------------------------------------------------------------


def test_close_stops_following_the_login(sb: Sandbox, device: DeviceLogin) -> None:
    device.start()
    box = LoginBox(device)
    box.close()
    assert device.state.user_code is not None
    sb.approve(device.state.user_code)
    device.wait(WAIT)
    assert box.status == "pending"  # the closed box no longer renders


def test_start_shows_the_box_in_widget_mode(sb: Sandbox, device: DeviceLogin) -> None:
    from bearerkit.oauth import login as login_module

    shown: list[Any] = []
    import IPython.display

    original = IPython.display.display
    IPython.display.display = lambda obj, **kw: shown.append(obj)  # type: ignore[assignment]
    try:
        device.start()  # shows the terminal line (not in a kernel)
        login_module.show(device, mode="widget")
    finally:
        IPython.display.display = original
    assert len(shown) == 1 and isinstance(shown[0], LoginBox)
    assert shown[0].status == "pending"
    shown[0].close()


class StandIn:
    """Just the display side of a login (``subscribe``), to feed the box hostile text."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def subscribe(self, callback: Any) -> Any:
        callback(self.state)
        return lambda: None


def test_what_a_server_sent_is_escaped() -> None:
    from bearerkit.oauth.login import LoginState

    hostile = '"><img src=x onerror=alert(1)>'
    state = LoginState(
        "device",
        status="pending",
        verification_uri="https://example.com/device?x=" + hostile,
        user_code="AB" + hostile,
        message="Waiting " + hostile,
        expires_at=datetime.now(timezone.utc) + timedelta(minutes=5),
    )
    box = LoginBox(StandIn(state))
    shown = shown_html(box)
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert 'onerror=alert(1)"' not in shown
    box.close()
