"""bearerkit.oauth.grant: a user grant's token request (public and confidential) and its answer."""

from __future__ import annotations

import pytest

from bearerkit.errors import AuthError
from bearerkit.oauth.grant import GrantRequest
from bearerkit.redact import Secret

from .loginkit import CLIENT_ID, CLIENT_SECRET, REFRESH, UserAuthServer, assert_clean, full_text


def request(srv: UserAuthServer, secret: str = "", auth: str = "basic") -> GrantRequest:
    return GrantRequest(
        token_url=srv.token_url,
        client_id=CLIENT_ID,
        client_secret=Secret(secret),
        client_auth=auth,
        fields=(("grant_type", "refresh_token"), ("refresh_token", Secret(f"{REFRESH}seed"))),
    )


def test_a_public_client_sends_its_id_in_the_form_and_no_basic_header(real_server):
    real_server.valid_refresh.add(f"{REFRESH}seed")
    token = request(real_server).answer().user_token()
    sent = real_server.token_requests()[0]
    assert sent["authorization"] is None and sent["form"]["client_id"] == CLIENT_ID
    assert token.refresh_token is not None and token.refresh_token.reveal().startswith(REFRESH)


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_a_confidential_client_authenticates_as_asked(real_server, auth):
    real_server.client_secret = CLIENT_SECRET
    real_server.valid_refresh.add(f"{REFRESH}seed")
    request(real_server, CLIENT_SECRET, auth).answer().user_token()
    sent = real_server.token_requests()[0]
    if auth == "basic":
        assert sent["authorization"].startswith("Basic ") and "client_secret" not in sent["form"]
    else:
        assert sent["authorization"] is None and sent["form"]["client_secret"] == CLIENT_SECRET


def test_a_form_encoded_answer_is_read(real_server):
    real_server.form_encoded = True
    real_server.valid_refresh.add(f"{REFRESH}seed")
    token = request(real_server).answer().user_token()
    assert token.access_token.reveal().startswith("bk-leak-canary-access-")
    assert token.expires_in == 3600


def test_the_error_code_is_named_and_the_refusal_hints_at_signing_in_again(real_server):
    answer = request(real_server).answer()  # the seed is not valid here
    assert answer.error_code() == "invalid_grant"
    with pytest.raises(AuthError, match="sign in again") as info:
        answer.user_token()
    assert_clean(full_text(info.value) + repr(answer) + repr(request(real_server)))


def test_other_fields_come_back_without_the_secrets(real_server):
    real_server.valid_refresh.add(f"{REFRESH}seed")
    real_server.extra_token_fields = {"athlete": {"id": 1}, "id_token": "bk-leak-canary-id"}
    token = request(real_server).answer().user_token()
    assert token.fields["athlete"] == {"id": 1} and "id_token" not in token.fields
    assert "access_token" not in token.fields and "refresh_token" not in token.fields
