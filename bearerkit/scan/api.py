"""The ``scan()`` API: scan files and folders with one set of ``.env`` secrets."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bearerkit.errors import BearerkitError
from bearerkit.scan.config import compile_allow, env_secrets, load_config
from bearerkit.scan.detectors import Detector, mask
from bearerkit.scan.files import (
    MAX_FILE_BYTES,
    MAX_NOTEBOOK_BYTES,
    Spot,
    Where,
    iter_files,
    regular_file,
    scan_file,
)

__all__ = ["Finding", "Report", "scan", "scan_targets"]


@dataclass(frozen=True)
class Finding:
    """One possible secret: where it is and a masked preview, never the value itself.

    Attributes:
        path: the file, as reached from the scanned path.
        cell: 1-based notebook cell number, or ``None`` (plain file, notebook metadata).
        where: ``"source"``, ``"output"`` or ``"metadata"`` in a notebook; ``"file"`` otherwise.
        line: 1-based line in the file or cell source; ``None`` for outputs and metadata.
        kind: ``"jwt"``, ``"bearer"``, ``"tmdb_v3_key"``, ``"env_value"`` or the provider
            whose token shape matched (``"github"``, ``"openai"``, ``"aws"`` ...; see
            :data:`bearerkit.shapes.PROVIDER_TOKENS`).
        preview: the first 4 and last 2 characters (fewer for short values).
        env_name: for ``env_value``, the ``.env`` variable whose value this is.
    """

    path: Path
    cell: int | None
    where: Where
    line: int | None
    kind: str
    preview: str
    env_name: str | None = None

    def __str__(self) -> str:
        label = self.kind if self.env_name is None else f"{self.kind} {self.env_name}"
        if self.where == "file":
            place = str(self.path) if self.line is None else f"{self.path}:{self.line}"
            return f"{place}: {label} {self.preview}"
        parts = [] if self.cell is None else [f"cell {self.cell}"]
        parts.append(self.where)
        if self.line is not None:
            parts.append(f"line {self.line}")
        return f"{self.path}: {' '.join(parts)}: {label} {self.preview}"


@dataclass(frozen=True)
class Report:
    """What a scan found, and how many files it read (for the command line's summary)."""

    findings: list[Finding]
    files: int


def scan(
    path: str | os.PathLike[str],
    *,
    env_file: str | os.PathLike[str] | None = None,
    allow: Iterable[str | re.Pattern[str]] = (),
    max_file_bytes: int = MAX_FILE_BYTES,
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES,
) -> list[Finding]:
    """Scan a file or a directory (recursively) for tokens and keys; return the findings.

    Args:
        path: a file or a directory.
        env_file: the ``.env`` whose secret values to look for; default: the nearest
            ``.env`` above ``path`` and above the working directory.
        allow: regexes; a secret value matching any of them is not reported.
        max_file_bytes: plain files bigger than this are skipped (default 5 MiB).
        max_notebook_bytes: notebooks bigger than this are skipped (default 50 MiB).

    Returns:
        The findings, in file order; empty when nothing was found.

    Raises:
        BearerkitError: ``path`` or ``env_file`` does not exist or cannot be read, a
            regex is invalid, a limit is not positive, or the ``[tool.bearerkit.scan]``
            table in ``pyproject.toml`` is broken.

    >>> import bearerkit as bk
    >>> for finding in bk.scan("notebooks"):  # doctest: +SKIP
    ...     print(finding)
    notebooks/explore.ipynb: cell 3 output: jwt eyJh…Xk
    """
    report = scan_targets(
        [Path(path)],
        env_file=env_file,
        allow=allow,
        max_file_bytes=max_file_bytes,
        max_notebook_bytes=max_notebook_bytes,
    )
    return report.findings


def scan_targets(
    targets: list[Path],
    *,
    env_file: str | os.PathLike[str] | None = None,
    allow: Iterable[str | re.Pattern[str]] = (),
    max_file_bytes: int = MAX_FILE_BYTES,
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES,
) -> Report:
    """Scan several files/directories with one set of ``.env`` secrets; count files read.

    Same arguments as :func:`scan`, with a list of paths (as pre-commit passes them).
    """
    for name, limit in (
        ("max_file_bytes", max_file_bytes),
        ("max_notebook_bytes", max_notebook_bytes),
    ):
        if not isinstance(limit, int) or limit <= 0:
            raise BearerkitError(f"{name} must be a positive number of bytes, not {limit!r}")
    for target in targets:
        if not target.exists():
            raise BearerkitError(f"{target}: no such file or directory; check the path")
    extra_allow = compile_allow(allow, origin="allow")
    env_path = None if env_file is None else Path(os.path.abspath(env_file))
    if env_path is not None and not env_path.is_file():
        raise BearerkitError(f"env file {env_file} does not exist; pass an existing file")
    abs_targets = [Path(os.path.abspath(t)) for t in targets]
    secrets = env_secrets(abs_targets, env_path)
    never = {env_path.resolve()} if env_path is not None else set()

    findings: dict[Finding, None] = {}  # a dict keeps order and drops repeats
    seen: set[Path] = set()
    files = 0
    for target, abs_target in zip(targets, abs_targets, strict=True):
        config = load_config(abs_target)
        detector = Detector(secrets, config.allow + extra_allow)
        # Symlinks are followed only inside the scanned folder (for a file: its folder).
        root = (abs_target if abs_target.is_dir() else abs_target.parent).resolve()
        for shown, file in iter_files(target, abs_target, config):
            real = regular_file(file, root)
            # .env is where secrets belong: never reported, whatever a link calls it.
            if real is None or real in seen or ".env" in (file.name, real.name) or real in never:
                continue
            seen.add(real)
            spots = scan_file(
                real,
                detector,
                max_file_bytes=max_file_bytes,
                max_notebook_bytes=max_notebook_bytes,
            )
            if spots is None:
                continue
            files += 1
            findings.update(dict.fromkeys(_finding(shown, spot) for spot in spots))
    return Report(list(findings), files)


def _finding(path: Path, spot: Spot) -> Finding:
    """The public form of a hit: where it is and the masked secret, never the secret."""
    hit = spot.hit
    return Finding(path, spot.cell, spot.where, spot.line, hit.kind, mask(hit.secret), hit.env_name)
