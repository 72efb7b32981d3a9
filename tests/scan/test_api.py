"""The scan() API: findings, their printed form, errors, limits, and `bk.scan` itself."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_output

import bearerkit as bk
from bearerkit.errors import BearerkitError
from bearerkit.scan import Finding, scan
from tests.scan.fakes import ENV_SECRET, JWT, assert_no_leak, code_cell, mask, write, write_nb


def test_bk_scan_is_the_function() -> None:
    assert bk.scan is scan
    assert "scan" in bk.__all__


def test_bk_scan_stays_the_function_when_a_submodule_loads_first() -> None:
    # Importing bearerkit.scan.cli sets the attribute bearerkit.scan to the package
    # unless bearerkit binds the function afterwards; `python -m bearerkit scan` does so.
    code = (
        "import bearerkit.scan.cli, bearerkit.scan.files\n"
        "import bearerkit as bk\n"
        "print(callable(bk.scan), bk.scan.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "bearerkit.scan.api"]


def test_a_missing_path_is_a_clear_error(proj: Path) -> None:
    with pytest.raises(BearerkitError, match="no such file or directory"):
        scan(proj / "nope")


@pytest.mark.parametrize("limit", [0, -1, 1.5, "10"])
def test_limits_must_be_positive_byte_counts(proj: Path, limit: object) -> None:
    with pytest.raises(BearerkitError, match="max_file_bytes must be a positive"):
        scan(proj, max_file_bytes=limit)  # type: ignore[arg-type]


def test_finding_is_frozen_and_prints_one_masked_line(proj: Path) -> None:
    output = new_output("stream", name="stdout", text=f"{JWT}\n")
    nb = write_nb(proj / "x.ipynb", [code_cell(), code_cell(), code_cell("t", [output])])
    [finding] = scan(nb)
    assert isinstance(finding, Finding)
    assert str(finding) == f"{nb}: cell 3 output: jwt {mask(JWT)}"
    assert_no_leak(str(finding), repr(finding))
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "other"  # type: ignore[misc]


def test_plain_file_findings_print_like_compiler_errors(proj: Path) -> None:
    write(proj / ".env", f"MY_API_SECRET={ENV_SECRET}\n")
    path = write(proj / "app.py", f"x = 1\ns = '{ENV_SECRET}'\n")
    [finding] = scan(path)
    assert str(finding) == f"{path}:2: env_value MY_API_SECRET {mask(ENV_SECRET)}"
    assert_no_leak(str(finding), repr(finding))


def test_short_secrets_show_even_less(proj: Path) -> None:
    write(proj / ".env", "DB_PASSWORD=hunter42x\n")
    [finding] = scan(write(proj / "app.py", "connect(password='hunter42x')\n"))
    assert finding.preview == "hu…"


def test_findings_come_in_file_order_without_repeats(proj: Path) -> None:
    write(proj / "b.md", f"{JWT}\n")
    write(proj / "a.md", f"{JWT}\n{JWT}\n")
    found = [(f.path.name, f.line) for f in scan(proj)]
    assert found == [("a.md", 1), ("a.md", 2), ("b.md", 1)]
