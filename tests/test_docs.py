"""What the sources say about the repository: they cite only files that ship in it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("bearerkit", "tests", "bench", "notebooks", ".ci")
SUFFIXES = {".py", ".ipynb", ".cfg", ".toml", ".yaml", ".yml", ".txt", ".md", ""}
# A document named in a docstring or comment (README.md ...), and paths that lead out of
# the repository (to the machine it was written on); built in pieces so as not to match here.
CITED_DOC = re.compile(r"\b[A-Z][A-Z0-9_-]*\.md\b")
OUTSIDE = re.compile("|".join(("/work" + "/shared", "/work" + "/helpers", r"\.\." + "/shared")))


def source_files() -> list[Path]:
    files = [REPO / "README.md", REPO / "pyproject.toml"]
    for top in SOURCES:
        for path in (REPO / top).rglob("*"):
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                files.append(path)
    return files


def test_the_sources_cite_only_documents_that_ship() -> None:
    problems = []
    for path in source_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in CITED_DOC.finditer(text):
            name = match.group()
            if not (REPO / name).is_file() and not (path.parent / name).is_file():
                problems.append(f"{path.relative_to(REPO)} cites {name}")
        problems += [
            f"{path.relative_to(REPO)} points outside: {m.group()}" for m in OUTSIDE.finditer(text)
        ]
    assert problems == []


def test_the_license_ships_and_matches_the_declared_one() -> None:
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert "Copyright (c) 2026 bearerkit contributors" in license_text
    assert re.search(r'^license = "MIT"$', (REPO / "pyproject.toml").read_text(), re.M)


def readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_sandbox_section_lists_every_public_attribute_of_the_handle() -> None:
    import bearerkit as bk

    section = readme_section("The sandbox")
    with bk.sandbox.start() as sb:
        public = sorted(name for name in dir(sb) if not name.startswith("_"))
    missing = [name for name in public if not re.search(rf"`sb\.{name}\b", section)]
    assert missing == [], "add a row to the README's table of the sandbox handle"
    assert {"token_url", "client_id", "client_secret"} <= set(public)


def test_the_install_section_covers_wheels_git_and_every_extra() -> None:
    from bearerkit.scan.config import _toml_loads  # tomllib, or tomli on Python 3.10

    section = readme_section("Quickstart")
    assert 'pip install "dist/bearerkit-0.1.0-py3-none-any.whl[notebook]"' in section
    assert "pip install dist/bearerkit-0.1.0-py3-none-any.whl\n" in section
    assert 'pip install "bearerkit @ git+https://' in section
    assert 'pip install "bearerkit[notebook] @ git+https://' in section
    project = _toml_loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for extra in project["optional-dependencies"]:
        assert re.search(rf"^\| [^|]*`{extra}`", section, re.M), f"extra {extra!r} not in the table"
    core_row = next(line for line in section.splitlines() if line.startswith("| (none) |"))
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=;\s\[]", requirement, maxsplit=1)[0]
        if "python_version" not in requirement:
            assert name in core_row, f"core dependency {name} not in the README's table"


def test_the_quickstart_shows_the_sandbox_notice_where_a_terminal_shows_it() -> None:
    # stderr is unbuffered: in a terminal the notice comes first, before the table.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "BEARERKIT_"))}
    env["BEARERKIT_ENV_FILE"] = str(REPO / "no-such.env")
    both = subprocess.run(
        [sys.executable, "-m", "bearerkit", "genres"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    shown = readme_section("Quickstart").split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert both[0].startswith("bearerkit: no TMDB_TOKEN found, using the embedded TMDB sandbox")
    assert shown[0].startswith("bearerkit: no TMDB_TOKEN found, using the embedded TMDB sandbox")
    assert [line.split() for line in both[1:]] == [line.split() for line in shown[1:]]
