"""bearerkit.Client (and ClientCredentials) against the sandbox: code written for TMDB works here.

These check the sandbox answers the way the client expects from TMDB; the
client's own behaviour in detail is tested in tests/test_client.py and tests/oauth/.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.oauth import ClientCredentials

from .conftest import CANARY


@pytest.fixture
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(token=CANARY) as server:
        yield server


@pytest.fixture
def client(sb: sandbox.Sandbox) -> Iterator[bk.Client]:
    with bk.Client(sb.url, CANARY, retries=3) as api:
        yield api


def test_generated_token_reads_as_a_tmdb_read_access_token() -> None:
    with sandbox.start() as sb, bk.Client(sb.url, sb.token) as api:
        assert bk.Token(sb.token).kind == "jwt"
        assert api.get("authentication")["success"] is True


def test_get_and_get_df(client: bk.Client) -> None:
    assert client.get("authentication")["success"] is True
    frame = client.get_df("genre/movie/list", {"language": "de-DE"})
    assert list(frame.columns) == ["id", "name"]
    assert len(frame) == 19 and frame.loc[frame["id"] == 12, "name"].item() == "Abenteuer"


def test_paginate_collects_pages_in_order(sb: sandbox.Sandbox, client: bk.Client) -> None:
    with pytest.warns(UserWarning, match="max_pages"):  # 5 pages exist: not all were fetched
        frame = client.paginate(
            "discover/movie", {"with_genres": [28, 12]}, max_pages=4, progress=False
        )
    assert len(frame) == 80 and frame["id"].is_unique
    assert frame["popularity"].is_monotonic_decreasing
    assert all({28, 12} <= set(ids) for ids in frame["genre_ids"])
    # The first request may leave ``page`` out (TMDB's default is 1).
    assert sorted(r.query.get("page", "1") for r in sb.request_log) == ["1", "2", "3", "4"]


def test_post_and_delete_a_rating(client: bk.Client) -> None:
    assert client.post("movie/11/rating", json={"value": 9.5})["status_code"] == 1
    assert client.post("movie/11/rating", json={"value": 6})["status_code"] == 12
    rated = client.get("account/0/rated/movies")["results"]
    assert [(r["id"], r["rating"]) for r in rated] == [(11, 6)]
    assert client.delete("movie/11/rating")["status_code"] == 13
    assert client.get("account/0/rated/movies")["results"] == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "Value too low: Value must be greater than 0.0."),
        (-2, "Value too low: Value must be greater than 0.0."),
        (10.5, "Value too high: Value must be less than, or equal to 10.0."),
        (7.3, "Value invalid: Values must be a multiple of 0.50."),
        (0.4, "Value invalid: Values must be a multiple of 0.50."),
    ],
)
def test_invalid_ratings_are_api_errors(client: bk.Client, value: float, message: str) -> None:
    with pytest.raises(bk.ApiError) as caught:
        client.post("movie/11/rating", json={"value": value})
    assert (caught.value.status_code, caught.value.api_code, caught.value.api_message) == (
        400,
        18,
        message,
    )


@pytest.mark.parametrize("body", [{"value": "8"}, {"value": True}, {"rating": 8}, [8]])
def test_rating_bodies_without_a_number_are_invalid_parameters(
    client: bk.Client, body: object
) -> None:
    with pytest.raises(bk.ApiError) as caught:
        client.post("movie/11/rating", json=body)
    assert (caught.value.status_code, caught.value.api_code) == (400, 5)


def test_rating_an_unknown_movie_is_not_found(client: bk.Client) -> None:
    with pytest.raises(bk.NotFoundError) as caught:
        client.post("movie/1/rating", json={"value": 8})
    assert caught.value.api_code == 34


def test_wrong_token_is_an_auth_error_without_the_token(sb: sandbox.Sandbox) -> None:
    wrong = f"bk-wrong-canary-{secrets.token_hex(8)}"
    with bk.Client(sb.url, wrong) as api, pytest.raises(bk.AuthError) as caught:
        api.get("authentication")
    assert caught.value.api_code == 7 and caught.value.status_code == 401
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)


def test_retries_ride_out_503s(sb: sandbox.Sandbox, client: bk.Client) -> None:
    sb.fail_next(2, retry_after=0)
    assert client.get("configuration")["images"]
    assert [r.status for r in sb.request_log] == [503, 503, 200]


def test_a_reset_is_retried(sb: sandbox.Sandbox, client: bk.Client) -> None:
    sb.reset_next()
    assert client.get("authentication")["success"] is True
    assert [r.status for r in sb.request_log] == [None, 200]


def test_a_truncated_body_is_a_network_error(sb: sandbox.Sandbox, client: bk.Client) -> None:
    sb.truncate_next()
    with pytest.raises(bk.NetworkError):
        client.get("configuration")


def test_a_captive_portal_is_a_response_format_error(
    sb: sandbox.Sandbox, client: bk.Client
) -> None:
    sb.html_next()
    with pytest.raises(bk.ResponseFormatError, match="text/html"):
        client.get("configuration")


def test_rate_limit_without_retries_is_a_rate_limit_error(sb: sandbox.Sandbox) -> None:
    sb.rate_limit = 2
    with bk.Client(sb.url, CANARY, retries=0) as api, pytest.raises(bk.RateLimitError) as caught:
        for _ in range(30):
            api.get("authentication")
    assert caught.value.api_code == 25
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1


def test_a_client_paced_at_the_limit_gets_everything(sb: sandbox.Sandbox) -> None:
    sb.rate_limit = 20
    with bk.Client(sb.url, CANARY, rate_limit=20, retries=0) as api:
        for _ in range(30):
            api.get("authentication")
    assert {r.status for r in sb.request_log} == {200}


@pytest.mark.parametrize("client_auth", ["basic", "post"])
def test_client_credentials_get_and_renew_tokens(sb: sandbox.Sandbox, client_auth: str) -> None:
    auth = ClientCredentials(
        sb.token_url, sb.client_id, sb.client_secret, client_auth=client_auth, leeway=0
    )
    with bk.Client(sb.url, auth=auth) as api:
        assert api.get("authentication")["success"] is True
        assert api.get("configuration")["images"]
        assert sb.token_requests == 1  # the token was reused
        sb.revoke_tokens()  # the next call gets a 401 and must fetch a new token
        assert api.get("authentication")["success"] is True
        assert sb.token_requests == 2
        sb.token_ttl = 2  # long enough to be used once even on a loaded machine
        sb.revoke_tokens()
        assert api.get("authentication")["success"] is True
        before = sb.token_requests
        time.sleep(2.1)  # that token has expired now
        assert api.get("authentication")["success"] is True
        assert sb.token_requests > before
    assert sb.client_secret not in repr(sb.request_log)


def test_wrong_client_secret_is_an_auth_error(sb: sandbox.Sandbox) -> None:
    auth = ClientCredentials(sb.token_url, sb.client_id, "not-the-secret")
    with bk.Client(sb.url, auth=auth) as api, pytest.raises(bk.AuthError, match="invalid_client"):
        api.get("authentication")
