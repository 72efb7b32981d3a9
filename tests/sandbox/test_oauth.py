"""The sandbox's OAuth 2.0 client-credentials endpoint (RFC 6749 §4.4, errors per §5.2)."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
import requests

from bearerkit import sandbox

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start() as server:
        yield server


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def token_request(
    sb: sandbox.Sandbox, data: Any = GRANT, headers: dict[str, str] | None = None
) -> requests.Response:
    return requests.post(sb.token_url, data=data, headers=headers or {}, timeout=10)


def api_status(sb: sandbox.Sandbox, token: str) -> int:
    return requests.get(
        f"{sb.url}/authentication", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).status_code


def issue(sb: sandbox.Sandbox) -> str:
    response = token_request(sb, headers=basic(sb.client_id, sb.client_secret))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_basic_auth_gets_a_working_bearer_token(sb: sandbox.Sandbox) -> None:
    response = token_request(sb, headers=basic(sb.client_id, sb.client_secret))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"].startswith("application/json")
    assert body["access_token"] != sb.token
    assert api_status(sb, body["access_token"]) == 200


def test_form_fields_authenticate_too(sb: sandbox.Sandbox) -> None:
    response = token_request(
        sb, {**GRANT, "client_id": sb.client_id, "client_secret": sb.client_secret}
    )
    assert response.status_code == 200
    assert api_status(sb, response.json()["access_token"]) == 200


def test_each_request_gets_a_new_token(sb: sandbox.Sandbox) -> None:
    assert issue(sb) != issue(sb)


def test_scope_is_echoed(sb: sandbox.Sandbox) -> None:
    response = token_request(
        sb, {**GRANT, "scope": "api_read list:write"}, basic(sb.client_id, sb.client_secret)
    )
    assert response.json()["scope"] == "api_read list:write"


def test_basic_with_a_matching_client_id_field_is_accepted(sb: sandbox.Sandbox) -> None:
    response = token_request(
        sb, {**GRANT, "client_id": sb.client_id}, basic(sb.client_id, sb.client_secret)
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("both methods", 400, "invalid_request"),
        ("basic and other id", 400, "invalid_request"),
        ("no grant_type", 400, "invalid_request"),
        ("empty grant_type", 400, "invalid_request"),
        ("password grant", 400, "unsupported_grant_type"),
        # The sign-in grants exist (userauth.py), but not for the client-credentials client.
        ("authorization_code grant", 400, "unauthorized_client"),
        ("no credentials", 401, "invalid_client"),
        ("form, wrong secret", 401, "invalid_client"),
        ("form, wrong id", 401, "invalid_client"),
        ("form, id only", 401, "invalid_client"),
        ("repeated parameter", 400, "invalid_request"),
        ("json body", 400, "invalid_request"),
        ("bad scope", 400, "invalid_scope"),
    ],
)
def test_errors_follow_rfc_6749(sb: sandbox.Sandbox, case: str, status: int, error: str) -> None:
    good_basic = basic(sb.client_id, sb.client_secret)
    form_creds = {"client_id": sb.client_id, "client_secret": sb.client_secret}
    requests_by_case: dict[str, tuple[Any, dict[str, str]]] = {
        "both methods": ({**GRANT, **form_creds}, good_basic),
        "basic and other id": ({**GRANT, "client_id": "someone-else"}, good_basic),
        "no grant_type": (form_creds, {}),
        "empty grant_type": ({"grant_type": "", **form_creds}, {}),
        "password grant": ({"grant_type": "password", **form_creds}, {}),
        "authorization_code grant": ({"grant_type": "authorization_code", **form_creds}, {}),
        "no credentials": (GRANT, {}),
        "form, wrong secret": ({**GRANT, "client_id": sb.client_id, "client_secret": "nope"}, {}),
        "form, wrong id": ({**GRANT, "client_id": "nobody", "client_secret": sb.client_secret}, {}),
        "form, id only": ({**GRANT, "client_id": sb.client_id}, {}),
        "repeated parameter": (
            [("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
            good_basic,
        ),
        "json body": (None, {**good_basic, "Content-Type": "application/json"}),
        "bad scope": ({**GRANT, "scope": 'api "read"'}, good_basic),
    }
    data, headers = requests_by_case[case]
    if case == "json body":
        response = requests.post(
            sb.token_url, data=b'{"grant_type": "client_credentials"}', headers=headers, timeout=10
        )
    else:
        response = token_request(sb, data, headers)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error and body["error_description"]
    assert "access_token" not in body
    assert "WWW-Authenticate" not in response.headers  # only a failed Basic login gets a challenge


@pytest.mark.parametrize(("client_id", "secret"), [("right", "wrong"), ("wrong", "right")])
def test_wrong_basic_credentials_get_a_challenge(
    sb: sandbox.Sandbox, client_id: str, secret: str
) -> None:
    creds = basic(
        sb.client_id if client_id == "right" else "intruder",
        sb.client_secret if secret == "right" else "guess",
    )
    response = token_request(sb, headers=creds)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header", ["Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"no-colon").decode()]
)
def test_malformed_basic_credentials_are_invalid_client(sb: sandbox.Sandbox, header: str) -> None:
    response = token_request(sb, headers={"Authorization": header})
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert "WWW-Authenticate" in response.headers


def test_get_is_not_allowed(sb: sandbox.Sandbox) -> None:
    response = requests.get(sb.token_url, timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["error"] == "invalid_request"


def test_tokens_expire_after_token_ttl(sb: sandbox.Sandbox) -> None:
    sb.token_ttl = 2  # two seconds: enough to use it once even on a loaded machine
    issued_at = time.monotonic()
    two_seconds = token_request(sb, headers=basic(sb.client_id, sb.client_secret)).json()
    sb.token_ttl = 1
    one_second = token_request(sb, headers=basic(sb.client_id, sb.client_secret)).json()
    assert (two_seconds["expires_in"], one_second["expires_in"]) == (2, 1)
    assert api_status(sb, two_seconds["access_token"]) == 200
    time.sleep(max(0.0, issued_at + 2.1 - time.monotonic()))
    assert api_status(sb, two_seconds["access_token"]) == 401
    assert api_status(sb, one_second["access_token"]) == 401
    assert api_status(sb, sb.token) == 200  # the sandbox's own token never expires


def test_token_ttl_zero_issues_expired_tokens(sb: sandbox.Sandbox) -> None:
    sb.token_ttl = 0
    response = token_request(sb, headers=basic(sb.client_id, sb.client_secret))
    assert response.json()["expires_in"] == 0
    assert api_status(sb, response.json()["access_token"]) == 401


def test_token_ttl_change_affects_only_new_tokens(sb: sandbox.Sandbox) -> None:
    long_lived = issue(sb)
    sb.token_ttl = 0
    assert api_status(sb, long_lived) == 200
    assert api_status(sb, issue(sb)) == 401


def test_revoke_tokens_forces_401(sb: sandbox.Sandbox) -> None:
    tokens = [issue(sb), issue(sb)]
    sb.revoke_tokens()
    assert [api_status(sb, t) for t in tokens] == [401, 401]
    assert api_status(sb, sb.token) == 200
    assert api_status(sb, issue(sb)) == 200  # new tokens work again


def test_token_requests_are_counted_whatever_the_outcome(sb: sandbox.Sandbox) -> None:
    issue(sb)
    token_request(sb, {"grant_type": "password"})
    requests.get(sb.token_url, timeout=10)
    api_status(sb, sb.token)
    assert sb.token_requests == 3
    sb.clear_log()
    assert sb.token_requests == 0 and sb.request_log == []


def test_no_secret_reaches_the_log(sb: sandbox.Sandbox) -> None:
    token = issue(sb)
    api_status(sb, token)
    token_request(sb, {**GRANT, "client_id": sb.client_id, "client_secret": sb.client_secret})
    requests.get(f"{sb.url}/authentication", params={"api_key": sb.token}, timeout=10)
    logged = repr(sb.request_log)
    for secret in (token, sb.token, sb.client_secret):
        assert secret not in logged
    assert sb.request_log[-1].query == {"api_key": "***"}
    assert [r.had_auth for r in sb.request_log] == [True, True, False, False]
