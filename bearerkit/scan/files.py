"""Which files a scan reads, and the texts inside them: plain files, notebook parts.

A notebook is read as JSON: each cell's source and attachments (``"source"``),
its outputs (``"output"``) and metadata (``"metadata"``), plus the notebook's own
metadata, which holds saved widget state. Everything else (``.py``, ``.md``, YAML
and JSON cassettes, ``.env.example`` ...) is read as text, whatever its extension.

Only regular files are opened: a FIFO, a device or a socket in the tree is skipped
(opening a FIFO would wait forever for a writer), and so is a symlink that leads
out of the scanned folder (a committed link to ``/dev/zero`` or ``~/.ssh``). Reads
are capped at the size limit, so no file can exhaust memory. Binary and
undecodable files are skipped, and so are the folders in :data:`SKIP_DIRS`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bearerkit.scan.config import ScanConfig
from bearerkit.scan.detectors import Detector, Hit

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_NOTEBOOK_BYTES",
    "SKIP_DIRS",
    "YAML_SUFFIXES",
    "Spot",
    "Where",
    "iter_files",
    "read_text",
    "scan_file",
]

Where = Literal["source", "output", "metadata", "file"]

# YAML files (cassettes) are also read as YAML when their lines may hide a string.
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_ESCAPED_BREAK = re.compile(r"\\\r?\n")

# Bigger plain files are data dumps, not code someone pasted a token into.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Notebooks grow with their images, whose payloads are skipped anyway.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024

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
    """Yield (path as shown, absolute path) for every file under a target, in sorted order.

    Symlinked folders are not walked into (``os.walk`` default); files are yielded
    whatever they are, and :func:`regular_file` decides which may be read.
    """
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


def regular_file(path: Path, root: Path) -> Path | None:
    """The resolved path of ``path`` if it is a regular file inside ``root``; else ``None``.

    ``root`` is resolved. A symlink is followed only while it stays inside ``root``;
    FIFOs, devices, sockets, broken or looping links give ``None``.
    """
    try:
        resolved = path.resolve(strict=True)
        mode = resolved.stat().st_mode
    except (OSError, RuntimeError):  # missing, a broken link, a link loop
        return None
    if not resolved.is_relative_to(root) or not stat.S_ISREG(mode):
        return None
    return resolved


def scan_file(
    path: Path, detector: Detector, *, max_file_bytes: int, max_notebook_bytes: int
) -> list[Spot] | None:
    """Scan one regular file; ``None`` when it was skipped (binary, too big, unreadable)."""
    notebook = path.suffix == ".ipynb"
    text = read_text(path, max_notebook_bytes if notebook else max_file_bytes)
    if text is None:
        return None
    if notebook:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("cells"), list):
            try:
                return list(_scan_notebook(data, detector))
            except RecursionError:
                pass  # absurdly deep JSON: the text scan below still sees every string
    # Not a notebook, or a broken/old-format one: its raw text can still leak.
    spots = [Spot(None, "file", line, hit) for line, hit in detector.text(text)]
    if path.suffix.lower() in YAML_SUFFIXES and _hides_strings(text):
        seen = {spot.hit.secret for spot in spots}
        spots += [spot for spot in _yaml_spots(text, detector) if spot.hit.secret not in seen]
    return spots


def _hides_strings(text: str) -> bool:
    """Whether YAML may hold a string its lines do not show whole: a ``!!binary`` body
    (vcrpy writes every non-UTF-8 body so) or a double-quoted scalar continued with an
    escaped line break (a ``\\`` at the end of a line, which YAML loads as nothing)."""
    return "!!binary" in text or _ESCAPED_BREAK.search(text) is not None


def _yaml_spots(text: str, detector: Detector) -> Iterator[Spot]:
    """Hits in the strings YAML loads (``!!binary`` decoded), at their first line.

    Composed, not constructed: no tag is ever acted on, and an alias is read once.
    """
    import yaml  # late: only YAML files that hide strings need it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return  # not YAML after all: the text scan above is all there is
    stack: list[Any] = [root] if root is not None else []
    visited: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            value = _scalar_text(node)
            if value:
                for _, hit in detector.text(value):
                    yield Spot(None, "file", node.start_mark.line + 1, hit)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _scalar_text(node: Any) -> str:
    if node.tag != "tag:yaml.org,2002:binary":
        return str(node.value)
    try:
        data = base64.b64decode("".join(str(node.value).split()), validate=True)
    except (binascii.Error, ValueError):
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Tokens are ASCII: every other byte becomes a space, so none glues onto one.
        return bytes(b if 32 <= b < 127 or b in (9, 10, 13) else 32 for b in data).decode("ascii")


def read_text(path: Path, limit: int) -> str | None:
    """The file's text; ``None`` if it is not a regular file, over ``limit`` bytes, binary
    or not UTF-8.
    """
    # O_NONBLOCK: should a FIFO appear here after all, opening it must not wait for a
    # writer; O_NOFOLLOW: the path was resolved, so a link now means it was swapped.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    with open(fd, "rb") as file:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            raw = file.read(limit + 1)  # capped: a file that grows cannot exhaust memory
        except OSError:
            return None
    if len(raw) > limit or b"\0" in raw:
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
