"""load_token and Token: where tokens come from, and that they never show."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import pytest

import bearerkit as bk
from bearerkit.shapes import PLACEHOLDER
from bearerkit.token import ENV_FILE_VARIABLE, env_value, find_env_file

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


# -- Token.parse ------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [FAKE_TOKEN, f'"{FAKE_TOKEN}"', f"'{FAKE_TOKEN}'", f"  {FAKE_TOKEN}\n", f"Bearer {FAKE_TOKEN}"],
)
def test_parse_strips_quotes_whitespace_and_bearer(raw: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = bk.Token.parse(raw, source="pasted")
    assert token.value == FAKE_TOKEN
    assert token.source == "pasted"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "missing"),
        (PLACEHOLDER, "placeholder"),
        ("<your token>", "placeholder"),
        ("YOUR_BEARER_TOKEN", "placeholder"),
        ("abc def-canary", "malformed"),
    ],
)
def test_parse_refuses(raw: str, reason: str) -> None:
    with pytest.raises(bk.TokenError) as info:
        bk.Token.parse(raw, source="pasted")
    assert info.value.reason == reason
    assert "pasted" in str(info.value)


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u201c", "LEFT DOUBLE QUOTATION MARK"),
        ("\u2019", "RIGHT SINGLE QUOTATION MARK"),
        ("\u200b", "ZERO WIDTH SPACE"),
        ("\u00e9", "LATIN SMALL LETTER E WITH ACUTE"),
        ("\x07", "U+0007"),
    ],
)
def test_env_token_with_a_character_a_header_cannot_carry(
    clean_env: Path, char: str, name: str
) -> None:
    value = FAKE_TOKEN[:10] + char + FAKE_TOKEN[10:]
    write_env(clean_env, f"TMDB_TOKEN={value}\n")
    with pytest.raises(bk.TokenError) as info:
        bk.load_token()
    message = str(info.value)
    assert info.value.reason == "malformed"
    assert name in message and "position 11" in message
    assert str(clean_env / ".env") in message
    assert FAKE_TOKEN[:10] not in message and FAKE_TOKEN[10:] not in message


def test_curly_quotes_around_the_token(clean_env: Path) -> None:
    write_env(clean_env, f"TMDB_TOKEN=\u201c{FAKE_TOKEN}\u201d\n")
    with pytest.raises(bk.TokenError, match=r"LEFT DOUBLE QUOTATION MARK.*position 1"):
        bk.load_token()


def test_client_refuses_a_malformed_token_string() -> None:
    with pytest.raises(bk.TokenError, match="ZERO WIDTH SPACE"):
        bk.Client("https://api.example.org", FAKE_TOKEN + "\u200b")


# -- .env files that cannot be read -----------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (f"TMDB_TOKEN={FAKE_TOKEN}\n".encode("utf-16"), "UTF-16"),
        (f"TMDB_TOKEN={FAKE_TOKEN}\n".encode("utf-16-le"), "UTF-16"),
        (b"# caf\xe9\nTMDB_TOKEN=" + FAKE_TOKEN.encode() + b"\n", "not valid UTF-8 \\(line 1\\)"),
    ],
)
def test_badly_encoded_env_file(clean_env: Path, data: bytes, expected: str) -> None:
    (clean_env / ".env").write_bytes(data)
    with pytest.raises(bk.TokenError, match=expected) as info:
        bk.load_token()
    assert "UTF-8" in str(info.value) and str(clean_env / ".env") in str(info.value)
    assert info.value.reason == "malformed"
    assert info.value.__context__ is None  # the decode error holds the file's bytes


def test_utf8_bom_is_accepted(clean_env: Path) -> None:
    (clean_env / ".env").write_bytes(b"\xef\xbb\xbfTMDB_TOKEN=" + FAKE_TOKEN.encode() + b"\n")
    assert bk.load_token().value == FAKE_TOKEN


def test_unreadable_env_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_env(clean_env, f"TMDB_TOKEN={FAKE_TOKEN}\n")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail as it would for a user

        def refuse(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "read_bytes", refuse)
    try:
        with pytest.raises(bk.TokenError, match="permission denied") as info:
            bk.load_token()
    finally:
        path.chmod(0o600)
    assert info.value.reason == "unreadable" and str(path) in str(info.value)
    assert info.value.__context__ is None


def test_env_file_that_is_a_folder(clean_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.env"
    folder.mkdir()
    from bearerkit.token import read_env_file

    with pytest.raises(bk.TokenError, match="cannot be read") as info:
        read_env_file(folder)
    assert info.value.reason == "unreadable"


# -- BEARERKIT_ENV_FILE ---------------------------------------------------------------
def test_env_file_variable_names_the_file(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_env(clean_env, "TMDB_TOKEN=from-the-nearby-file\n")
    chosen = tmp_path / "elsewhere.env"
    chosen.write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(chosen))
    assert find_env_file() == chosen
    assert find_env_file(clean_env) == chosen
    assert bk.load_token().value == FAKE_TOKEN


def test_env_file_variable_pointing_nowhere_means_no_env_file(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_env(clean_env, f"TMDB_TOKEN={FAKE_TOKEN}\nTMDB_BASE_URL=http://127.0.0.1:9/3\n")
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(tmp_path / "does-not-exist.env"))
    assert find_env_file() is None
    assert env_value("TMDB_BASE_URL") is None
    with pytest.raises(bk.TokenError) as info:
        bk.load_token()
    assert ENV_FILE_VARIABLE in str(info.value)
    assert info.value.reason == "missing"


def test_find_env_file_from_a_start_folder(tmp_path: Path) -> None:
    write_env(tmp_path, "X=1\n")
    deeper = tmp_path / "a" / "b"
    deeper.mkdir(parents=True)
    assert find_env_file(deeper) == tmp_path / ".env"
    (deeper / "nb.ipynb").write_text("{}")
    assert find_env_file(deeper / "nb.ipynb") == tmp_path / ".env"


# -- verbose tracebacks (IPython %xmode Verbose prints every frame's locals) -------------
def _locals_below(exc: BaseException) -> str:
    """Every local variable of the frames the error passed through, below the test."""
    texts = []
    tb = exc.__traceback__.tb_next if exc.__traceback__ else None  # skip the test's frame
    while tb is not None:
        texts += [f"{k}={v!r}" for k, v in tb.tb_frame.f_locals.items()]
        tb = tb.tb_next
    return "\n".join(texts)


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("TMDB_TOKEN={token}\u200b\n", "utf-8"),  # malformed: an invisible character
        ("TMDB_TOKEN={token} tail\n", "utf-8"),  # malformed: whitespace inside
        ("# caf\xe9\nTMDB_TOKEN={token}\n", "latin-1"),  # the file is not UTF-8
        ("TMDB_TOKEN={token}\n", "utf-16"),  # PowerShell's encoding
    ],
)
def test_failing_load_token_keeps_no_token_in_frame_locals(
    clean_env: Path, content: str, encoding: str
) -> None:
    (clean_env / ".env").write_bytes(content.format(token=FAKE_TOKEN).encode(encoding))
    with pytest.raises(bk.TokenError) as info:
        bk.load_token()
    shown = _locals_below(info.value)
    assert "TMDB_TOKEN" in shown  # the frames were looked at...
    assert FAKE_TOKEN[:20] not in shown  # ...and hold no piece of the token
    assert repr(FAKE_TOKEN[:20].encode(encoding))[2:-1] not in shown


def test_malformed_environment_token_keeps_no_token_in_frame_locals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TMDB_TOKEN", FAKE_TOKEN + "\u201d")
    with pytest.raises(bk.TokenError) as info:
        bk.load_token()
    assert FAKE_TOKEN[:20] not in _locals_below(info.value)


def test_a_fifo_named_env_is_not_used(clean_env: Path) -> None:
    os.mkfifo(clean_env / ".env")  # reading it would block until someone writes
    assert find_env_file() is None
    with pytest.raises(bk.TokenError, match=r"no \.env file was found"):
        bk.load_token()


_LOCKED_SCRIPT = """
import os, sys
import dotenv  # loaded now: the user below cannot read the interpreter's own folders
import bearerkit as bk
from bearerkit.token import env_value, find_env_file, load_token
if os.geteuid() == 0:  # root enters any folder: become a user who cannot
    os.setgid(65534)
    os.setuid(65534)
path = sys.argv[1]
calls = {
    "load_token": lambda: load_token("TMDB_TOKEN", env_file=path),
    "env_value": lambda: env_value("TMDB_BASE_URL", env_file=path),
    "override": lambda: (os.environ.__setitem__("BEARERKIT_ENV_FILE", path), find_env_file())[1],
}
for name, call in calls.items():
    try:
        call()
        print(name, "no error")
    except bk.TokenError as err:
        print(name, "TokenError", err.reason, "permission denied" in str(err))
    except BaseException as err:
        print(name, type(err).__name__)
"""


def test_a_env_file_in_a_folder_the_user_cannot_enter_is_a_token_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / ".env").write_text(f"TMDB_TOKEN={FAKE_TOKEN}\n")
    locked.chmod(0)
    tmp_path.chmod(0o755)  # the folder above is open; only `locked` is closed
    try:
        out = subprocess.run(
            [sys.executable, "-c", _LOCKED_SCRIPT, str(locked / ".env")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        locked.chmod(0o700)
    assert out.stdout.splitlines() == [
        "load_token TokenError unreadable True",
        "env_value TokenError unreadable True",
        "override TokenError unreadable True",
    ], out.stderr
    assert FAKE_TOKEN not in out.stdout + out.stderr
