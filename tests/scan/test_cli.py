"""The command line: output, summary, exit codes 0/1/2, the hook manifest, this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_output

from bearerkit.scan import scan
from tests.scan.fakes import (
    ENV_SECRET,
    JWT,
    OPAQUE,
    assert_no_leak,
    code_cell,
    mask,
    write,
    write_nb,
)

REPO = Path(__file__).resolve().parents[2]

RUNNER = (
    "import argparse, sys\n"
    "from bearerkit.scan import cli\n"
    "p = argparse.ArgumentParser(prog='bearerkit scan')\n"
    "cli.configure_parser(p)\n"
    "sys.exit(cli.run(p.parse_args(sys.argv[1:])))\n"
)


def run_cli(*args: str | Path, cwd: Path, module: bool = False) -> subprocess.CompletedProcess[str]:
    command = (
        [sys.executable, "-m", "bearerkit", "scan"] if module else [sys.executable, "-c", RUNNER]
    )
    proc = subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert_no_leak(proc.stdout, proc.stderr)
    return proc


@pytest.fixture
def leaky(proj: Path) -> Path:
    output = new_output("stream", name="stdout", text=f"{JWT}\nBearer {OPAQUE}\n")
    write_nb(proj / "leak.ipynb", [code_cell("print(t)", [output])])
    write(proj / "clean.py", "print('hello')\n")
    return proj


def test_cli_reports_findings_and_exits_1(leaky: Path) -> None:
    proc = run_cli(".", cwd=leaky)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"leak.ipynb: cell 1 output: jwt {mask(JWT)}",
        f"leak.ipynb: cell 1 output: bearer {mask(OPAQUE)}",
    ]
    [summary] = proc.stderr.splitlines()
    assert summary.startswith("bearerkit scan: 2 possible secrets in 1 file")


def test_cli_clean_exits_0(proj: Path) -> None:
    write(proj / "a.py", "print(1)\n")
    write_nb(proj / "b.ipynb", [code_cell("1 + 1")])
    proc = run_cli(proj, proj / "a.py", cwd=proj)  # a file named twice is read once
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        "",
        "bearerkit scan: clean (2 files)\n",
    )


def test_cli_missing_path_exits_2(proj: Path) -> None:
    proc = run_cli("does-not-exist.ipynb", cwd=proj)
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert "does-not-exist.ipynb" in line and "no such file" in line


def test_cli_bad_regex_exits_2(leaky: Path) -> None:
    proc = run_cli(".", "--allow", "(", cwd=leaky)
    assert proc.returncode == 2
    assert "not a valid regular expression" in proc.stderr


def test_cli_unreadable_env_file_exits_2_in_one_line(leaky: Path) -> None:
    (leaky / ".env").write_bytes(f"MY_API_SECRET={ENV_SECRET}\n".encode("utf-16"))
    proc = run_cli(".", cwd=leaky)
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert "cannot be read as a UTF-8 .env file" in line


def test_cli_takes_several_files_like_pre_commit_passes_them(proj: Path) -> None:
    write(proj / "one.md", f"{JWT}\n")
    write(proj / "two.py", f"h = 'Bearer {OPAQUE}'\n")
    write(proj / "three.txt", "clean\n")
    proc = run_cli("one.md", "two.py", "three.txt", cwd=proj)
    assert proc.returncode == 1
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["one.md", "two.py"]
    assert proc.stderr.startswith("bearerkit scan: 2 possible secrets in 2 files")


def test_cli_allow_env_file_and_quiet(leaky: Path, tmp_path: Path) -> None:
    allowed = run_cli(".", "--allow", "^eyJ", "--allow", "^bkOpaque", cwd=leaky)
    assert (allowed.returncode, allowed.stdout) == (0, "")
    write(leaky / "notes.txt", f"{ENV_SECRET}\n")
    env = write(tmp_path / "private" / "my.env", f"MY_API_SECRET={ENV_SECRET}\n")
    quiet = run_cli("notes.txt", "--env-file", env, "--quiet", cwd=leaky)
    assert quiet.returncode == 1
    assert quiet.stdout.startswith("notes.txt:1: env_value MY_API_SECRET")
    assert quiet.stderr == ""


def test_cli_default_is_the_repository_root(proj: Path) -> None:
    write(proj / "pyproject.toml", '[project]\nname = "demo"\n')
    write(proj / "leak.txt", f"{JWT}\n")
    inner = proj / "notebooks" / "drafts"
    inner.mkdir(parents=True)
    proc = run_cli(cwd=inner)
    assert proc.returncode == 1
    assert proc.stdout.startswith(os.path.join("..", "..", "leak.txt") + ":1: jwt")


@pytest.mark.parametrize(("setup", "code"), [("clean", 0), ("leak", 1), ("missing", 2)])
def test_python_m_bearerkit_scan_exit_codes(proj: Path, setup: str, code: int) -> None:
    write(proj / "file.txt", f"{JWT}\n" if setup == "leak" else "clean\n")
    target = "missing.txt" if setup == "missing" else "file.txt"
    assert run_cli(target, cwd=proj, module=True).returncode == code


# --- the repository itself ------------------------------------------------------------


def test_the_scanner_and_its_tests_scan_clean() -> None:
    assert [str(f) for f in scan(Path(__file__).parent)] == []
    assert [str(f) for f in scan(REPO / "bearerkit")] == []


def test_pre_commit_hook_manifest() -> None:
    yaml = pytest.importorskip("yaml")
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "bearerkit-scan"
    assert hook["entry"] == "python -m bearerkit scan"
    assert hook["language"] == "python"
    assert set(hook["types_or"]) == {"jupyter", "text"}
    assert hook.get("pass_filenames", True) is True
