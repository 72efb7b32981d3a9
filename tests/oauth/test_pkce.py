"""bearerkit.oauth.pkce: the RFC 7636 verifier and S256 challenge."""

from __future__ import annotations

import pytest

from bearerkit.oauth.pkce import VERIFIER_CHARS, make_verifier, s256_challenge


def test_the_rfc_7636_appendix_b_vector():
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_a_verifier_is_43_unreserved_characters_and_fresh_each_time():
    verifiers = {make_verifier().reveal() for _ in range(50)}
    assert len(verifiers) == 50
    assert all(len(v) == 43 and VERIFIER_CHARS.fullmatch(v) for v in verifiers)


def test_a_verifier_never_shows_itself():
    verifier = make_verifier()
    assert verifier.reveal() not in repr(verifier) + str(verifier)


def test_the_challenge_is_unpadded_base64url():
    challenge = s256_challenge(make_verifier().reveal())
    assert len(challenge) == 43 and "=" not in challenge and "+" not in challenge


@pytest.mark.parametrize("bad", ["short", "x" * 129, "a" * 42 + " ", "é" * 43])
def test_a_verifier_outside_the_rfc_is_refused(bad):
    with pytest.raises(ValueError, match="43-128"):
        s256_challenge(bad)
