"""Scan settings: the .env values to look for, and [tool.bearerkit.scan] in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat.v4 import new_output

from bearerkit.errors import BearerkitError
from bearerkit.scan import scan
from tests.scan.fakes import ENV_SECRET, JWT, OPAQUE, code_cell, write, write_nb

# --- the .env values -------------------------------------------------------------------


def test_finds_env_values_without_a_recognisable_shape(proj: Path) -> None:
    write(
        proj / ".env",
        f"MY_API_SECRET={ENV_SECRET}\n"
        "TMDB_LANGUAGE=en-US-and-more-words\n"  # not a secret-looking name
        "SHORT_TOKEN=abc123\n"  # too short to search for
        "TMDB_TOKEN=paste-your-tmdb-read-access-token-here\n",  # placeholder
    )
    write(
        proj / "notes.txt",
        f"first\nthe secret is {ENV_SECRET}\nen-US-and-more-words abc123\n"
        "paste-your-tmdb-read-access-token-here\n",
    )
    output = new_output("stream", name="stdout", text=f"loaded {ENV_SECRET}\n")
    write_nb(proj / "nb.ipynb", [code_cell("print(s)", [output])])
    found = sorted((f.path.name, f.where, f.line, f.kind, f.env_name) for f in scan(proj))
    assert found == [
        ("nb.ipynb", "output", None, "env_value", "MY_API_SECRET"),
        ("notes.txt", "file", 2, "env_value", "MY_API_SECRET"),
    ]


def test_urls_and_ordinary_names_in_env_are_not_secrets(proj: Path) -> None:
    # The README tells users to set OAUTH_TOKEN_URL; its value is in every notebook.
    write(
        proj / ".env",
        "OAUTH_TOKEN_URL=https://auth.example.com/oauth/token\n"
        "TOKENIZER_NAME=bert-base-uncased-v2\n"
        "AUTH_METHOD=client_credentials\n"
        "TOKEN_TTL=86400000\n"
        f"OAUTH_CLIENT_SECRET={ENV_SECRET}\n",
    )
    notes = write(
        proj / "notes.md",
        "creds = ClientCredentials(token_url='https://auth.example.com/oauth/token')\n"
        "model = 'bert-base-uncased-v2'  # client_credentials grant, ttl 86400000\n"
        f"oops = '{ENV_SECRET}'\n",
    )
    assert [(f.line, f.env_name) for f in scan(notes)] == [(3, "OAUTH_CLIENT_SECRET")]


def test_the_env_file_itself_is_not_scanned_but_env_example_is(proj: Path) -> None:
    write(proj / ".env", f"TMDB_TOKEN={JWT}\nMY_API_SECRET={ENV_SECRET}\n")
    write(proj / ".env.example", "TMDB_TOKEN=paste-your-tmdb-read-access-token-here\n")
    assert scan(proj) == []
    assert scan(proj / ".env") == []
    write(proj / ".env.example", f"TMDB_TOKEN={JWT}\n")
    [finding] = scan(proj)
    assert (finding.path.name, finding.kind) == (".env.example", "env_value")


def test_env_file_is_found_above_the_scanned_path(tmp_path: Path, clean_env: Path) -> None:
    project = tmp_path / "elsewhere" / "project"
    write(project / ".env", f"MY_API_SECRET={ENV_SECRET}\n")
    notes = write(project / "deep" / "er" / "notes.txt", f"{ENV_SECRET}\n")
    assert not (clean_env / ".env").exists()
    assert [f.kind for f in scan(notes)] == ["env_value"]


def test_env_file_is_found_above_the_working_directory(proj: Path, clean_env: Path) -> None:
    notes = write(proj / "notes.txt", f"{ENV_SECRET}\n")
    assert scan(notes) == []
    write(clean_env / ".env", f"MY_API_SECRET={ENV_SECRET}\n")
    assert [f.kind for f in scan(notes)] == ["env_value"]


def test_explicit_env_file(proj: Path, tmp_path: Path) -> None:
    secrets = write(tmp_path / "secrets" / "local.env", f"MY_API_SECRET={ENV_SECRET}\n")
    notes = write(proj / "notes.txt", f"{ENV_SECRET}\n")
    assert [f.kind for f in scan(notes, env_file=secrets)] == ["env_value"]
    assert scan(secrets, env_file=secrets) == []  # the named env file is not scanned either
    with pytest.raises(BearerkitError, match="does not exist"):
        scan(notes, env_file=tmp_path / "missing.env")


def test_an_undecodable_env_file_is_a_clear_error(proj: Path) -> None:
    # What PowerShell's `>` writes: UTF-16 with a byte-order mark.
    (proj / ".env").write_bytes(f"MY_API_SECRET={ENV_SECRET}\n".encode("utf-16"))
    with pytest.raises(BearerkitError, match=r"\.env: cannot be read as a UTF-8") as info:
        scan(write(proj / "notes.txt", "x\n"))
    assert ENV_SECRET not in str(info.value)


# --- [tool.bearerkit.scan] and allow-lists ---------------------------------------------


def test_pyproject_allow_and_exclude(proj: Path) -> None:
    write(
        proj / "pyproject.toml",
        '[project]\nname = "demo"\n\n[tool.bearerkit.scan]\n'
        'allow = ["^bkOpaque"]\nexclude = ["fixtures/*", "docs/old.md"]\n',
    )
    write(proj / "fixtures" / "deep" / "response.json", f'{{"token": "{JWT}"}}\n')
    old = write(proj / "docs" / "old.md", f"{JWT}\n")
    write(proj / "docs" / "new.md", f"Bearer {OPAQUE}\n{JWT}\n")
    found = [(f.path.relative_to(proj).as_posix(), f.line, f.kind) for f in scan(proj)]
    assert found == [("docs/new.md", 2, "jwt")]
    assert scan(old) == []  # excluded even when named explicitly (as pre-commit does)


def test_allow_argument(proj: Path) -> None:
    import re

    path = write(proj / "notes.txt", f"{JWT}\nBearer {OPAQUE}\n")
    assert [f.kind for f in scan(path, allow=[re.escape(OPAQUE)])] == ["jwt"]
    assert scan(path, allow=[re.compile("canary|^bkOpaque"), "^eyJ"]) == []


@pytest.mark.parametrize(
    "table",
    [
        'allow = ["(unclosed"]',
        'allow = "not-a-list"',
        'excludes = ["typo"]',
        "allow = [",
    ],
)
def test_a_broken_pyproject_table_is_a_clear_error(proj: Path, table: str) -> None:
    write(proj / "pyproject.toml", f"[tool.bearerkit.scan]\n{table}\n")
    write(proj / "notes.txt", "nothing\n")
    with pytest.raises(BearerkitError, match=r"pyproject\.toml"):
        scan(proj)


def test_an_invalid_allow_regex_is_a_clear_error(proj: Path) -> None:
    with pytest.raises(BearerkitError, match="not a valid regular expression"):
        scan(write(proj / "notes.txt", "x\n"), allow=["[a-"])
