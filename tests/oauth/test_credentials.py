"""bearerkit.oauth.credentials: ClientCredentials, its token cache, clock, 401 re-send and from_env.

Against the loopback ``AuthServer`` of conftest.py, and at the end against the
bearerkit sandbox through ``bearerkit.Client``. Expiry is driven by a fake clock.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from bearerkit.client import Client
from bearerkit.errors import (
    AuthError,
    BearerkitError,
    InsecureTransportError,
    NetworkError,
    ResponseFormatError,
    ServerError,
    TokenError,
)
from bearerkit.oauth import ClientCredentials
from bearerkit.oauth.credentials import _renewal_delay

from .conftest import (
    CLIENT_ID,
    SECRET,
    AuthServer,
    assert_no_secrets,
    full_text,
    leaky_locals,
    make_auth,
    scripted_json,
)

# -- construction ------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Basic", "client_secret_basic", "", "form"])
def test_unknown_client_auth_is_a_value_error_naming_both_choices(bad):
    with pytest.raises(ValueError, match=r"'basic' or 'post'"):
        ClientCredentials("https://auth.example.com/token", CLIENT_ID, SECRET, client_auth=bad)


@pytest.mark.parametrize(
    "url, kwargs, error",
    [
        ("auth.example.com/token", {}, ValueError),
        ("ftp://auth.example.com/token", {}, ValueError),
        ("https://auth.example.com/token", {"leeway": -1}, ValueError),
        ("https://auth.example.com/token", {"leeway": float("nan")}, ValueError),
        ("https://auth.example.com/token", {"timeout": 0}, ValueError),
        ("https://auth.example.com/token", {"audience": 7}, ValueError),
    ],
)
def test_bad_arguments_are_rejected_before_any_request(url, kwargs, error):
    with pytest.raises(error):
        ClientCredentials(url, CLIENT_ID, SECRET, **kwargs)


@pytest.mark.parametrize("client_id, secret", [("", SECRET), (CLIENT_ID, ""), (CLIENT_ID, "  ")])
def test_empty_credentials_are_a_token_error(client_id, secret):
    with pytest.raises(TokenError, match="empty"):
        ClientCredentials("https://auth.example.com/token", client_id, secret)


def test_a_secret_that_cannot_be_encoded_is_a_token_error():
    with pytest.raises(TokenError, match="cannot be sent") as info:
        ClientCredentials("https://auth.example.com/token", CLIENT_ID, SECRET + "\udc80")
    assert SECRET not in full_text(info.value)


def test_a_refused_constructor_keeps_the_secret_out_of_its_frame():
    with pytest.raises(BearerkitError) as info:
        ClientCredentials("http://auth.example.com/token", CLIENT_ID, SECRET)
    assert leaky_locals(info.value) == []


@pytest.mark.parametrize("url", ["http://auth.example.com/token", "http://10.0.0.5/token"])
def test_plain_http_token_url_to_a_remote_host_is_refused(url):
    with pytest.raises(InsecureTransportError, match="https"):
        ClientCredentials(url, CLIENT_ID, SECRET)


@pytest.mark.parametrize(
    "url", ["http://localhost:1/token", "http://127.0.0.1:1/token", "https://auth.example.com/t"]
)
def test_https_and_loopback_token_urls_are_allowed(url):
    assert ClientCredentials(url, CLIENT_ID, SECRET).token_url == url


def test_access_token_is_not_put_on_plain_http_to_a_remote_host(server):
    request = requests.Request("GET", "http://api.example.com/v1/x", auth=make_auth(server))

    with pytest.raises(InsecureTransportError):
        request.prepare()
    assert server.token_requests == []


# -- caching and renewal on the clock ------------------------------------------------


def test_token_is_cached_across_requests(server, session):
    auth = make_auth(server)
    for _ in range(5):
        assert session.get(f"{server.url}/api/x", auth=auth, timeout=5).status_code == 200

    assert len(server.token_requests) == 1
    assert auth.token_count == 1
    assert {r["authorization"] for r in server.api_requests} == {f"Bearer {server.issued[0]}"}


@pytest.mark.parametrize(
    "expires_in, leeway, expected",
    [
        (3600, 30, 3570),  # long-lived: leeway before expiry
        (60, 30, 30),  # exactly two leeways: leeway rule
        (59, 30, 29.5),  # shorter: half-life
        (1, 30, 0.5),
        (10, 0, 10),
        (0, 30, 0),
    ],
)
def test_renewal_schedule(expires_in, leeway, expected):
    assert _renewal_delay(expires_in, leeway) == pytest.approx(expected)


def test_the_default_clock_is_monotonic(server):
    assert make_auth(server).clock is time.monotonic


def test_short_lived_token_is_renewed_at_half_life(server, session, clock):
    server.ttl = 1
    auth = make_auth(server, clock=clock)

    def token_number() -> int:
        return int(session.get(f"{server.url}/api/x", auth=auth, timeout=5).json()["token_number"])

    assert token_number() == 1
    clock.advance(0.49)
    assert token_number() == 1
    clock.advance(0.01)  # half of the 1-second lifetime
    assert token_number() == 2
    assert auth.token_count == 2
    assert len(server.token_requests) == 2


def test_long_lived_token_is_renewed_leeway_seconds_before_expiry(server, clock):
    auth = make_auth(server, clock=clock, leeway=30)
    auth.fetch_token()

    clock.advance(3569)
    auth(requests.Request("GET", f"{server.url}/api/x").prepare())
    assert auth.token_count == 1
    clock.advance(1)
    auth(requests.Request("GET", f"{server.url}/api/x").prepare())
    assert auth.token_count == 2


def test_token_without_expires_in_is_kept_until_a_401(server, session, clock):
    server.ttl = None
    auth = make_auth(server, clock=clock)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)
    assert auth.token_expires_at is None
    clock.advance(10 * 365 * 24 * 3600)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)
    assert auth.token_count == 1

    server.revoke()
    r = session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    assert r.status_code == 200
    assert auth.token_count == 2


def test_fetch_token_forces_a_new_token_and_returns_nothing(server):
    auth = make_auth(server)
    assert auth.token_expires_at is None
    assert auth.fetch_token() is None
    assert auth.fetch_token() is None

    assert auth.token_count == 2
    assert len(server.token_requests) == 2
    assert auth.token_expires_at is not None
    assert auth.token_expires_at.tzinfo is not None


# -- the re-send after a 401 (handle_401) ----------------------------------------------


def test_401_is_retried_once_with_a_fresh_token(server, session):
    auth = make_auth(server)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)
    server.revoke()

    r = session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    assert r.status_code == 200
    assert r.json()["token_number"] == 2
    assert [h.status_code for h in r.history] == [401]
    assert r.request.headers["Authorization"] == f"Bearer {server.issued[1]}"
    assert len(server.token_requests) == 2
    assert auth.token_count == 2


def test_a_second_401_is_returned_not_retried_again(server, session):
    auth = make_auth(server)
    server.accept_tokens = False

    r = session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    assert r.status_code == 401
    assert len(r.history) == 1
    assert len(server.api_requests) == 2
    assert len(server.token_requests) == 2


def test_retry_after_401_resends_the_body(server, session):
    auth = make_auth(server)
    auth.fetch_token()
    server.revoke()

    r = session.post(f"{server.url}/api/echo-body", json={"title": "Amélie"}, auth=auth, timeout=5)

    assert r.status_code == 200
    first, second = server.api_requests
    assert first["body"] == second["body"] == json.dumps({"title": "Amélie"}).encode()


def test_other_errors_are_not_retried(server, session):
    auth = make_auth(server)
    r = session.get(f"{server.url}/nothing-here", auth=auth, timeout=5)

    assert r.status_code == 404
    assert r.history == []
    assert auth.token_count == 1


def redirect_to(srv: AuthServer, target: str) -> str:
    return f"{srv.url}/api/redirect?to={quote(target, safe='')}"


def test_a_same_host_redirect_that_answers_401_is_renewed(server, session):
    auth = make_auth(server)
    auth.fetch_token()
    server.revoke()

    r = session.get(redirect_to(server, f"{server.url}/api/x"), auth=auth, timeout=5)

    assert r.status_code == 200
    assert r.json()["token_number"] == 2


def test_a_redirect_to_another_port_answering_401_never_gets_the_token(
    server, other_server, session
):
    auth = make_auth(server)

    r = session.get(redirect_to(server, f"{other_server.url}/api/x"), auth=auth, timeout=5)

    assert r.status_code == 401
    assert [a["authorization"] for a in other_server.api_requests] == [""]
    assert len(server.token_requests) == 1  # no renewal for a 401 from elsewhere
    assert auth.token_count == 1


def test_a_redirect_elsewhere_never_gets_the_token_even_when_netrc_adds_a_header(
    server, other_server, session, netrc_home
):
    # requests strips the bearer header on the redirect, then (trust_env) adds ~/.netrc
    # credentials for the new host: the 401 hook must still not re-send the token there.
    auth = make_auth(server)

    r = session.get(redirect_to(server, f"{other_server.url}/api/x"), auth=auth, timeout=5)

    assert r.status_code == 401
    seen = [a["authorization"] for a in other_server.api_requests]
    assert seen and all(a.startswith("Basic ") for a in seen)  # netrc's, never the token
    assert auth.token_count == 1


def test_through_client_a_redirect_elsewhere_never_gets_the_token(server, other_server):
    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api, pytest.raises(BearerkitError):
        api.get("redirect", {"to": f"{other_server.url}/api/x"})

    assert all(a["authorization"] == "" for a in other_server.api_requests)
    assert auth.token_count == 1


class Connection:
    """Stands in for the adapter in the direct handle_401 tests: records what it would send."""

    def __init__(self) -> None:
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        self.sent.append(request)


def rejected_response(url: str) -> requests.Response:
    """A 401 to a GET of ``url`` that carried a bearer token."""
    response = requests.Response()
    response.status_code, response._content = 401, b""
    response.request = requests.Request(
        "GET", url, headers={"Authorization": "Bearer old"}
    ).prepare()
    response.connection = Connection()  # type: ignore[attr-defined]
    return response


def test_handle_401_leaves_a_401_from_another_origin_alone(server):
    auth = make_auth(server)
    response = rejected_response(f"{server.url}/api/x")
    origins = [("http", "127.0.0.1", server.port + 1), ("https", "127.0.0.1", server.port), None]

    for origin in origins:
        assert auth.handle_401(response, origin=origin, body_pos=None) is response
    assert response.connection.sent == []  # type: ignore[attr-defined]
    assert server.token_requests == []


def test_handle_401_checks_the_transport_before_resending(server):
    """The re-send passes check_transport like every request (reached here directly:
    over the wire, __call__ refuses such a URL before anything is sent)."""
    auth = make_auth(server)
    response = rejected_response("http://api.example.com/x")

    with pytest.raises(InsecureTransportError):
        auth.handle_401(response, origin=("http", "api.example.com", 80), body_pos=None)
    assert response.connection.sent == []  # type: ignore[attr-defined]
    assert server.token_requests == []


# -- threads ---------------------------------------------------------------------


def eight_at_once(server, session, auth):
    """The status codes of eight requests sent at the same time with ``auth``."""
    with ThreadPoolExecutor(8) as pool:
        return list(
            pool.map(
                lambda _: session.get(f"{server.url}/api/x", auth=auth, timeout=5).status_code,
                range(8),
            )
        )


def test_concurrent_requests_share_one_token_request(server, session):
    server.token_delay = 0.3  # keep the first fetch in flight while the others arrive
    auth = make_auth(server)

    assert eight_at_once(server, session, auth) == [200] * 8
    assert len(server.token_requests) == 1
    assert auth.token_count == 1


def test_concurrent_401s_share_one_renewal(server, session):
    auth = make_auth(server)
    auth.fetch_token()
    server.revoke()
    server.token_delay = 0.2

    assert eight_at_once(server, session, auth) == [200] * 8
    assert len(server.token_requests) == 2
    assert auth.token_count == 2


# -- secrets stay secret -----------------------------------------------------------


def test_repr_and_str_show_url_and_client_id_but_no_secrets(server, session):
    auth = make_auth(server)
    session.get(f"{server.url}/api/x", auth=auth, timeout=5)

    for text in (repr(auth), str(auth), f"{auth}"):
        assert server.token_url in text
        assert CLIENT_ID in text
        assert_no_secrets(text, server)


def test_repr_drops_userinfo_from_the_token_url():
    auth = ClientCredentials("https://user:pw-xyz@auth.example.com/token", CLIENT_ID, SECRET)
    assert "pw-xyz" not in repr(auth)
    assert "auth.example.com/token" in repr(auth)


def test_pickling_is_refused_so_the_secret_never_reaches_disk():
    with pytest.raises(TypeError, match="from_env"):
        pickle.dumps(ClientCredentials("https://auth.example.com/t", CLIENT_ID, SECRET))


def test_a_failed_renewal_inside_the_401_hook_keeps_secrets_out_of_every_frame(server):
    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api:
        api.get("x")
        server.revoke()
        server.scripted.append(
            scripted_json(401, {"error": "invalid_client", "error_description": SECRET})
        )
        with pytest.raises(AuthError) as info:
            api.get("x")

    assert "invalid_client" in str(info.value)
    assert leaky_locals(info.value, (SECRET, *server.issued)) == []
    assert_no_secrets(full_text(info.value), server)


@pytest.mark.parametrize("status", [403, 401])
def test_a_token_echoed_in_an_api_error_is_not_in_the_exception(server, status):
    """Issue 12.4: the client's error builder scrubs the credential the request carried."""
    server.echo_status = status
    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("echo-auth")

    assert server.issued  # a token was sent, and echoed back
    assert_no_secrets(full_text(info.value) + str(info.value.api_message), server)


# -- from_env ------------------------------------------------------------------------


def write_env(folder: Path, text: str) -> Path:
    path = folder / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_from_env_reads_the_nearest_env_file(server, tmp_path, monkeypatch):
    write_env(
        tmp_path,
        f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET={SECRET}\nOAUTH_TOKEN_URL={server.token_url}\n",
    )
    sub = tmp_path / "notebooks"
    sub.mkdir()
    monkeypatch.chdir(sub)

    auth = ClientCredentials.from_env(client_auth="post")
    auth.fetch_token()

    assert auth.token_url == server.token_url
    assert auth.client_auth == "post"
    assert server.token_requests[0]["form"]["client_secret"] == SECRET


def test_from_env_with_prefix_env_file_and_explicit_token_url(server, tmp_path):
    env = write_env(tmp_path, f"MYAPI_CLIENT_ID={CLIENT_ID}\nMYAPI_CLIENT_SECRET={SECRET}\n")

    auth = ClientCredentials.from_env(
        "MYAPI", token_url=server.token_url, env_file=env, scope="read"
    )
    auth.fetch_token()

    assert server.token_requests[0]["form"]["scope"] == "read"


def test_process_environment_wins_over_env_file(server, tmp_path, monkeypatch):
    write_env(
        tmp_path,
        f"OAUTH_CLIENT_ID=other\nOAUTH_CLIENT_SECRET=other-secret\nOAUTH_TOKEN_URL={server.token_url}\n",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OAUTH_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OAUTH_CLIENT_SECRET", SECRET)

    ClientCredentials.from_env().fetch_token()
    assert len(server.issued) == 1


@pytest.mark.parametrize(
    "env, missing",
    [
        (f"OAUTH_CLIENT_SECRET={SECRET}\nOAUTH_TOKEN_URL=https://a.example/t\n", "OAUTH_CLIENT_ID"),
        (
            f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_TOKEN_URL=https://a.example/t\n",
            "OAUTH_CLIENT_SECRET",
        ),
        (f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET={SECRET}\n", "OAUTH_TOKEN_URL"),
        (
            f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET=\nOAUTH_TOKEN_URL=https://a.example/t\n",
            "OAUTH_CLIENT_SECRET",
        ),
    ],
)
def test_from_env_missing_variable_is_a_token_error_naming_it(tmp_path, monkeypatch, env, missing):
    write_env(tmp_path, env)
    monkeypatch.chdir(tmp_path)

    with pytest.raises(TokenError) as info:
        ClientCredentials.from_env()

    assert missing in str(info.value)
    assert ".env" in str(info.value)
    assert_no_secrets(full_text(info.value))
    assert leaky_locals(info.value) == []


def test_from_env_without_any_env_file_names_the_first_variable():
    with pytest.raises(TokenError, match="OAUTH_CLIENT_ID"):
        ClientCredentials.from_env()


def test_from_env_bad_token_url_names_the_variable(tmp_path, monkeypatch):
    write_env(
        tmp_path,
        f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET={SECRET}\nOAUTH_TOKEN_URL=auth.example.com\n",
    )
    monkeypatch.chdir(tmp_path)

    with pytest.raises(TokenError, match="OAUTH_TOKEN_URL") as info:
        ClientCredentials.from_env()
    assert leaky_locals(info.value) == []


def test_errors_from_an_env_configured_client_name_the_variables(server, tmp_path):
    env = write_env(tmp_path, f"OAUTH_CLIENT_ID={CLIENT_ID}\nOAUTH_CLIENT_SECRET=wrong-{SECRET}\n")
    auth = ClientCredentials.from_env(token_url=server.token_url, env_file=env)

    with pytest.raises(AuthError, match="Check OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET") as info:
        auth.fetch_token()
    assert_no_secrets(full_text(info.value))


# -- through bearerkit.Client ------------------------------------------------------------


def test_client_uses_the_auth_and_renews_after_a_401(server):
    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api:
        assert api.get("x")["token_number"] == 1
        server.revoke()
        assert api.get("x")["token_number"] == 2

    assert auth.token_count == 2
    assert len(server.token_requests) == 2


def test_client_raises_auth_error_when_the_fresh_token_is_refused_too(server):
    server.accept_tokens = False
    auth = make_auth(server)
    with Client(f"{server.url}/api", auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("x")

    assert info.value.status_code == 401
    assert len(server.api_requests) == 2  # the request and exactly one retry
    assert len(server.token_requests) == 2
    assert_no_secrets(full_text(info.value) + repr(api), server)


def test_client_passes_token_endpoint_errors_through(server):
    auth = ClientCredentials(server.token_url, CLIENT_ID, "wrong-" + SECRET)
    with Client(f"{server.url}/api", auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("x")

    assert "invalid_client" in str(info.value)
    assert server.api_requests == []  # nothing sent without a token
    assert_no_secrets(full_text(info.value))


# -- against the bearerkit sandbox ---------------------------------------------------------


@pytest.fixture
def sb() -> Iterator[Any]:
    from bearerkit import sandbox

    with sandbox.start() as running:
        yield running


def sandbox_auth(sb: Any, **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(sb.token_url, sb.client_id, sb.client_secret, **kwargs)


@pytest.mark.parametrize("client_auth", ["basic", "post"])
def test_sandbox_accepts_both_client_auth_methods(sb, client_auth):
    auth = sandbox_auth(sb, client_auth=client_auth)
    with Client(sb.url, auth=auth) as api:
        assert api.get("authentication")["success"] is True
        assert api.get("genre/movie/list")["genres"][0] == {"id": 28, "name": "Action"}

    assert sb.token_requests == 1
    assert auth.token_count == 1


def test_sandbox_short_lived_tokens_are_renewed(sb, clock):
    sb.token_ttl = 60  # renewed at half-life: every 30 s on the fake clock
    auth = sandbox_auth(sb, clock=clock)
    with Client(sb.url, auth=auth) as api:
        for _ in range(3):
            assert api.get("authentication")["success"] is True
            clock.advance(30)

    assert auth.token_count == 3
    assert sb.token_requests == 3


def test_sandbox_revoked_token_costs_exactly_one_extra_token_request(sb):
    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api:
        api.get("authentication")
        sb.revoke_tokens()
        assert api.get("authentication")["success"] is True
        assert api.get("authentication")["success"] is True

    assert sb.token_requests == 2
    assert auth.token_count == 2


def test_sandbox_eight_concurrent_requests_make_one_token_request(sb):
    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: api.get("movie/popular", {"page": n}), range(1, 9)))

    assert [r["page"] for r in results] == list(range(1, 9))
    assert sb.token_requests == 1


@pytest.mark.filterwarnings("ignore:paginate returned")  # max_pages cuts the listing short
def test_sandbox_paginate_with_eight_workers_makes_one_token_request(sb):
    with Client(sb.url, auth=sandbox_auth(sb)) as api:
        frame = api.paginate("discover/movie", max_pages=8, workers=8, progress=False)

    assert len(frame) == 8 * 20
    assert sb.token_requests == 1


def test_sandbox_wrong_secret_is_an_auth_error_quoting_invalid_client(sb):
    wrong = sb.client_secret[::-1]
    auth = ClientCredentials(sb.token_url, sb.client_id, wrong)
    with Client(sb.url, auth=auth) as api, pytest.raises(AuthError) as info:
        api.get("authentication")

    text = full_text(info.value)
    assert "invalid_client" in str(info.value)
    assert "Client authentication failed." in str(info.value)
    assert wrong not in text
    assert sb.client_secret not in text


@pytest.mark.parametrize(
    "fault, error",
    [
        (lambda sb: sb.fail_next(1, status=503), ServerError),
        (lambda sb: sb.html_next(1), ResponseFormatError),
        (lambda sb: sb.reset_next(1), NetworkError),
    ],
)
def test_sandbox_token_endpoint_faults_become_bearerkit_errors(sb, fault, error):
    auth = sandbox_auth(sb)
    fault(sb)

    with pytest.raises(error) as info:
        auth.fetch_token()
    assert sb.client_secret not in full_text(info.value)

    auth.fetch_token()  # the fault was used up: the next try works
    assert auth.token_count == 1


def test_sandbox_from_env(sb, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        f"OAUTH_CLIENT_ID={sb.client_id}\n"
        f"OAUTH_CLIENT_SECRET={sb.client_secret}\n"
        f"OAUTH_TOKEN_URL={sb.token_url}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    auth = ClientCredentials.from_env(client_auth="post")
    with Client(sb.url, auth=auth) as api:
        assert api.get("authentication")["success"] is True
    assert sb.token_requests == 1


def test_sandbox_secrets_never_show_in_repr_str_or_errors(sb):
    auth = sandbox_auth(sb)
    with Client(sb.url, auth=auth) as api:
        header = api.response("GET", "authentication").request.headers["Authorization"]
        access_token = header.removeprefix("Bearer ")
        sb.revoke_tokens()
        sb.fail_next(2, status=401)  # the API call and the retry's fresh token both fail
        with pytest.raises(BearerkitError) as info:
            api.get("authentication")
        shown = [repr(auth), str(auth), repr(api), str(api), full_text(info.value)]

    assert auth.token_count >= 1
    for text in shown:
        assert sb.client_secret not in text
        assert access_token not in text
    assert sb.client_id in repr(auth)
    assert sb.token_url in repr(auth)
