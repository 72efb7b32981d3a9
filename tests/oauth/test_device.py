"""bearerkit.oauth.device: DeviceLogin against a loopback server (RFC 8628), polling on a fake clock."""

from __future__ import annotations

import itertools
import threading

import pytest

import bearerkit as bk
from bearerkit.errors import AuthError, ResponseFormatError
from bearerkit.oauth import DeviceLogin
from bearerkit.oauth.device import DEVICE_GRANT

from .loginkit import (
    CLIENT_ID,
    CLIENT_SECRET,
    UserAuthServer,
    assert_clean,
    full_text,
    leaky_locals,
)


def make(srv: UserAuthServer, clock: object = None, **kw: object) -> DeviceLogin:
    kw.setdefault("store", False)
    return DeviceLogin(srv.device_url, srv.token_url, CLIENT_ID, clock=clock, scope="read", **kw)  # type: ignore[arg-type]


def poll_times(srv: UserAuthServer) -> list[float]:
    device = [r["t"] for r in srv.requests if r["path"] == "/device"]
    polls = [r["t"] for r in srv.token_requests(DEVICE_GRANT)]
    return device + polls


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


def test_the_polling_gaps_are_5_5_5_10_for_pending_pending_slow_down_then_success(
    user_server, sleep_clock
):
    user_server.device_script = ["pending", "pending", "slow_down", "ok"]
    login = make(user_server, sleep_clock)
    login.start()
    login.wait(timeout=10)
    assert login.status == "signed_in"
    assert gaps(poll_times(user_server)) == [5, 5, 5, 10]


def test_slow_down_is_kept_for_every_later_poll(user_server, sleep_clock):
    user_server.device_script = ["slow_down", "pending", "slow_down", "pending", "ok"]
    login = make(user_server, sleep_clock)
    login.start()
    login.wait(timeout=10)
    assert gaps(poll_times(user_server)) == [5, 10, 10, 15, 15]


def test_an_absent_interval_means_5_seconds(user_server, sleep_clock):
    user_server.interval = None
    user_server.device_script = ["pending", "ok"]
    login = make(user_server, sleep_clock)
    login.start()
    login.wait(timeout=10)
    assert gaps(poll_times(user_server)) == [5, 5]


def test_the_interval_the_server_gives_is_kept_on_pending(user_server, sleep_clock):
    user_server.interval = 7
    user_server.device_script = ["pending", "pending", "ok"]
    login = make(user_server, sleep_clock)
    login.start()
    login.wait(timeout=10)
    assert gaps(poll_times(user_server)) == [7, 7, 7]


def test_the_poll_is_the_rfc_8628_request(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    login.start()
    login.wait(timeout=10)
    device = next(r for r in user_server.requests if r["path"] == "/device")
    assert device["form"] == {"scope": "read", "client_id": CLIENT_ID}
    poll = user_server.token_requests(DEVICE_GRANT)[0]
    assert poll["form"]["grant_type"] == DEVICE_GRANT
    assert poll["form"]["client_id"] == CLIENT_ID
    assert poll["form"]["device_code"].startswith("bk-leak-canary-device-")
    assert poll["accept"] == "application/json"


def test_start_returns_at_once_and_the_state_shows_the_code(real_server, capsys):
    real_server.device_script = ["pending"] * 50
    login = make(real_server)
    login.start()  # a real clock: the first poll is 5 s away, start() does not wait for it
    state = login.state
    assert state.status == "pending" and login.status == "pending"
    assert state.user_code and state.verification_uri.endswith("/activate")
    assert state.verification_uri_complete and state.user_code in state.verification_uri_complete
    assert state.expires_at is not None
    line = capsys.readouterr().err
    assert line.count("\n") == 1 and state.user_code in line and state.verification_uri in line
    login.forget()


@pytest.mark.parametrize(
    "step, status, words",
    [("denied", "denied", "denied"), ("expired", "expired", "expired"),
     ("token_expired", "expired", "expired"), ("authorization_declined", "denied", "denied")],
)  # fmt: skip
def test_denied_and_expired_stop_with_a_clear_error(user_server, sleep_clock, step, status, words):
    user_server.device_script = ["pending", step]
    login = make(user_server, sleep_clock)
    login.start()
    with pytest.raises(AuthError, match=words) as info:
        login.wait(timeout=10)
    assert login.status == status
    assert "login.start()" in str(info.value)
    assert login.state.message == str(info.value)
    assert len(user_server.token_requests(DEVICE_GRANT)) == 2  # and no poll after that


def test_the_code_running_out_stops_the_polling(user_server, sleep_clock):
    user_server.device_expires_in = 12
    user_server.device_script = ["pending"] * 10
    login = make(user_server, sleep_clock)
    login.start()
    with pytest.raises(AuthError, match="expired"):
        login.wait(timeout=10)
    assert login.status == "expired"
    assert len(user_server.token_requests(DEVICE_GRANT)) == 2  # at 5 and 10; 15 is past 12


def test_github_device_flow_disabled_says_where_to_enable_it(user_server, sleep_clock):
    user_server.device_script = ["device_flow_disabled"]
    login = make(user_server, sleep_clock)
    login.start()
    with pytest.raises(AuthError, match="Enable 'Device Flow'"):
        login.wait(timeout=10)


def test_an_unknown_error_stops_with_the_server_words(user_server, sleep_clock):
    user_server.device_script = ["invalid_client"]
    login = make(user_server, sleep_clock)
    login.start()
    with pytest.raises(AuthError, match="invalid_client"):
        login.wait(timeout=10)
    assert login.status == "error"


def test_a_request_through_a_client_waits_for_the_sign_in(real_server):
    real_server.interval = 0  # a real clock: the server allows polling at once
    real_server.device_script = ["pending", "ok"]
    login = make(real_server)
    login.start()
    api = bk.Client(real_server.url, auth=login)
    assert api.get("/api/me")["ok"] is True
    assert login.status == "signed_in"


def test_a_request_after_a_denied_sign_in_raises_the_denial(user_server, sleep_clock):
    user_server.device_script = ["denied"]
    login = make(user_server, sleep_clock)
    login.start()
    with pytest.raises(AuthError):
        login.wait(timeout=10)
    with pytest.raises(AuthError, match="denied"):
        bk.Client(user_server.url, auth=login).get("/api/me")


def test_a_request_before_start_says_to_call_start(user_server):
    with pytest.raises(AuthError, match=r"login\.start\(\)"):
        bk.Client(user_server.url, auth=make(user_server)).get("/api/me")


def test_wait_with_a_timeout_raises_when_not_signed_in(real_server):
    real_server.device_script = ["pending"] * 50
    login = make(real_server)
    login.start()
    with pytest.raises(AuthError, match=r"Not signed in after 0\.1 s"):
        login.wait(timeout=0.1)
    login.forget()


def test_a_device_answer_without_a_user_code_is_a_format_error(user_server, monkeypatch):
    original = user_server._device

    def broken(h, form):
        h.json(200, {"device_code": "bk-leak-canary-device-x", "verification_uri": "http://x/",
                     "expires_in": 600})  # fmt: skip

    monkeypatch.setattr(user_server, "_device", broken)
    login = make(user_server)
    with pytest.raises(ResponseFormatError, match="user_code") as info:
        login.start()
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []
    del original


def test_google_style_verification_url_is_read(user_server, sleep_clock):
    user_server.verification_field = "verification_url"
    user_server.verification_complete = False
    login = make(user_server, sleep_clock)
    login.start()
    assert login.state.verification_uri.endswith("/activate")
    assert login.state.verification_uri_complete is None
    login.wait(timeout=10)


def test_form_encoded_answers_are_read_like_github_sends_them(user_server, sleep_clock):
    user_server.form_encoded = True
    user_server.device_script = ["pending", "ok"]
    login = make(user_server, sleep_clock)
    login.start()
    login.wait(timeout=10)
    assert login.status == "signed_in"


def test_a_client_secret_goes_as_basic_by_default_and_never_shows(user_server, sleep_clock):
    user_server.client_secret = CLIENT_SECRET
    login = make(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    login.start()
    login.wait(timeout=10)
    poll = user_server.token_requests(DEVICE_GRANT)[0]
    assert poll["authorization"].startswith("Basic ")
    assert "client_secret" not in poll["form"]
    assert_clean(repr(login) + str(login.state))


def test_listeners_see_every_change_and_a_broken_one_changes_nothing(user_server, sleep_clock):
    seen: list[str] = []
    user_server.device_script = ["pending", "ok"]
    login = make(user_server, sleep_clock)
    login.subscribe(lambda state: seen.append(state.status))
    login.subscribe(lambda state: 1 / 0)
    login.start()
    login.wait(timeout=10)
    assert seen[0] == "idle" and seen[-1] == "signed_in" and "pending" in seen
    for state_text in map(str, [login.state]):
        assert_clean(state_text)


def test_the_polling_thread_leaves_the_caller_free(real_server):
    real_server.device_script = ["pending"] * 50
    login = make(real_server)
    login.start()
    assert any(t.name == "bearerkit-device-login" for t in threading.enumerate())
    login.forget()


# -- conformance against an independent server: oauthlib's RFC 8628 grant ------------------

from .oauthlib_server import OAuthlibServer  # noqa: E402


def test_oauthlib_device_flow_pending_then_approved(oauthlib_server: OAuthlibServer):
    srv = oauthlib_server
    login = DeviceLogin(f"{srv.url}/device", f"{srv.url}/token", CLIENT_ID, scope="read",
                        store=False)  # fmt: skip
    login.start()
    assert login.status == "pending" and login.state.user_code
    threading.Timer(0.3, srv.approve).start()  # the user approves a moment later
    login.wait(timeout=10)
    assert login.status == "signed_in"
    assert bk.Client(srv.url, auth=login).get("/api")["ok"] is True
    polls = [body for path, body in srv.requests if path == "/token"]
    assert len(polls) >= 2  # at least one authorization_pending before the approval


def test_oauthlib_device_flow_denied(oauthlib_server: OAuthlibServer):
    login = DeviceLogin(f"{oauthlib_server.url}/device", f"{oauthlib_server.url}/token", CLIENT_ID,
                        store=False)  # fmt: skip
    login.start()
    oauthlib_server.approve("access_denied")
    with pytest.raises(AuthError, match="denied"):
        login.wait(timeout=10)
    assert login.status == "denied"
