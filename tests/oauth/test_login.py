"""bearerkit.oauth.login: what the three sign-ins share, and the canary leak tests over every path.

Status and display (the LoginState snapshot, subscribe, the stderr line, the widget
fallback), the secrets protocol, and no canary in a repr, an error, a log line, a
verbose traceback's locals, a cassette or the widget's state. A recorded device
sign-in replays offline with nothing stored.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path

import pytest

import bearerkit as bk
from bearerkit.errors import AuthError
from bearerkit.oauth import BrowserLogin, DeviceLogin, LoginState, RefreshLogin
from bearerkit.oauth.login import STATUSES, show
from bearerkit.oauth.store import logins_dir
from bearerkit.secrets import known_secrets

from .loginkit import (
    CANARY,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH,
    SleepClock,
    UserAuthServer,
    assert_clean,
    full_text,
    leaky_locals,
)


def device(srv: UserAuthServer, clock: object, **kw: object) -> DeviceLogin:
    kw.setdefault("store", False)
    return DeviceLogin(srv.device_url, srv.token_url, CLIENT_ID, scope="read", clock=clock, **kw)  # type: ignore[arg-type]


def test_the_state_has_the_fields_the_display_reads_and_no_secret(user_server, sleep_clock):
    assert [f.name for f in dataclasses.fields(LoginState)] == [
        "flow", "status", "verification_uri", "verification_uri_complete", "user_code",
        "expires_at", "authorization_url", "redirect_uri", "message", "storage",
    ]  # fmt: skip
    user_server.client_secret = CLIENT_SECRET
    login = device(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    states: list[LoginState] = []
    login.subscribe(states.append)
    login.start()
    login.wait(timeout=10)
    assert {s.status for s in states} <= set(STATUSES)
    for state in states:
        assert_clean(repr(state))


def test_unsubscribe_stops_the_calls(user_server, sleep_clock):
    seen: list[str] = []
    login = device(user_server, sleep_clock)
    stop = login.subscribe(lambda s: seen.append(s.status))
    stop()
    stop()  # idempotent
    login.start()
    login.wait(timeout=10)
    assert seen == ["idle"]


def test_show_terminal_mode_writes_one_stderr_line(real_server, capsys):
    real_server.device_script = ["pending"] * 50
    login = device(real_server, None)
    login.start()
    capsys.readouterr()
    show(login, mode="terminal")
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and login.state.user_code in out.err
    show(login, mode="none")
    assert capsys.readouterr().err == ""
    login.forget()


def test_show_widget_mode_without_the_widget_falls_back_to_the_line(
    real_server, capsys, monkeypatch
):
    real_server.device_script = ["pending"] * 50
    login = device(real_server, None)
    login.start()
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "bearerkit.widgets.login_box", None)  # import fails
    show(login, mode="widget")
    assert login.state.user_code in capsys.readouterr().err
    login.forget()


def test_outside_jupyter_start_picks_the_terminal_line(real_server, capsys):
    from bearerkit.oauth.login import _in_jupyter

    assert _in_jupyter() is False  # pytest is not a kernel
    real_server.device_script = ["pending"] * 50
    login = device(real_server, None)
    login.start()
    assert login.state.user_code in capsys.readouterr().err
    login.forget()


def test_the_widget_renders_from_the_state_and_holds_no_secret(user_server, sleep_clock):
    pytest.importorskip("ipywidgets")
    from bearerkit.widgets.login_box import LoginBox

    user_server.client_secret = CLIENT_SECRET
    user_server.device_script = ["pending", "ok"]
    login = device(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    box = LoginBox(login)
    login.start()
    login.wait(timeout=10)
    import json

    from ipywidgets import Widget

    state = json.dumps(Widget.get_manager_state(drop_defaults=False), default=str)
    assert login.state.storage in state or "signed" in state.lower()
    assert_clean(state)
    box.close()


def test_a_silent_sign_in_from_the_store_shows_nothing(user_server, sleep_clock, capsys):
    login = device(user_server, sleep_clock, store=True)
    login.start()
    login.wait(timeout=10)
    capsys.readouterr()
    again = device(user_server, sleep_clock, store=True)
    again.start()
    assert again.status == "signed_in" and capsys.readouterr().err == ""


def test_every_login_registers_its_secrets_for_the_scrubber(user_server, sleep_clock):
    user_server.client_secret = CLIENT_SECRET
    login = device(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    login.start()
    login.wait(timeout=10)
    held = known_secrets()
    assert CLIENT_SECRET in held
    assert any(s.startswith(f"{CANARY}-device-") for s in held)
    assert any(s.startswith(f"{CANARY}-access-") for s in held)
    assert any(s.startswith(REFRESH) for s in held)


def test_repr_errors_and_logs_never_show_a_canary(user_server, sleep_clock, caplog):
    caplog.set_level(logging.DEBUG)
    user_server.client_secret = CLIENT_SECRET
    login = device(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    login.start()
    login.wait(timeout=10)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    user_server.valid_refresh.clear()
    sleep_clock.advance(7200)
    with pytest.raises(AuthError) as info:
        api.get("/api/me")
    assert_clean(repr(login) + str(login.state) + repr(api) + full_text(info.value))
    assert leaky_locals(info.value) == []
    assert_clean(caplog.text)


def test_a_failing_poll_leaves_no_canary_in_the_stored_error(user_server, sleep_clock):
    user_server.client_secret = CLIENT_SECRET
    user_server.device_script = ["weird_error"]
    login = device(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    login.start()
    with pytest.raises(AuthError) as info:
        login.wait(timeout=10)
    assert_clean(full_text(info.value) + str(login.state))
    assert leaky_locals(info.value) == []


def test_a_recorded_device_sign_in_holds_no_secret_and_replays_offline(
    user_server, sleep_clock, tmp_path
):
    cassette = tmp_path / "cassettes" / "signin.yaml"
    user_server.client_secret = CLIENT_SECRET
    user_server.device_script = ["pending", "ok"]
    with bk.use_cassette(cassette):
        login = device(user_server, sleep_clock, client_secret=CLIENT_SECRET)
        login.start()
        login.wait(timeout=10)
        api = bk.Client(user_server.url, auth=login)
        assert api.get("/api/me")["ok"] is True
        sleep_clock.advance(7200)  # the refresh is recorded too
        assert api.get("/api/me")["ok"] is True
    text = cassette.read_text()
    assert "refresh_token" in text and "device_code" in text  # the exchange is there ...
    assert_clean(text)  # ... without one secret
    user_server.httpd.shutdown()  # offline from here

    clock = SleepClock()
    with bk.use_cassette(cassette, record_mode="none"):
        again = DeviceLogin(user_server.device_url, user_server.token_url, CLIENT_ID,
                            scope="read", client_secret="another-secret-entirely", clock=clock)  # fmt: skip
        again.start()
        again.wait(timeout=10)
        api = bk.Client(user_server.url, auth=again)
        assert api.get("/api/me")["ok"] is True
    assert again.status == "signed_in"
    assert not logins_dir().exists() or not list(logins_dir().glob("*.json"))  # nothing stored


def test_a_recorded_browser_sign_in_holds_no_code_or_verifier(real_server, tmp_path):
    cassette = tmp_path / "browser.yaml"
    real_server.client_secret = CLIENT_SECRET
    login = BrowserLogin(real_server.authorize_url, real_server.token_url, CLIENT_ID,
                         client_secret=CLIENT_SECRET, redirect_uri="https://example.com/cb",
                         store=False, open_browser=False)  # fmt: skip
    login.start()
    landed = real_server.redirect_for(login.authorization_url)  # the browser: not recorded
    with bk.use_cassette(cassette):
        login.complete(landed)
        bk.Client(real_server.url, auth=login).get("/api/me")
    text = cassette.read_text()
    assert "code_verifier" in text
    assert_clean(text)


def test_a_recorded_refresh_login_holds_no_refresh_token(real_server, tmp_path):
    cassette = tmp_path / "refresh.yaml"
    real_server.valid_refresh.add(f"{REFRESH}seed")
    with bk.use_cassette(cassette):
        login = RefreshLogin(real_server.token_url, CLIENT_ID, f"{REFRESH}seed", store=False)
        bk.Client(real_server.url, auth=login).get("/api/me")
    assert_clean(cassette.read_text())


def test_the_store_is_kept_out_of_the_working_directory(user_server, sleep_clock):
    login = device(user_server, sleep_clock, store=True)
    login.start()
    login.wait(timeout=10)
    assert not Path(login.storage).is_relative_to(Path.cwd())
    assert list(Path.cwd().iterdir()) == []


# -- conformance against the sandbox's authorization server (issue 22 item 7) ---------------


@pytest.fixture
def sandbox_with_clock():  # type: ignore[no-untyped-def]
    from bearerkit import sandbox

    clock = SleepClock(start=10_000.0)
    with sandbox.start(clock=clock) as sb:
        yield sb, clock


def test_sandbox_device_flow_approved_then_refreshed_after_expiry(sandbox_with_clock):
    sb, clock = sandbox_with_clock
    login = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id,
                        scope="profile", store=False, clock=clock)  # fmt: skip
    login.start()
    sb.approve(login.state.user_code)
    login.wait(timeout=10)
    api = bk.Client(sb.user_api_url, auth=login)
    assert api.get("/me")["scope"] == "profile"
    clock.advance(sb.token_ttl + 1)  # expired on the sandbox's clock and the login's
    assert api.get("/me")["username"]
    assert login.refresh_count == 1


def test_sandbox_device_flow_never_polls_faster_than_it_allows(sandbox_with_clock):
    sb, clock = sandbox_with_clock
    sb.slow_down_next(1)
    login = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id,
                        store=False, clock=clock)  # fmt: skip
    login.start()
    threading_timer = __import__("threading").Timer(0.2, sb.approve, args=(login.state.user_code,))
    threading_timer.start()
    login.wait(timeout=10)
    assert login.status == "signed_in"
    assert clock.sleeps[0] == sb.device_interval and sb.device_interval + 5 in clock.sleeps


def test_sandbox_device_flow_denied(sandbox_with_clock):
    sb, clock = sandbox_with_clock
    login = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id,
                        store=False, clock=clock)  # fmt: skip
    login.start()
    sb.deny(login.state.user_code)
    with pytest.raises(AuthError, match="denied"):
        login.wait(timeout=10)


def test_sandbox_browser_flow_through_the_listener_and_by_paste(sandbox_with_clock):
    sb, clock = sandbox_with_clock
    login = BrowserLogin(sb.authorize_url, sb.token_url, sb.login_client_id, scope="profile",
                         store=False, open_browser=False, clock=clock)  # fmt: skip
    login.start()
    landed = sb.consent(login.authorization_url, approve=True)
    import requests

    assert requests.get(landed, timeout=10).status_code == 200  # the browser reaches the listener
    login.wait(timeout=5)
    assert bk.Client(sb.user_api_url, auth=login).get("/me")["scope"] == "profile"
    pasted = BrowserLogin(sb.authorize_url, sb.token_url, sb.login_client_id, scope="profile",
                          store=False, open_browser=False, clock=clock)  # fmt: skip
    pasted.start()
    pasted.complete(sb.consent(pasted.authorization_url, approve=True))
    assert pasted.status == "signed_in"


def test_sandbox_browser_flow_denied_and_insufficient_scope(sandbox_with_clock):
    sb, clock = sandbox_with_clock
    login = BrowserLogin(sb.authorize_url, sb.token_url, sb.login_client_id, scope="profile",
                         store=False, open_browser=False, clock=clock)  # fmt: skip
    login.start()
    with pytest.raises(AuthError, match="denied"):
        login.complete(sb.consent(login.authorization_url, approve=False))
    login.start()
    login.complete(sb.consent(login.authorization_url, approve=True))
    with pytest.raises(AuthError):
        bk.Client(sb.user_api_url, auth=login).get("/ratings")  # 403 insufficient_scope
    assert login.refresh_count == 0  # no refresh can widen a scope


def test_sandbox_refresh_login_rotates_and_a_revoked_family_says_sign_in_again(sandbox_with_clock):
    sb, clock = sandbox_with_clock
    first = DeviceLogin(sb.device_authorization_url, sb.token_url, sb.login_client_id,
                        store=False, clock=clock)  # fmt: skip
    first.start()
    sb.approve(first.state.user_code)
    first.wait(timeout=10)
    refresh_token = first._live.refresh_token.reveal()
    login = RefreshLogin(sb.token_url, sb.login_client_id, refresh_token, store=False, clock=clock)
    api = bk.Client(sb.user_api_url, auth=login)
    assert api.get("/me")["username"]
    sb.revoke_tokens()
    with pytest.raises(AuthError, match="sign in again") as info:
        api.get("/me")
    assert refresh_token not in full_text(info.value)
    assert leaky_locals(info.value) == []


def test_importing_the_oauth_package_stays_light():
    import subprocess

    code = (
        "import sys, bearerkit.oauth, bearerkit; bearerkit.oauth.providers(); "
        "print([m for m in ('keyring', 'ipywidgets', 'IPython', 'filelock', 'platformdirs', "
        "'bearerkit.widgets.login_box', 'oauthlib') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_endpoint_is_a_network_error_without_a_canary(user_server, sleep_clock):
    dead = f"http://127.0.0.1:{_closed_port()}"
    login = DeviceLogin(f"{dead}/device", f"{dead}/token", CLIENT_ID, client_secret=CLIENT_SECRET,
                        store=False, clock=sleep_clock)  # fmt: skip
    with pytest.raises(bk.NetworkError, match="Could not connect") as info:
        login.start()
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []
    refresh = RefreshLogin(f"{dead}/token", CLIENT_ID, f"{REFRESH}seed",
                           client_secret=CLIENT_SECRET, store=False)  # fmt: skip
    with pytest.raises(bk.NetworkError) as info:
        bk.Client(user_server.url, auth=refresh).get("/api/me")
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []
