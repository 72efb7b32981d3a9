"""Which files a scan reads, and the texts inside them: lines of plain files, notebook parts.

A notebook is read as JSON: each cell's source and attachments (``"source"``),
its outputs (``"output"``) and metadata (``"metadata"``), plus the notebook's own
metadata, which holds saved widget state. Everything else is read as text; binary
and undecodable files are skipped, and so are the folders in :data:`SKIP_DIRS`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bearerkit.detectors import Detector, Hit
from bearerkit.scan_config import ScanConfig

__all__ = ["SKIP_DIRS", "Spot", "Where", "iter_files", "read_text", "scan_file"]

Where = Literal["source", "output", "metadata", "file"]

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        "build",
        "dist",
    }
)


@dataclass(frozen=True)
class Spot:
    """A hit and where in its file it is: notebook cell, part and source line."""

    cell: int | None
    where: Where
    line: int | None
    hit: Hit


def iter_files(shown: Path, real: Path, config: ScanConfig) -> Iterator[tuple[Path, Path]]:
    """Yield (path as shown, absolute path) for every file under a target, in sorted order."""
    if not real.is_dir():
        if not config.excludes(real):
            yield shown, real
        return
    for dirpath, dirnames, filenames in os.walk(real):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and not config.excludes(here / d)
        )
        for name in sorted(filenames):
            file = here / name
            if not config.excludes(file):
                yield shown / file.relative_to(real), file


def scan_file(
    path: Path, detector: Detector, *, max_file_bytes: int, max_notebook_bytes: int
) -> list[Spot] | None:
    """Scan one file; ``None`` when it was skipped (binary, too big, unreadable)."""
    notebook = path.suffix == ".ipynb"
    text = read_text(path, max_notebook_bytes if notebook else max_file_bytes)
    if text is None:
        return None
    if notebook:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("cells"), list):
            return list(_scan_notebook(data, detector))
    # Not a notebook, or a broken/old-format one: its raw text can still leak.
    return [Spot(None, "file", line, hit) for line, hit in detector.text(text)]


def read_text(path: Path, limit: int) -> str | None:
    """The file's text; ``None`` if it is over ``limit`` bytes, binary or not UTF-8."""
    try:
        if path.stat().st_size > limit:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    if b"\0" in raw:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _scan_notebook(nb: dict[str, Any], detector: Detector) -> Iterator[Spot]:
    yield from _tree(detector, nb.get("metadata"), None, "metadata")
    for number, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            for line, hit in detector.text(source):
                yield Spot(number, "source", line, hit)
        # Attachments are pasted into the cell by its author, so they count as source.
        yield from _tree(detector, cell.get("attachments"), number, "source")
        yield from _tree(detector, cell.get("metadata"), number, "metadata")
        yield from _tree(detector, cell.get("outputs"), number, "output")


def _tree(detector: Detector, obj: Any, cell: int | None, where: Where) -> Iterator[Spot]:
    # Outputs and metadata are JSON values whose line numbers mean nothing to a reader.
    for hit in detector.tree(obj):
        yield Spot(cell, where, None, hit)
