"""Token shapes: what marks a value as an example, and the reason a message gives for it."""

from __future__ import annotations

import pytest

import bearerkit as bk
from bearerkit.shapes import PLACEHOLDER, PLACEHOLDER_MARKERS, is_placeholder, placeholder_reason

from .conftest import FAKE_TOKEN, FAKE_V3_KEY


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (PLACEHOLDER, "is still the placeholder from .env.example"),
        ("x" * 40, "is only the letter 'x' repeated"),
        ("X" * 32, "is only the letter 'x' repeated"),
        ("sk-xxxxxxxxxxxxxxxx", "contains a run of x's"),
        ("<your token>", "contains '<' or '>'"),
        ("{token}", "contains '{' or '}'"),
        ("$TMDB_TOKEN", "contains '$'"),
        ("eyJhbGci...", "contains '...'"),
        ("YOUR_BEARER_TOKEN", "contains 'your_'"),
        ("changeme", "contains 'changeme'"),
    ],
)
def test_each_example_value_gets_its_own_reason(value: str, said: str) -> None:
    reason = placeholder_reason(value)
    assert reason is not None and reason.startswith(said)
    assert is_placeholder(value)
    if value != PLACEHOLDER:
        assert ".env.example" not in reason


@pytest.mark.parametrize("value", [FAKE_TOKEN, FAKE_V3_KEY, "ghp_" + "a1" * 18, "xx", "x" * 7])
def test_real_looking_values_are_not_examples(value: str) -> None:
    assert placeholder_reason(value) is None and not is_placeholder(value)


def test_every_marker_has_a_reason_that_names_only_the_marker() -> None:
    secretish = "s3cr3tPart"
    for marker in PLACEHOLDER_MARKERS:
        reason = placeholder_reason(f"{secretish}{marker}{secretish}")
        assert reason is not None, marker
        assert secretish.lower() not in reason.lower(), marker


def test_forty_xs_as_a_token_argument_name_the_real_cause() -> None:
    with pytest.raises(bk.TokenError) as info:
        bk.Client("https://api.example.test/v1", "x" * 40)
    message = str(info.value)
    assert info.value.reason == "placeholder"
    assert ".env.example" not in message
    assert message.startswith("the token argument is only the letter 'x' repeated")
    assert "Replace it with your token" in message
