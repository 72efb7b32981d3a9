"""bearerkit.oauth.refresh and the refresh every login shares (bearerkit.oauth.login).

RefreshLogin against the loopback server: renewal before expiry on a fake clock,
rotation, one refresh for 8 threads, the 401 invalid_token re-send (and none on
insufficient_scope), invalid_grant as "sign in again", never a loop.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

import bearerkit as bk
from bearerkit.errors import AuthError, TokenError
from bearerkit.oauth import RefreshLogin

from .loginkit import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH,
    SleepClock,
    UserAuthServer,
    assert_clean,
    full_text,
    leaky_locals,
    seed,
)


def make(srv: UserAuthServer, clock: object = None, **kw: object) -> RefreshLogin:
    kw.setdefault("store", False)
    return RefreshLogin(srv.token_url, CLIENT_ID, seed(srv), clock=clock, **kw)  # type: ignore[arg-type]


def test_the_first_request_refreshes_and_carries_the_new_token(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    assert api.get("/api/me")["token"] == 1
    form = user_server.token_requests("refresh_token")[0]["form"]
    assert form == {"grant_type": "refresh_token", "refresh_token": f"{REFRESH}seed",
                    "client_id": CLIENT_ID}  # fmt: skip
    assert login.status == "signed_in" and login.refresh_count == 1
    left = (login.expires_at - datetime.now(timezone.utc)).total_seconds()
    assert 3590 < left <= 3600


def test_the_token_is_renewed_before_expiry_and_not_before(user_server, sleep_clock):
    user_server.ttl = 3600
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    sleep_clock.advance(3600 - 31)  # outside the 30 s leeway: same token
    assert api.get("/api/me")["token"] == 1
    sleep_clock.advance(2)  # inside it: renewed first
    assert api.get("/api/me")["token"] == 2
    assert len(user_server.token_requests("refresh_token")) == 2


def test_a_new_refresh_token_replaces_the_old_one(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    sleep_clock.advance(4000)
    api.get("/api/me")
    sleep_clock.advance(4000)
    api.get("/api/me")
    sent = [r["form"]["refresh_token"] for r in user_server.token_requests("refresh_token")]
    assert len(set(sent)) == 3  # each refresh used the token the previous one returned
    assert not user_server.valid_refresh & set(sent[:-1])


def test_the_old_refresh_token_is_kept_when_none_comes_back(user_server, sleep_clock):
    user_server.rotate = False
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    sleep_clock.advance(4000)
    api.get("/api/me")
    sent = [r["form"]["refresh_token"] for r in user_server.token_requests("refresh_token")]
    assert sent == [f"{REFRESH}seed", f"{REFRESH}seed"]


def test_no_scope_is_sent_on_refresh_unless_asked(user_server, sleep_clock):
    make(user_server, sleep_clock).start()
    assert "scope" not in user_server.token_requests("refresh_token")[0]["form"]
    make(user_server, sleep_clock, scope="read").start()
    assert user_server.token_requests("refresh_token")[1]["form"]["scope"] == "read"


def test_eight_threads_at_expiry_send_exactly_one_refresh(real_server):
    clock = SleepClock()
    real_server.clock = clock
    login = make(real_server, clock)
    api = bk.Client(real_server.url, auth=login)
    api.get("/api/me")
    clock.advance(4000)
    real_server.token_delay = 0.3  # the refresh is slow: every thread arrives while it runs
    barrier = threading.Barrier(8)
    results: list[int] = []

    def call() -> None:
        barrier.wait()
        results.append(api.get("/api/me")["token"])

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results == [2] * 8
    assert len(real_server.token_requests("refresh_token")) == 2  # the first, and one for all 8


def test_a_401_invalid_token_refreshes_once_and_resends(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    user_server.valid_access.clear()  # revoked early, though not expired
    assert api.get("/api/me")["token"] == 2
    assert len(user_server.token_requests("refresh_token")) == 2


def test_a_second_401_is_not_retried_again(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    user_server.ttl = 0  # every new token is dead on arrival
    user_server.valid_access.clear()
    with pytest.raises(AuthError):
        api.get("/api/me")
    assert len(user_server.token_requests("refresh_token")) == 2  # one re-send, no loop


@pytest.mark.parametrize(
    "challenge", ['Bearer error="insufficient_scope"', 'Bearer realm="api"', ""]
)
def test_a_401_that_does_not_say_invalid_token_is_not_a_refresh(
    user_server, sleep_clock, challenge
):
    user_server.api_challenge = challenge
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    user_server.valid_access.clear()
    with pytest.raises(AuthError):
        api.get("/api/me")
    assert len(user_server.token_requests("refresh_token")) == 1


def test_insufficient_scope_403_is_not_a_refresh(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    with pytest.raises(AuthError):
        api.get("/api/scope")
    assert len(user_server.token_requests("refresh_token")) == 1


def test_invalid_grant_says_sign_in_again_once_and_never_loops(user_server, sleep_clock):
    login = make(user_server, sleep_clock)
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    user_server.valid_refresh.clear()  # revoked at the provider
    sleep_clock.advance(4000)
    with pytest.raises(AuthError, match="sign in again") as info:
        api.get("/api/me")
    assert "RefreshLogin(" in str(info.value)
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []
    assert login.status == "error"
    with pytest.raises(AuthError, match="sign in again"):
        api.get("/api/me")
    assert len(user_server.token_requests("refresh_token")) == 2  # no retry after the refusal


def test_invalid_grant_on_a_device_login_names_start(user_server, sleep_clock):
    from bearerkit.oauth import DeviceLogin

    login = DeviceLogin(user_server.device_url, user_server.token_url, CLIENT_ID,
                        store=False, clock=sleep_clock)  # fmt: skip
    login.start()
    login.wait(timeout=10)
    user_server.valid_refresh.clear()
    sleep_clock.advance(4000)
    with pytest.raises(AuthError, match=r"sign in again with login\.start\(\)"):
        bk.Client(user_server.url, auth=login).get("/api/me")


def test_an_empty_refresh_token_is_a_token_error():
    with pytest.raises(TokenError, match="refresh_token is empty"):
        RefreshLogin("https://auth.example.com/token", CLIENT_ID, " ", store=False)


def test_plain_http_to_a_remote_token_url_is_refused():
    with pytest.raises(bk.InsecureTransportError):
        RefreshLogin("http://auth.example.com/token", CLIENT_ID, "x" * 20, store=False)


def test_the_refresh_token_and_secret_never_show(user_server, sleep_clock, caplog):
    user_server.client_secret = CLIENT_SECRET
    login = make(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    caplog.set_level("DEBUG")
    api = bk.Client(user_server.url, auth=login)
    api.get("/api/me")
    assert_clean(repr(login) + str(login) + repr(api) + str(login.state) + caplog.text)
    with pytest.raises(TypeError, match="cannot be pickled"):
        import pickle

        pickle.dumps(login)


def test_the_secrets_protocol_lists_every_secret_held(user_server, sleep_clock):
    user_server.client_secret = CLIENT_SECRET
    login = make(user_server, sleep_clock, client_secret=CLIENT_SECRET)
    bk.Client(user_server.url, auth=login).get("/api/me")
    held = set(login.bearerkit_secrets())
    assert CLIENT_SECRET in held and f"{REFRESH}seed" in held
    assert user_server.issued[0] in held
    assert any(s.startswith(REFRESH) and s != f"{REFRESH}seed" for s in held)  # the rotated one


# -- conformance against an independent server: oauthlib's refresh grant (rotating) ---------

from .oauthlib_server import OAuthlibServer  # noqa: E402


def test_oauthlib_refresh_rotates_and_the_old_token_is_not_reused(oauthlib_server: OAuthlibServer):
    srv = oauthlib_server
    srv.refresh[f"{REFRESH}seed"] = ["read"]
    clock = SleepClock(start=__import__("time").time())
    login = RefreshLogin(f"{srv.url}/token", CLIENT_ID, f"{REFRESH}seed", store=False, clock=clock)
    api = bk.Client(srv.url, auth=login)
    assert api.get("/api")["ok"] is True
    clock.advance(3600)  # due for renewal on the login's clock
    assert api.get("/api")["ok"] is True
    assert login.refresh_count == 2
    assert f"{REFRESH}seed" not in srv.refresh  # spent, and never sent again
    assert len(srv.refresh) == 1  # the newest one only
