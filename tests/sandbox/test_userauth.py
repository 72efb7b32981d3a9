"""The sandbox as an authorization server: device flow, code + PKCE, rotating refresh, /user.

Plain ``requests`` against a running sandbox on a fake clock; each rule names its RFC.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.oauth import BrowserLogin, DeviceLogin
from bearerkit.sandbox.userauth import DEVICE_GRANT, s256

TIMEOUT = 10


class FakeClock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[sandbox.Sandbox]:
    with sandbox.start(clock=clock) as server:
        yield server


def post(url: str, data: dict[str, str], **kw: Any) -> requests.Response:
    return requests.post(url, data=data, timeout=TIMEOUT, allow_redirects=False, **kw)


def device_start(sb: sandbox.Sandbox, **extra: str) -> dict[str, Any]:
    response = post(sb.device_authorization_url, {"client_id": sb.login_client_id, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def poll(sb: sandbox.Sandbox, device_code: str, **extra: str) -> requests.Response:
    form = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": sb.login_client_id}
    return post(sb.token_url, {**form, **extra})


def error_of(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def me(sb: sandbox.Sandbox, token: str, path: str = "/me") -> requests.Response:
    return requests.get(
        sb.user_api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )


def signed_in_by_device(sb: sandbox.Sandbox, **extra: str) -> dict[str, Any]:
    started = device_start(sb, **extra)
    sb.approve(started["user_code"])
    response = poll(sb, started["device_code"])
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- PKCE and the browser flow's helpers ---------------------------------------------


def verifier() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, RFC 7636 §4.1


def authorization_url(
    sb: sandbox.Sandbox, *, code_verifier: str, port: int = 53123, **overrides: str | None
) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": sb.login_client_id,
        "redirect_uri": f"http://127.0.0.1:{port}/callback",
        "scope": "profile",
        "state": "state-" + secrets.token_hex(4),
        "code_challenge": s256(code_verifier),
        "code_challenge_method": "S256",
        **overrides,
    }
    return f"{sb.authorize_url}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def approve_in_page(url: str, decision: str = "approve") -> requests.Response:
    """What a person does: open the consent page, press a button; returns the 302."""
    with requests.Session() as browser:
        page = browser.get(url, timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        request_id = re.search(r'name="request" value="([^"]+)"', page.text)
        assert request_id is not None
        action = urlsplit(url)._replace(query="").geturl()
        return browser.post(
            action,
            data={"request": request_id[1], "decision": decision},
            allow_redirects=False,
            timeout=TIMEOUT,
        )


def exchange(
    sb: sandbox.Sandbox, code: str, code_verifier: str, redirect_uri: str, **extra: str
) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "client_id": sb.login_client_id,
    }
    return post(sb.token_url, {**form, **extra})


def signed_in_by_browser(sb: sandbox.Sandbox, scope: str = "profile") -> dict[str, Any]:
    v = verifier()
    url = authorization_url(sb, code_verifier=v, scope=scope)
    back = query_of(sb.consent(url))
    response = exchange(sb, back["code"], v, query_of(url)["redirect_uri"])
    assert response.status_code == 200, response.text
    return dict(response.json())


def refresh(sb: sandbox.Sandbox, token: str, **extra: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": sb.login_client_id}
    return post(sb.token_url, {**form, **extra})


# --- device authorization (RFC 8628) -----------------------------------------------


def test_device_authorization_answer_has_the_required_fields(sb: sandbox.Sandbox) -> None:
    response = post(sb.device_authorization_url, {"client_id": sb.login_client_id})
    body = response.json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", body["user_code"])
    assert body["verification_uri"] == sb.verification_url
    assert query_of(body["verification_uri_complete"]) == {"user_code": body["user_code"]}
    assert (body["expires_in"], body["interval"]) == (900, 5)
    assert len(body["device_code"]) >= 40


def test_pending_then_approved_gives_tokens_that_work(
    sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    started = device_start(sb, scope="profile ratings")
    assert error_of(poll(sb, started["device_code"])) == (400, "authorization_pending")
    clock.advance(5)
    sb.approve(started["user_code"])
    response = poll(sb, started["device_code"])
    tokens = response.json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["scope"] == "profile ratings" and tokens["refresh_token"]
    assert me(sb, tokens["access_token"]).json()["username"] == "sandbox-user"
    assert me(sb, tokens["access_token"], "/ratings").status_code == 200


def test_device_code_is_single_use(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    started = device_start(sb)
    sb.approve(started["user_code"])
    assert poll(sb, started["device_code"]).status_code == 200
    clock.advance(5)
    assert error_of(poll(sb, started["device_code"])) == (400, "invalid_grant")


def test_denied_sign_in_stops_with_access_denied(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    sb.deny(started["user_code"])
    assert error_of(poll(sb, started["device_code"])) == (400, "access_denied")


def test_polling_faster_than_the_interval_gets_slow_down_and_5_more_seconds(
    sb: sandbox.Sandbox, clock: FakeClock
) -> None:
    started = device_start(sb)
    code = started["device_code"]
    assert error_of(poll(sb, code)) == (400, "authorization_pending")
    clock.advance(4.9)
    too_soon = poll(sb, code)
    assert error_of(too_soon) == (400, "slow_down")
    assert "10" in too_soon.json()["error_description"]
    clock.advance(5)  # the old interval is no longer enough: the +5 s is kept
    assert error_of(poll(sb, code)) == (400, "slow_down")
    clock.advance(15)
    assert error_of(poll(sb, code)) == (400, "authorization_pending")


def test_slow_down_next_forces_slow_down(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    sb.device_interval = 1
    started = device_start(sb)
    assert started["interval"] == 1
    sb.slow_down_next(2)
    assert error_of(poll(sb, started["device_code"])) == (400, "slow_down")
    clock.advance(6)
    assert error_of(poll(sb, started["device_code"])) == (400, "slow_down")
    clock.advance(11)
    assert error_of(poll(sb, started["device_code"])) == (400, "authorization_pending")


def test_device_code_expires(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    sb.device_code_ttl = 60
    started = device_start(sb)
    assert started["expires_in"] == 60
    clock.advance(60)
    assert error_of(poll(sb, started["device_code"])) == (400, "expired_token")
    with pytest.raises(ValueError, match="expired"):
        sb.approve(started["user_code"])


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"scope": "profile"}, (401, "invalid_client")),
        ({"client_id": "someone-else"}, (401, "invalid_client")),
        ({"client_id": "LOGIN", "scope": "everything"}, (400, "invalid_scope")),
        ({"client_id": "LOGIN", "scope": "profile  ratings"}, (400, "invalid_scope")),
        ({"client_id": "LOGIN", "client_secret": "wrong"}, (401, "invalid_client")),
    ],
)
def test_device_authorization_errors(
    sb: sandbox.Sandbox, form: dict[str, str], expected: tuple[int, str]
) -> None:
    form = {k: sb.login_client_id if v == "LOGIN" else v for k, v in form.items()}
    assert error_of(post(sb.device_authorization_url, form)) == expected


def test_device_authorization_wants_post(sb: sandbox.Sandbox) -> None:
    response = requests.get(sb.device_authorization_url, timeout=TIMEOUT)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


def test_approving_an_unknown_code_says_so(sb: sandbox.Sandbox) -> None:
    with pytest.raises(ValueError, match="No device sign-in has the code"):
        sb.approve("BCDF-GHJK")


def test_approve_takes_the_code_in_any_case_and_dashes(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    sb.approve(started["user_code"].lower().replace("-", " "))
    assert poll(sb, started["device_code"]).status_code == 200
    with pytest.raises(ValueError, match="already approved"):
        sb.deny(started["user_code"])


def test_client_credentials_client_may_not_use_the_device_grant(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    form = {
        "grant_type": DEVICE_GRANT,
        "device_code": started["device_code"],
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
    }
    assert error_of(post(sb.token_url, form)) == (400, "unauthorized_client")


# --- the verification page -------------------------------------------------------------


def form_token(page_html: str) -> str:
    found = re.search(r'name="form" value="([^"]+)"', page_html)
    assert found is not None, page_html
    return found[1]


def on_the_page(sb: sandbox.Sandbox, user_code: str, decision: str) -> requests.Response:
    """What a person does: open the verification page, type the code, press a button."""
    with requests.Session() as browser:
        page = browser.get(sb.verification_url, timeout=TIMEOUT)
        form = {"form": form_token(page.text), "user_code": user_code, "decision": decision}
        return browser.post(sb.verification_url, data=form, timeout=TIMEOUT)


def test_a_post_without_the_pages_form_token_decides_nothing(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    forged = post(sb.verification_url, {"user_code": started["user_code"], "decision": "approve"})
    assert forged.status_code == 400 and "expired or was already used" in forged.text
    assert error_of(poll(sb, started["device_code"])) == (400, "authorization_pending")


def test_the_form_token_is_single_use(sb: sandbox.Sandbox) -> None:
    first, second = device_start(sb), device_start(sb)
    token = form_token(requests.get(sb.verification_url, timeout=TIMEOUT).text)
    used = post(
        sb.verification_url,
        {"form": token, "user_code": first["user_code"], "decision": "approve"},
    )
    assert used.status_code == 200 and "Signed in" in used.text
    again = post(
        sb.verification_url,
        {"form": token, "user_code": second["user_code"], "decision": "approve"},
    )
    assert again.status_code == 400 and "already used" in again.text
    assert error_of(poll(sb, second["device_code"])) == (400, "authorization_pending")


def test_verification_page_is_a_form_with_approve_and_deny(sb: sandbox.Sandbox) -> None:
    page = requests.get(sb.verification_url, timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert '<form method="post" action="/oauth/device">' in page.text
    assert 'name="user_code" value=""' in page.text
    assert 'value="approve">Approve</button>' in page.text
    assert 'value="deny">Deny</button>' in page.text


def test_verification_uri_complete_fills_in_the_code(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    page = requests.get(started["verification_uri_complete"], timeout=TIMEOUT)
    assert f'name="user_code" value="{started["user_code"]}"' in page.text


def test_approving_on_the_page_signs_the_device_in(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    page = on_the_page(sb, started["user_code"], "approve")
    assert page.status_code == 200 and "Signed in" in page.text
    assert "read your sandbox profile" in page.text
    assert poll(sb, started["device_code"]).status_code == 200


def test_denying_on_the_page(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    page = on_the_page(sb, started["user_code"], "deny")
    assert "Denied" in page.text
    assert error_of(poll(sb, started["device_code"])) == (400, "access_denied")


def test_a_wrong_code_on_the_page_shows_the_form_again_with_an_error(sb: sandbox.Sandbox) -> None:
    page = on_the_page(sb, '"><script>x</script>', "approve")
    assert page.status_code == 400 and 'role="alert"' in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


# --- authorization code with PKCE (RFC 6749 §4.1, RFC 7636, RFC 8252) ---------------------


def test_rfc_7636_appendix_b_vector() -> None:
    verifier_b = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier_b) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    digest = hashlib.sha256(verifier_b.encode()).digest()
    assert s256(verifier_b) == base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_consent_page_redirects_with_code_state_and_iss(sb: sandbox.Sandbox) -> None:
    v = verifier()
    url = authorization_url(sb, code_verifier=v, scope="profile ratings")
    page = requests.get(url, timeout=TIMEOUT)
    assert page.status_code == 200 and "read your movie ratings" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    answer = approve_in_page(url)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("http://127.0.0.1:53123/callback?")
    back = query_of(location)
    assert back["state"] == query_of(url)["state"] and back["iss"] == sb.root_url
    tokens = exchange(sb, back["code"], v, "http://127.0.0.1:53123/callback").json()
    assert tokens["scope"] == "profile ratings" and tokens["expires_in"] == 3600
    assert me(sb, tokens["access_token"]).status_code == 200


def test_deny_redirects_with_access_denied_and_state(sb: sandbox.Sandbox) -> None:
    url = authorization_url(sb, code_verifier=verifier())
    back = query_of(approve_in_page(url, "deny").headers["Location"])
    assert back["error"] == "access_denied" and back["state"] == query_of(url)["state"]
    assert "code" not in back


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:1/callback",
        "http://127.0.0.1:65535/callback",
        "http://[::1]:8080/callback",
    ],
)
def test_any_loopback_port_is_accepted(sb: sandbox.Sandbox, redirect_uri: str) -> None:
    v = verifier()
    url = authorization_url(sb, code_verifier=v, redirect_uri=redirect_uri)
    location = sb.consent(url)
    assert location.startswith(redirect_uri + "?")
    assert exchange(sb, query_of(location)["code"], v, redirect_uri).status_code == 200


@pytest.mark.parametrize(
    "redirect_uri",
    [
        None,
        "http://localhost:8080/callback",
        "https://127.0.0.1:8080/callback",
        "http://127.0.0.1:8080/callback/",
        "http://127.0.0.1:8080/other",
        "http://127.0.0.1:8080/callback?x=1",
        "http://evil.example@127.0.0.1:8080/callback",
        "http://127.0.0.1.evil.example/callback",
    ],
)
def test_unregistered_redirect_uris_get_an_error_page_not_a_redirect(
    sb: sandbox.Sandbox, redirect_uri: str | None
) -> None:
    url = authorization_url(sb, code_verifier=verifier(), redirect_uri=redirect_uri)
    page = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    assert page.status_code == 400 and "redirect_uri is not registered" in page.text
    with pytest.raises(ValueError, match="redirect_uri is not registered"):
        sb.consent(url)


def test_unknown_client_gets_an_error_page(sb: sandbox.Sandbox) -> None:
    url = authorization_url(sb, code_verifier=verifier(), client_id="someone-else")
    page = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    assert page.status_code == 400 and "Unknown client_id" in page.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
    ],
)
def test_bad_requests_redirect_back_with_the_error_and_state(
    sb: sandbox.Sandbox, overrides: dict[str, str | None], error: str
) -> None:
    url = authorization_url(sb, code_verifier=verifier(), **overrides)
    answer = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    assert answer.status_code == 302
    back = query_of(answer.headers["Location"])
    assert back["error"] == error and back["state"] == query_of(url)["state"]


def test_wrong_verifier_is_invalid_grant(sb: sandbox.Sandbox) -> None:
    url = authorization_url(sb, code_verifier=verifier())
    code = query_of(sb.consent(url))["code"]
    response = exchange(sb, code, verifier(), "http://127.0.0.1:53123/callback")
    assert error_of(response) == (400, "invalid_grant")
    assert "code_verifier" in response.json()["error_description"]


@pytest.mark.parametrize(
    "redirect_uri", ["http://127.0.0.1:53124/callback", "http://[::1]:53123/callback", ""]
)
def test_redirect_uri_must_repeat_exactly(sb: sandbox.Sandbox, redirect_uri: str) -> None:
    v = verifier()
    code = query_of(sb.consent(authorization_url(sb, code_verifier=v)))["code"]
    assert error_of(exchange(sb, code, v, redirect_uri)) == (400, "invalid_grant")


@pytest.mark.parametrize("bad", ["", "short", "x" * 129, "é" * 43])
def test_malformed_verifier_is_invalid_request(sb: sandbox.Sandbox, bad: str) -> None:
    code = query_of(sb.consent(authorization_url(sb, code_verifier=verifier())))["code"]
    assert error_of(exchange(sb, code, bad, "http://127.0.0.1:53123/callback")) == (
        400,
        "invalid_request",
    )


def test_reused_code_is_refused_and_revokes_its_tokens(sb: sandbox.Sandbox) -> None:
    v = verifier()
    code = query_of(sb.consent(authorization_url(sb, code_verifier=v)))["code"]
    first = exchange(sb, code, v, "http://127.0.0.1:53123/callback").json()
    assert me(sb, first["access_token"]).status_code == 200
    again = exchange(sb, code, v, "http://127.0.0.1:53123/callback")
    assert error_of(again) == (400, "invalid_grant")
    assert "already used" in again.json()["error_description"]
    assert me(sb, first["access_token"]).status_code == 401
    assert error_of(refresh(sb, first["refresh_token"])) == (400, "invalid_grant")


def test_codes_expire(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    v = verifier()
    code = query_of(sb.consent(authorization_url(sb, code_verifier=v)))["code"]
    clock.advance(600)
    assert error_of(exchange(sb, code, v, "http://127.0.0.1:53123/callback")) == (
        400,
        "invalid_grant",
    )


def test_a_consent_page_can_be_answered_once(sb: sandbox.Sandbox) -> None:
    url = authorization_url(sb, code_verifier=verifier())
    with requests.Session() as browser:
        page = browser.get(url, timeout=TIMEOUT)
        request_id = re.search(r'name="request" value="([^"]+)"', page.text)
        assert request_id is not None
        form = {"request": request_id[1], "decision": "approve"}
        first = browser.post(sb.authorize_url, data=form, allow_redirects=False, timeout=TIMEOUT)
        second = browser.post(sb.authorize_url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert first.status_code == 302
    assert second.status_code == 400 and "already used" in second.text


# --- refresh tokens (RFC 6749 §6, RFC 9700 §4.14) -------------------------------------


def test_refresh_rotates_and_the_new_tokens_work(sb: sandbox.Sandbox) -> None:
    tokens = signed_in_by_device(sb)
    response = refresh(sb, tokens["refresh_token"])
    renewed = response.json()
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["expires_in"] == 3600 and renewed["scope"] == "profile"
    assert me(sb, renewed["access_token"]).status_code == 200
    assert refresh(sb, renewed["refresh_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_family(sb: sandbox.Sandbox) -> None:
    tokens = signed_in_by_browser(sb)
    renewed = refresh(sb, tokens["refresh_token"]).json()
    replay = refresh(sb, tokens["refresh_token"])
    assert error_of(replay) == (400, "invalid_grant")
    assert "sign in again" in replay.json()["error_description"]
    assert error_of(refresh(sb, renewed["refresh_token"])) == (400, "invalid_grant")
    challenge = me(sb, renewed["access_token"]).headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge


def test_without_rotation_no_new_refresh_token_and_the_old_one_stays(sb: sandbox.Sandbox) -> None:
    sb.rotate_refresh_tokens = False
    tokens = signed_in_by_device(sb)
    renewed = refresh(sb, tokens["refresh_token"]).json()
    assert "refresh_token" not in renewed
    assert refresh(sb, tokens["refresh_token"]).status_code == 200


def test_refresh_may_narrow_the_scope_but_never_widen_it(sb: sandbox.Sandbox) -> None:
    tokens = signed_in_by_browser(sb, scope="profile ratings")
    narrowed = refresh(sb, tokens["refresh_token"], scope="profile").json()
    assert narrowed["scope"] == "profile"
    assert me(sb, narrowed["access_token"], "/ratings").status_code == 403
    # The refresh token keeps the original grant (RFC 6749 §6).
    full = refresh(sb, narrowed["refresh_token"], scope="profile ratings").json()
    assert full["scope"] == "profile ratings"
    only_profile = signed_in_by_device(sb)
    assert error_of(refresh(sb, only_profile["refresh_token"], scope="profile ratings")) == (
        400,
        "invalid_scope",
    )


def test_refresh_tokens_can_expire(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    sb.refresh_token_ttl = 100
    tokens = signed_in_by_device(sb)
    clock.advance(100)
    response = refresh(sb, tokens["refresh_token"])
    assert error_of(response) == (400, "invalid_grant")
    assert "expired" in response.json()["error_description"]


@pytest.mark.parametrize("token", ["", "never-issued"])
def test_unknown_refresh_tokens(sb: sandbox.Sandbox, token: str) -> None:
    expected = "invalid_request" if not token else "invalid_grant"
    assert error_of(refresh(sb, token)) == (400, expected)


# --- client authentication ---------------------------------------------------------------


def test_a_confidential_client_must_send_its_secret(sb: sandbox.Sandbox) -> None:
    sb.login_secret_required = True
    assert error_of(post(sb.device_authorization_url, {"client_id": sb.login_client_id})) == (
        401,
        "invalid_client",
    )
    with_secret = {"client_id": sb.login_client_id, "client_secret": sb.login_client_secret}
    assert post(sb.device_authorization_url, with_secret).status_code == 200
    started = post(
        sb.device_authorization_url,
        {"scope": "profile"},
        auth=(sb.login_client_id, sb.login_client_secret),
    ).json()
    sb.approve(started["user_code"])
    form = {"grant_type": DEVICE_GRANT, "device_code": started["device_code"]}
    assert post(sb.token_url, form, auth=(sb.login_client_id, sb.login_client_secret)).ok
    wrong = post(sb.token_url, form, auth=(sb.login_client_id, "wrong"))
    assert error_of(wrong) == (401, "invalid_client")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")


# --- the protected API (RFC 6750 §3) ----------------------------------------------------


def test_no_token_gets_a_challenge_without_an_error_code(sb: sandbox.Sandbox) -> None:
    response = requests.get(sb.user_api_url + "/me", timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="bearerkit-sandbox"'


def test_an_expired_token_gets_invalid_token(sb: sandbox.Sandbox, clock: FakeClock) -> None:
    sb.token_ttl = 60
    tokens = signed_in_by_device(sb)
    assert tokens["expires_in"] == 60
    clock.advance(59)
    assert me(sb, tokens["access_token"]).status_code == 200
    clock.advance(1)
    response = me(sb, tokens["access_token"])
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="bearerkit-sandbox", ')
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    renewed = refresh(sb, tokens["refresh_token"]).json()
    assert me(sb, renewed["access_token"]).status_code == 200


def test_a_missing_scope_gets_insufficient_scope(sb: sandbox.Sandbox) -> None:
    tokens = signed_in_by_device(sb)
    response = me(sb, tokens["access_token"], "/ratings")
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="ratings"' in challenge


def test_revoke_tokens_also_revokes_user_tokens(sb: sandbox.Sandbox) -> None:
    tokens = signed_in_by_device(sb)
    sb.revoke_tokens()
    assert 'error="invalid_token"' in me(sb, tokens["access_token"]).headers["WWW-Authenticate"]
    assert error_of(refresh(sb, tokens["refresh_token"])) == (400, "invalid_grant")


def test_user_tokens_also_read_the_tmdb_paths(sb: sandbox.Sandbox) -> None:
    tokens = signed_in_by_device(sb)
    response = requests.get(
        f"{sb.url}/genre/movie/list",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200


def test_metadata_describes_the_server(sb: sandbox.Sandbox) -> None:
    meta = requests.get(
        sb.root_url + "/.well-known/oauth-authorization-server", timeout=TIMEOUT
    ).json()
    assert meta["issuer"] == sb.root_url
    assert meta["device_authorization_endpoint"] == sb.device_authorization_url
    assert meta["authorization_endpoint"] == sb.authorize_url
    assert meta["token_endpoint"] == sb.token_url
    assert meta["code_challenge_methods_supported"] == ["S256"]


def test_no_issued_secret_reaches_the_request_log_or_repr(sb: sandbox.Sandbox) -> None:
    started = device_start(sb)
    sb.approve(started["user_code"])
    tokens = poll(sb, started["device_code"]).json()
    renewed = refresh(sb, tokens["refresh_token"]).json()
    v = verifier()
    code = query_of(sb.consent(authorization_url(sb, code_verifier=v)))["code"]
    exchange(sb, code, v, "http://127.0.0.1:53123/callback")
    me(sb, renewed["access_token"])
    shown = repr(sb.request_log) + repr(sb)
    for secret in (
        started["device_code"],
        tokens["access_token"],
        tokens["refresh_token"],
        renewed["access_token"],
        code,
        v,
    ):
        assert secret not in shown


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("device_interval", -1),
        ("device_code_ttl", "long"),
        ("code_ttl", float("nan")),
        ("refresh_token_ttl", -5),
    ],
)
def test_knobs_refuse_bad_values(sb: sandbox.Sandbox, knob: str, value: object) -> None:
    with pytest.raises(ValueError, match=knob):
        setattr(sb, knob, value)


# --- an independent client: oauthlib's client side speaks to the sandbox ------------------


def test_oauthlib_web_client_signs_in_and_refreshes(
    sb: sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oauthlib.oauth2 import WebApplicationClient

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox is http on loopback

    client = WebApplicationClient(sb.login_client_id)
    code_verifier = client.create_code_verifier(64)
    challenge = client.create_code_challenge(code_verifier, "S256")
    state = secrets.token_urlsafe(16)
    redirect_uri = "http://127.0.0.1:8765/callback"
    url = client.prepare_request_uri(
        sb.authorize_url,
        redirect_uri=redirect_uri,
        scope=["profile", "ratings"],
        state=state,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    ended_on = sb.consent(url)
    # oauthlib checks the state and raises on an error redirect.
    code = client.parse_request_uri_response(ended_on, state=state)["code"]
    body = client.prepare_request_body(
        code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = requests.post(sb.token_url, data=body, headers=headers, timeout=TIMEOUT)
    token = client.parse_request_body_response(answer.text)  # checks token_type and scope
    assert token["scope"] == ["profile", "ratings"] and token["expires_in"] == 3600
    refreshed = requests.post(
        sb.token_url,
        data=client.prepare_refresh_body(
            refresh_token=token["refresh_token"], client_id=sb.login_client_id
        ),
        headers=headers,
        timeout=TIMEOUT,
    )
    renewed = client.parse_request_body_response(refreshed.text)
    assert renewed["refresh_token"] != token["refresh_token"]
    assert me(sb, renewed["access_token"], "/ratings").status_code == 200


def test_oauthlib_device_client_polls_the_sandbox(sb: sandbox.Sandbox) -> None:
    from oauthlib.oauth2 import DeviceClient

    client = DeviceClient(sb.login_client_id)
    started = device_start(sb)
    sb.approve(started["user_code"])
    body = client.prepare_request_body(started["device_code"], include_client_id=True)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = requests.post(sb.token_url, data=body, headers=headers, timeout=TIMEOUT)
    token = client.parse_request_body_response(answer.text)
    assert token["token_type"] == "Bearer" and me(sb, token["access_token"]).ok


def test_consent_can_deny(sb: sandbox.Sandbox) -> None:
    url = authorization_url(sb, code_verifier=verifier())
    back = query_of(sb.consent(url, approve=False))
    assert back["error"] == "access_denied" and back["state"] == query_of(url)["state"]


# --- bearerkit's own logins against the sandbox ---------------------------------------------


class SleepingClock(FakeClock):
    """A fake clock whose sleep moves time (bearerkit's polling loop sleeps through it)."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []
        self.before_poll: dict[int, Any] = {}

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        action = self.before_poll.get(len(self.sleeps))
        if action is not None:
            action()


def test_device_login_polls_at_the_pace_the_sandbox_asks() -> None:
    clock = SleepingClock()
    with sandbox.start(clock=clock) as sb:
        login = DeviceLogin(
            sb.device_authorization_url, sb.token_url, sb.login_client_id, store=False, clock=clock
        )
        clock.before_poll[3] = sb.slow_down_next  # the third poll hears slow_down
        clock.before_poll[4] = lambda: sb.approve(login.state.user_code or "")
        login.start()
        login.wait(TIMEOUT)
        assert clock.sleeps == [5, 5, 5, 10]  # pending, pending, slow_down, then success
        assert login.status == "signed_in"
        assert sb.token_requests == 4  # no poll came early, so no extra slow_down
        assert (
            requests.get(
                sb.user_api_url + "/me",
                auth=login,
                timeout=TIMEOUT,
            ).json()["username"]
            == "sandbox-user"
        )


def test_browser_login_through_the_consent_redirect_and_a_rotated_refresh() -> None:
    clock = FakeClock()
    with sandbox.start(clock=clock) as sb:
        login = BrowserLogin(
            sb.authorize_url,
            sb.token_url,
            sb.login_client_id,
            scope="profile ratings",
            store=False,
            open_browser=False,
            clock=clock,
        )
        login.start()
        assert login.authorization_url is not None
        requests.get(sb.consent(login.authorization_url), timeout=TIMEOUT)  # the redirect
        login.wait(TIMEOUT)
        api = bk.Client(sb.user_api_url, auth=login)
        assert api.get("ratings")["total_results"] == 5
        before = sb.token_requests
        clock.advance(3600)  # the access token has expired on both clocks
        assert api.get("me")["username"] == "sandbox-user"
        assert (sb.token_requests - before, login.refresh_count) == (1, 1)
