"""bearerkit.oauth.browser: BrowserLogin (code + PKCE S256, loopback listener, paste-the-URL)."""

from __future__ import annotations

import socket
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

import bearerkit as bk
from bearerkit.errors import AuthError, ResponseFormatError
from bearerkit.oauth import BrowserLogin
from bearerkit.oauth.pkce import s256_challenge

from .loginkit import (
    CLIENT_ID,
    CLIENT_SECRET,
    UserAuthServer,
    assert_clean,
    full_text,
    leaky_locals,
    s256,
)


def make(srv: UserAuthServer, **kw: object) -> BrowserLogin:
    kw.setdefault("store", False)
    kw.setdefault("open_browser", False)
    return BrowserLogin(srv.authorize_url, srv.token_url, CLIENT_ID, scope="read", **kw)  # type: ignore[arg-type]


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def listening(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((parts.hostname, parts.port)) == 0


def test_the_authorization_url_carries_state_and_an_s256_challenge(real_server):
    login = make(real_server)
    login.start()
    params = query(login.authorization_url)
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and params["scope"] == "read"
    redirect = urlsplit(params["redirect_uri"])
    assert redirect.hostname == "127.0.0.1" and redirect.port and redirect.path == "/callback"
    assert listening(params["redirect_uri"])
    login.forget()


def test_each_start_makes_a_fresh_state_and_challenge(real_server):
    login = make(real_server)
    login.start()
    first = query(login.authorization_url)
    login.start()
    second = query(login.authorization_url)
    assert first["state"] != second["state"]
    assert first["code_challenge"] != second["code_challenge"]
    login.forget()


def test_the_redirect_to_the_listener_signs_in_and_closes_it(real_server):
    login = make(real_server)
    login.start()
    redirect = query(login.authorization_url)["redirect_uri"]
    page = real_server.browse(login.authorization_url)
    assert page.status_code == 200 and "signed in" in page.text.lower()
    login.wait(timeout=5)
    assert login.status == "signed_in"
    assert bk.Client(real_server.url, auth=login).get("/api/me")["ok"] is True
    # The code went with the verifier whose challenge was sent, and the same redirect_uri.
    exchange = real_server.token_requests("authorization_code")[0]["form"]
    assert s256(exchange["code_verifier"]) == query(login.authorization_url)["code_challenge"]
    assert exchange["redirect_uri"] == redirect and exchange["client_id"] == CLIENT_ID
    assert "client_secret" not in exchange  # a public client
    for _ in range(20):
        if not listening(redirect):
            break
        import time

        time.sleep(0.1)
    assert not listening(redirect)


def test_paste_the_url_completes_the_sign_in(real_server):
    login = make(real_server, redirect_uri="https://example.com/registered/callback")
    login.start()
    assert (
        query(login.authorization_url)["redirect_uri"] == "https://example.com/registered/callback"
    )
    login.complete(real_server.redirect_for(login.authorization_url))
    assert login.status == "signed_in"
    assert bk.Client(real_server.url, auth=login).get("/api/me")["ok"] is True


def test_a_wrong_state_is_refused_and_the_attempt_goes_on(real_server):
    login = make(real_server)
    login.start()
    landed = real_server.redirect_for(login.authorization_url)
    forged = landed.replace("state=", "state=x")
    with pytest.raises(AuthError, match="state does not match") as info:
        login.complete(forged)
    assert login.status == "pending"
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []
    login.complete(landed)  # the real one still works
    assert login.status == "signed_in"


def test_access_denied_is_a_clear_error(real_server):
    real_server.authorize_error = "access_denied"
    login = make(real_server)
    login.start()
    page = real_server.browse(login.authorization_url)
    assert page.status_code == 400 and "denied" in page.text
    with pytest.raises(AuthError, match="denied"):
        login.wait(timeout=5)
    assert login.status == "denied"


def test_a_reused_code_is_refused_without_a_second_request(real_server):
    login = make(real_server, redirect_uri="https://example.com/cb")
    login.start()
    landed = real_server.redirect_for(login.authorization_url)
    login.complete(landed)
    with pytest.raises(AuthError, match="already used") as info:
        login.complete(landed)
    assert len(real_server.token_requests("authorization_code")) == 1
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []


def test_a_code_the_server_refuses_says_sign_in_again(real_server):
    login = make(real_server, redirect_uri="https://example.com/cb")
    login.start()
    landed = real_server.redirect_for(login.authorization_url)
    real_server.codes[query(landed)["code"]]["used"] = True  # spent elsewhere
    with pytest.raises(AuthError, match=r"sign in again") as info:
        login.complete(landed)
    assert "login.start()" in str(info.value)
    assert_clean(full_text(info.value))
    assert leaky_locals(info.value) == []


def test_a_pasted_url_without_a_code_is_a_format_error(real_server):
    login = make(real_server, redirect_uri="https://example.com/cb")
    login.start()
    state = query(login.authorization_url)["state"]
    with pytest.raises(ResponseFormatError, match="No authorization code"):
        login.complete(f"https://example.com/cb?state={state}")


def test_complete_before_start_says_to_start(real_server):
    with pytest.raises(AuthError, match=r"login\.start\(\)"):
        make(real_server).complete("https://example.com/cb?code=x&state=y")


def test_a_fixed_port_is_used_when_asked(real_server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    login = make(real_server, redirect_uri=f"http://127.0.0.1:{port}/cb")
    login.start()
    assert query(login.authorization_url)["redirect_uri"] == f"http://127.0.0.1:{port}/cb"
    real_server.browse(login.authorization_url)
    login.wait(timeout=5)
    assert login.status == "signed_in"


def test_the_listener_answers_only_its_path(real_server):
    login = make(real_server)
    login.start()
    redirect = query(login.authorization_url)["redirect_uri"]
    other = redirect.replace("/callback", "/favicon.ico")
    assert requests.get(other, timeout=5).status_code == 404
    assert login.status == "pending"
    login.forget()


def test_a_confidential_client_sends_its_secret_and_it_never_shows(real_server):
    real_server.client_secret = CLIENT_SECRET
    login = make(real_server, client_secret=CLIENT_SECRET, redirect_uri="https://example.com/cb")
    login.start()
    login.complete(real_server.redirect_for(login.authorization_url))
    assert real_server.token_requests("authorization_code")[0]["authorization"].startswith("Basic ")
    assert_clean(repr(login) + str(login.state) + login.authorization_url)


def test_the_challenge_matches_the_rfc_7636_function(real_server):
    login = make(real_server)
    login.start()
    attempt = login._attempt
    assert query(login.authorization_url)["code_challenge"] == s256_challenge(
        attempt.verifier.reveal()
    )
    login.forget()


@pytest.mark.parametrize("bad", ["127.0.0.1:0/cb", "ftp://127.0.0.1/cb", ""])
def test_a_bad_redirect_uri_is_refused(real_server, bad):
    with pytest.raises(ValueError, match="redirect_uri"):
        make(real_server, redirect_uri=bad)


def test_the_terminal_line_is_one_line_with_the_url(real_server, capsys):
    login = make(real_server)
    login.start()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and login.authorization_url in err and "complete(url)" in err
    login.forget()


@pytest.mark.parametrize("where", ["local", "hub"])
def test_the_url_is_opened_only_where_a_browser_is_local(real_server, monkeypatch, where):
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "get", lambda *a, **k: object())  # a browser exists
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    if where == "hub":  # the browser runs on the user's machine, not the kernel's
        monkeypatch.setenv("JUPYTERHUB_USER", "ann")
    else:
        monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    login = make(real_server, open_browser=True)
    login.start()
    assert opened == ([login.authorization_url] if where == "local" else [])
    login.forget()


# -- conformance against an independent server: oauthlib's code grant with PKCE ------------

from .oauthlib_server import OAuthlibServer  # noqa: E402


def _oauthlib_login(srv: OAuthlibServer, **kw: object) -> BrowserLogin:
    kw.setdefault("store", False)
    kw.setdefault("open_browser", False)
    return BrowserLogin(f"{srv.url}/authorize", f"{srv.url}/token", CLIENT_ID, scope="read", **kw)  # type: ignore[arg-type]


def test_oauthlib_code_flow_with_pkce_through_the_listener(oauthlib_server: OAuthlibServer):
    login = _oauthlib_login(oauthlib_server)
    login.start()
    with requests.Session() as browser:
        page = browser.get(login.authorization_url, timeout=10)  # consent, then the redirect
    assert page.status_code == 200
    login.wait(timeout=5)
    assert login.status == "signed_in"
    assert bk.Client(oauthlib_server.url, auth=login).get("/api")["ok"] is True


def test_oauthlib_refuses_a_reused_code_and_a_wrong_verifier(oauthlib_server: OAuthlibServer):
    login = _oauthlib_login(oauthlib_server, redirect_uri="https://example.com/cb")
    login.start()
    with requests.Session() as browser:
        landed = browser.get(login.authorization_url, timeout=10, allow_redirects=False)
    url = landed.headers["Location"]
    # A second attempt's verifier does not match the first attempt's challenge.
    other = _oauthlib_login(oauthlib_server, redirect_uri="https://example.com/cb")
    other.start()
    other._attempt.state = query(url)["state"]  # let it past the state check: the server decides
    with pytest.raises(AuthError, match="sign in again"):
        other.complete(url)
    login.complete(url)  # the right verifier
    assert login.status == "signed_in"
    # The code is spent: the server refuses it to anyone after that (single use).
    third = _oauthlib_login(oauthlib_server, redirect_uri="https://example.com/cb")
    third.start()
    third._attempt.state = query(url)["state"]
    third._attempt.verifier = login._attempt.verifier
    with pytest.raises(AuthError, match="already used"):
        third.complete(url)


def test_an_ipv6_loopback_redirect_listens_on_1(real_server):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no ::1 on this machine")
    login = make(real_server, redirect_uri="http://[::1]:0/callback")
    login.start()
    redirect = query(login.authorization_url)["redirect_uri"]
    assert redirect.startswith("http://[::1]:") and redirect.endswith("/callback")
    page = real_server.browse(login.authorization_url)
    assert page.status_code == 200
    login.wait(timeout=5)
    assert login.status == "signed_in"


def test_an_iss_from_another_server_is_refused_as_a_mix_up(real_server):
    login = make(real_server, redirect_uri="https://example.com/cb")
    login.start()
    landed = real_server.redirect_for(login.authorization_url)
    with pytest.raises(AuthError, match="mix-up"):
        login.complete(landed + "&iss=https%3A%2F%2Fevil.example")
    assert login.status == "pending"
    login.complete(landed + "&iss=" + real_server.url.replace(":", "%3A").replace("/", "%2F"))
    assert login.status == "signed_in"


def test_a_set_issuer_is_compared_exactly(real_server):
    login = make(real_server, redirect_uri="https://example.com/cb")
    login.issuer = f"{real_server.url}/tenant-a"
    login.start()
    landed = real_server.redirect_for(login.authorization_url)
    with pytest.raises(AuthError, match="mix-up"):
        login.complete(landed + f"&iss={real_server.url}/tenant-b")
    login.complete(landed + f"&iss={real_server.url}/tenant-a")
    assert login.status == "signed_in"


def test_a_fixed_port_in_use_is_a_readable_error(real_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        login = make(real_server, redirect_uri=f"http://127.0.0.1:{port}/cb")
        with pytest.raises(bk.NetworkError, match=f"port {port}") as info:
            login.start()
    assert info.value.__context__ is None


def test_a_denied_redirect_closes_the_listener(real_server):
    real_server.authorize_error = "access_denied"
    login = make(real_server)
    login.start()
    redirect = query(login.authorization_url)["redirect_uri"]
    real_server.browse(login.authorization_url)
    import time

    for _ in range(20):
        if not listening(redirect):
            break
        time.sleep(0.1)
    assert not listening(redirect)
