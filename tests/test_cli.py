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

from bearerkit import cli
from bearerkit.tmdb_kinds import DEFAULT_LANGUAGE

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


def test_backend_tmdb_without_token_exit_1(clean_env: Path) -> None:
    out = run("genres", "--backend", "tmdb", cwd=clean_env)
    assert out.returncode == 1
    assert out.stderr.startswith("bearerkit: error: TMDB_TOKEN")
    assert ".env" in out.stderr and out.stderr.count("\n") == 1


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


def test_help_names_the_program_as_it_was_run(clean_env: Path) -> None:
    # The console script says `bearerkit`; `python -m bearerkit` says so.
    script = Path(sys.executable).with_name("bearerkit")
    assert script.exists(), "the bearerkit console script is not installed in this venv"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "BEARERKIT_"))}
    as_script = subprocess.run(
        [str(script), "genres", "--help"], cwd=clean_env, env=base, capture_output=True, text=True
    )
    assert as_script.returncode == 0, as_script.stderr
    assert as_script.stdout.startswith("usage: bearerkit genres ")
    assert "python -m" not in as_script.stdout
    as_module = run("genres", "--help", cwd=clean_env)
    assert as_module.stdout.startswith("usage: python -m bearerkit genres ")
    bad = subprocess.run(
        [str(script), "genres", "--format", "xml"],
        cwd=clean_env,
        env=base,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.splitlines()[-1].startswith(
        "bearerkit genres: error:"
    )


def test_program_name() -> None:
    assert cli.program_name("/venv/bin/bearerkit") == "bearerkit"
    assert cli.program_name("C:\\venv\\Scripts\\bearerkit.exe") == "bearerkit"
    assert (
        cli.program_name("/venv/lib/site-packages/bearerkit/__main__.py") == "python -m bearerkit"
    )


def test_backend_choices_match_the_tmdb_layer() -> None:
    from bearerkit.tmdb import BACKENDS

    assert cli.BACKENDS == BACKENDS


def test_scan_loads_neither_the_client_nor_pandas(clean_env: Path) -> None:
    # `bearerkit scan` runs in pre-commit hooks: it must not pay for pandas on every commit.
    (clean_env / "notes.txt").write_text("nothing secret here\n")
    code = (
        "import sys\n"
        "from bearerkit.cli import main\n"
        "rc = main(['scan', 'notes.txt'])\n"
        "print(rc, *[m for m in ('pandas', 'requests', 'bearerkit.client', 'bearerkit.tmdb')"
        " if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=clean_env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0"], out.stdout


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


# -- in process: bad values, unwritable outputs, errors (one line each, never a traceback) --
def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("bearerkit: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("year", ["0", "-5", "99999", "1799", "2201", "nineteen", "1999.5"])
def test_absurd_years_are_usage_errors(
    capsys: pytest.CaptureFixture[str], shared_sandbox, year: str
) -> None:  # type: ignore[no-untyped-def]
    shared_sandbox.clear_log()
    with pytest.raises(SystemExit) as info:
        cli.main(["discover", "--backend", "sandbox", f"--year={year}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --year: must be a year" in err and "Traceback" not in err
    assert shared_sandbox.request_log == []  # refused before any request


@pytest.mark.parametrize("kind, field", [("movie", "release_date"), ("tv", "first_air_date")])
def test_year_filters_by_the_kinds_date(
    capsys: pytest.CaptureFixture[str], kind: str, field: str
) -> None:
    code, out, err = main(
        capsys, "discover", "--kind", kind, "--year", "2001", "--pages", "3", "--format", "csv"
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r[field].startswith("2001-") for r in rows)
    assert ("title" if kind == "movie" else "name") in rows[0]


def test_output_to_a_missing_folder(capsys: pytest.CaptureFixture[str], clean_env: Path) -> None:
    target = clean_env / "no" / "such" / "genres.csv"
    code, out, err = main(capsys, "genres", "--output", str(target))
    assert code == 2 and out == ""
    assert "does not exist" in one_error_line(err)
    assert "sandbox" not in err  # refused before connecting
    assert not target.parent.exists()


def test_output_to_a_folder(capsys: pytest.CaptureFixture[str], clean_env: Path) -> None:
    code, _, err = main(capsys, "discover", "--output", str(clean_env))
    assert code == 2
    assert "is a folder" in one_error_line(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_output_to_a_read_only_file(capsys: pytest.CaptureFixture[str], clean_env: Path) -> None:
    target = clean_env / "locked.csv"
    target.write_text("keep me")
    target.chmod(0o444)
    code, _, err = main(capsys, "genres", "--output", str(target))
    assert code == 2
    assert "not writable" in one_error_line(err)
    assert target.read_text() == "keep me"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_that_fails_while_writing(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = main(capsys, "genres", "--backend", "sandbox", "--output", "/dev/full")
    assert code == 2
    assert "cannot write --output /dev/full: No space left on device" in one_error_line(err)


@pytest.mark.parametrize(
    "env_text, said",
    [
        (None, "no .env file was found"),
        ("TMDB_TOKEN=paste-your-tmdb-read-access-token-here\n", "placeholder"),
        ('TMDB_TOKEN="two words"\n', "whitespace"),
    ],
)
def test_token_errors_are_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], clean_env: Path, env_text: str | None, said: str
) -> None:
    if env_text is not None:
        (clean_env / ".env").write_text(env_text)
    code, out, err = main(capsys, "genres", "--backend", "tmdb")
    assert code == 1 and out == ""
    assert said in one_error_line(err)


def test_an_unexpected_error_is_still_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bearerkit.tmdb import TMDB

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the genre table is on fire\nsecond line")

    monkeypatch.setattr(TMDB, "genre_table", broken)
    code, _, err = main(capsys, "genres", "--backend", "sandbox")
    assert code == 1
    line = one_error_line(err)
    assert (
        line == "bearerkit: error: unexpected RuntimeError: the genre table is on fire second line"
    )


def test_defaults_come_from_the_tmdb_vocabulary(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    genres = parser.parse_args(["genres"])
    assert genres.backend == "auto"
    code, out, _ = main(capsys, "genres", "--backend", "sandbox", "--format", "csv")
    assert code == 0 and out.startswith(f"id,name_{DEFAULT_LANGUAGE},movie,tv")
    code, out, _ = main(
        capsys, "discover", "--kind", "tv", "--backend", "sandbox", "--format", "csv"
    )
    assert out.splitlines()[0] == "id,name,first_air_date,vote_average,genres"
