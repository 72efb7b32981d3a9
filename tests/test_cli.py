"""The command line, run as a subprocess: output formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .conftest import FAKE_TOKEN


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "BEARERKIT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bearerkit", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_genres_default_prints_both_kinds_side_by_side(clean_env: Path) -> None:
    out = run("genres", cwd=clean_env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 + 27
    assert lines[0].split() == ["id", "name_en", "movie", "tv"]
    assert "Sci-Fi & Fantasy" in out.stdout and "Science Fiction" in out.stdout
    assert "sandbox" in out.stderr and out.stderr.count("\n") == 1


def test_genres_json_is_a_list_of_records(clean_env: Path) -> None:
    out = run("genres", "--format", "json", cwd=clean_env)
    records = json.loads(out.stdout)
    assert len(records) == 27
    assert records[0] == {"id": 28, "name_en": "Action", "movie": True, "tv": False}


def test_genres_csv_german_movie(clean_env: Path) -> None:
    out = run("genres", "--kind", "movie", "--language", "de", "--format", "csv", cwd=clean_env)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 19
    assert list(rows[0]) == ["id", "name_de", "movie", "tv"]
    assert {r["name_de"] for r in rows} >= {"Abenteuer", "Komödie", "Liebesfilm"}


def test_genres_several_languages_markdown(clean_env: Path) -> None:
    out = run(
        "genres",
        "--kind",
        "tv",
        "--language",
        "en",
        "--language",
        "fr",
        "--format",
        "markdown",
        cwd=clean_env,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("|") and "name_fr" in lines[0]
    assert len(lines) == 2 + 16


def test_output_file(clean_env: Path) -> None:
    target = clean_env / "genres.csv"
    out = run("genres", "--format", "csv", "--output", str(target), cwd=clean_env)
    assert out.returncode == 0
    assert out.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("id,name_en,movie,tv")


def test_discover_csv(clean_env: Path) -> None:
    out = run(
        "discover", "--pages", "2", "--with-genres", "Comedy", "--format", "csv", cwd=clean_env
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 40
    assert all("Comedy" in r["genres"] for r in rows)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d|", rows[0]["release_date"])


def test_bad_token_is_one_line_and_exit_1(clean_env: Path, shared_sandbox) -> None:  # type: ignore[no-untyped-def]
    out = run(
        "genres", cwd=clean_env, env={"TMDB_TOKEN": FAKE_TOKEN, "TMDB_BASE_URL": shared_sandbox.url}
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("bearerkit: error: 401")
    assert out.stderr.count("\n") == 1
    assert FAKE_TOKEN not in out.stderr + out.stdout


def test_no_sandbox_without_token_exit_1(clean_env: Path) -> None:
    out = run("genres", "--no-sandbox", cwd=clean_env)
    assert out.returncode == 1
    assert ".env" in out.stderr and "Traceback" not in out.stderr


def test_unknown_genre_is_a_usage_error(clean_env: Path) -> None:
    out = run("discover", "--with-genres", "Actoin", cwd=clean_env)
    assert out.returncode == 2
    assert "Unknown movie genre" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["genres", "--help"],
        ["discover", "--help"],
        ["sandbox", "--help"],
        ["scan", "--help"],
    ],
)
def test_help(clean_env: Path, args: list[str]) -> None:
    out = run(*args, cwd=clean_env)
    assert out.returncode == 0
    assert "usage:" in out.stdout


def test_bad_option_exit_2(clean_env: Path) -> None:
    out = run("genres", "--format", "xml", cwd=clean_env)
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_sandbox_command_serves_until_interrupted(clean_env: Path) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "BEARERKIT_"))}
    token = "cli-sandbox-token-123456"
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "bearerkit", "sandbox", "--token", token],
        cwd=clean_env,
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 20
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            match = re.search(r"(http://127\.0\.0\.1:\d+/3)\b", line)
            url = match.group(1) if match else None
        assert url, "the sandbox did not print its URL"
        answer = requests.get(
            f"{url}/genre/movie/list", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.json()["genres"][0] == {"id": 28, "name": "Action"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
