"""load_token and Token: where tokens come from, and that they never show."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

import bearerkit as bk
from bearerkit.token import PLACEHOLDER, env_value, find_env_file

from .conftest import FAKE_TOKEN, FAKE_V3_KEY


def write_env(folder: Path, text: str) -> Path:
    path = folder / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_wins_over_env_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_env(clean_env, "TMDB_TOKEN=from-file-value\n")
    monkeypatch.setenv("TMDB_TOKEN", FAKE_TOKEN)
    token = bk.load_token()
    assert token.value == FAKE_TOKEN
    assert "environment" in token.source


def test_finds_env_file_in_a_parent_folder(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_env(clean_env, f"TMDB_TOKEN={FAKE_TOKEN}\n")
    notebooks = clean_env / "notebooks" / "deeper"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)
    token = bk.load_token()
    assert token.value == FAKE_TOKEN
    assert str(clean_env / ".env") in token.source
    assert find_env_file() == clean_env / ".env"


def test_explicit_env_file(tmp_path: Path) -> None:
    path = tmp_path / "custom.env"
    path.write_text(f"OTHER_TOKEN='{FAKE_TOKEN}'\n")
    assert bk.load_token("OTHER_TOKEN", env_file=path).value == FAKE_TOKEN


def test_reads_the_file_afresh_and_never_writes_environ(clean_env: Path) -> None:
    path = write_env(clean_env, "TMDB_TOKEN=first-token-value\n")
    assert bk.load_token().value == "first-token-value"
    path.write_text("TMDB_TOKEN=second-token-value\n")
    assert bk.load_token().value == "second-token-value"
    assert "TMDB_TOKEN" not in os.environ


def test_no_env_file_says_where_it_looked(clean_env: Path) -> None:
    with pytest.raises(bk.TokenError) as info:
        bk.load_token()
    message = str(info.value)
    assert str(clean_env) in message
    assert ".env.example" in message


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(bk.TokenError, match="does not exist"):
        bk.load_token(env_file=tmp_path / "nope.env")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("OTHER=1\n", "is not set"),
        ("TMDB_TOKEN=\n", "is empty"),
        ("TMDB_TOKEN=   \n", "is empty"),
        (f"TMDB_TOKEN={PLACEHOLDER}\n", "placeholder"),
        ('TMDB_TOKEN="abc def"\n', "whitespace"),
        ('TMDB_TOKEN="abc\ndef"\n', "line break"),
    ],
)
def test_bad_values_raise_token_error(clean_env: Path, content: str, expected: str) -> None:
    write_env(clean_env, content)
    with pytest.raises(bk.TokenError, match=expected) as info:
        bk.load_token()
    assert "abc" not in str(info.value)


@pytest.mark.parametrize(
    "content",
    [
        f'TMDB_TOKEN="{FAKE_TOKEN}"',
        f"TMDB_TOKEN='{FAKE_TOKEN}'",
        f"TMDB_TOKEN=  {FAKE_TOKEN}  ",
        f"export TMDB_TOKEN={FAKE_TOKEN}",
    ],
)
def test_quotes_and_whitespace_are_stripped(clean_env: Path, content: str) -> None:
    write_env(clean_env, content + "\n")
    assert bk.load_token().value == FAKE_TOKEN


def test_bearer_prefix_is_stripped_with_a_warning(clean_env: Path) -> None:
    write_env(clean_env, f"TMDB_TOKEN=Bearer {FAKE_TOKEN}\n")
    with pytest.warns(UserWarning, match="Bearer") as record:
        token = bk.load_token()
    assert token.value == FAKE_TOKEN
    assert all(FAKE_TOKEN not in str(w.message) for w in record)


def test_token_is_not_a_str_and_hides_its_value() -> None:
    token = bk.Token(FAKE_TOKEN, source="test")
    assert not isinstance(token, str)
    for text in (repr(token), str(token), f"{token}", f"{token!r}", repr([token])):
        assert FAKE_TOKEN not in text
        assert FAKE_TOKEN[:-4] not in text
    assert FAKE_TOKEN[-4:] in repr(token)
    assert "test" in repr(token)


def test_token_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(bk.Token(FAKE_TOKEN))


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (FAKE_TOKEN, "jwt"),
        (FAKE_V3_KEY, "v3_key"),
        (FAKE_V3_KEY.upper(), "v3_key"),
        ("some-opaque-token", "opaque"),
    ],
)
def test_token_kind(value: str, kind: str) -> None:
    assert bk.Token(value).kind == kind


def test_v3_key_hint_names_the_read_access_token() -> None:
    hint = bk.Token(FAKE_V3_KEY).hint
    assert hint is not None and "API Read Access Token" in hint and "v3 API key" in hint
    assert bk.Token(FAKE_TOKEN).hint is None


def test_env_value_reads_env_then_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_value("TMDB_BASE_URL") is None
    write_env(clean_env, "TMDB_BASE_URL=http://127.0.0.1:9/3\n")
    assert env_value("TMDB_BASE_URL") == "http://127.0.0.1:9/3"
    monkeypatch.setenv("TMDB_BASE_URL", "http://localhost:1/3")
    assert env_value("TMDB_BASE_URL") == "http://localhost:1/3"
