"""What the sources say about the repository: they cite only files that ship in it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("bearerkit", "tests", "bench", "notebooks", ".ci")
SUFFIXES = {".py", ".ipynb", ".cfg", ".toml", ".yaml", ".yml", ".txt", ".md", ""}
# A document named in a docstring or comment (README.md, APIS.md ...), and paths that
# lead out of the repository (the machine it was written on).
CITED_DOC = re.compile(r"\b[A-Z][A-Z0-9_-]*\.md\b")
OUTSIDE = re.compile(r"/work/shared|\.\./shared")


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
            if not (REPO / match.group()).exists() and not (path.parent / match.group()).exists():
                problems.append(f"{path.relative_to(REPO)} cites {match.group()}")
        problems += [
            f"{path.relative_to(REPO)} points outside: {m.group()}" for m in OUTSIDE.finditer(text)
        ]
    assert problems == []


def test_the_license_ships_and_matches_the_declared_one() -> None:
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert "Copyright (c) 2026 bearerkit contributors" in license_text
    assert re.search(r'^license = "MIT"$', (REPO / "pyproject.toml").read_text(), re.M)
