"""Find bearer tokens and API keys before they are committed: ``python -m bearerkit scan``.

The commonest way a token leaks is a notebook saved with the token in a cell or
in an output, then pushed. The scanner reads notebooks as JSON (cell sources,
outputs, attachments, notebook and cell metadata including saved widget state)
and every other text file line by line.

What it catches:
    * ``jwt``: three base64url segments whose first segment decodes to a JSON
      header with ``"alg"`` or ``"typ"`` (TMDB's read access token is one).
    * ``bearer``: ``Bearer <value>`` where the value is at least 20 characters
      of the RFC 6750 token alphabet and not a placeholder.
    * ``tmdb_v3_key``: 32 hex characters right after a key-like name
      (``api_key=``, ``apikey:``, ``"key": "``, ``TMDB_API_KEY=`` ...).
    * ``env_value``: the literal value of any secret-looking variable
      (name containing TOKEN, KEY, SECRET, PASSWORD, CREDENTIAL, or the word
      PASS/AUTH/PWD) of at least 8 characters in your local ``.env``: the nearest
      one above the scanned path and above the working directory, or ``env_file``.

What it does not catch, on purpose:
    * bare 32/40-hex strings (git hashes, md5 sums, ids), UUIDs, numbers;
    * placeholders: values containing ``YOUR_``, ``<``, ``{``, ``$``, ``...``,
      ``PLACEHOLDER``, ``changeme``, ``paste-your``, or made of one repeated
      character (``Bearer <token>``, ``Bearer {token}``, ``Bearer xxxxxxxx``);
    * base64 image payloads (``image/png``, ``image/jpeg`` ...) in outputs;
    * the ``.env`` file itself (that is where secrets belong), binary files,
      files over :data:`MAX_FILE_BYTES` (notebooks: :data:`MAX_NOTEBOOK_BYTES`)
      and the folders in :data:`SKIP_DIRS`;
    * secrets that were encoded, split or obfuscated. A clean scan is not proof.

Allow-list for deliberate fake examples:
    * a comment ``bearerkit: allow-secret`` (or ``noqa: secret``) on the same
      line (in a notebook: the same line of the cell source);
    * in the nearest ``pyproject.toml`` above the scanned path::

          [tool.bearerkit.scan]
          allow = ["^eyJhbGciOiJub25l"]   # regexes searched in the secret value
          exclude = ["docs/fixtures/*"]   # globs relative to pyproject.toml; * crosses /

    * ``scan(..., allow=[regex, ...])`` / ``--allow REGEX``.

Command line (``python -m bearerkit scan [PATH ...]``, default: the repository
root): one line per finding on stdout, a one-line summary on stderr. Exit codes:
0 clean, 1 possible secrets found, 2 usage error (a path that does not exist, a
bad regex, a broken ``[tool.bearerkit.scan]`` table).

pre-commit: this repository ships a hook in ``.pre-commit-hooks.yaml``::

    - repo: <this repository>
      rev: <tag>
      hooks:
        - id: bearerkit-scan

Inside: :mod:`bearerkit.detectors` finds secrets in text, :mod:`bearerkit.scan_files`
picks the files and the notebook parts to read, :mod:`bearerkit.scan_config` reads
``.env`` and ``[tool.bearerkit.scan]``; this module ties them together.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bearerkit.detectors import Detector, mask
from bearerkit.errors import BearerkitError
from bearerkit.scan_config import compile_allow, env_secrets, load_config

# SKIP_DIRS is re-exported: the docstring above and existing callers refer to it here.
from bearerkit.scan_files import SKIP_DIRS as SKIP_DIRS
from bearerkit.scan_files import Spot, Where, iter_files, scan_file

__all__ = ["Finding", "configure_parser", "run", "scan"]

# Bigger plain files are data dumps, not code someone pasted a token into.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Notebooks grow with their images, whose payloads are skipped anyway.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """One possible secret: where it is and a masked preview, never the value itself.

    Attributes:
        path: the file, as reached from the scanned path.
        cell: 1-based notebook cell number, or ``None`` (plain file, notebook metadata).
        where: ``"source"``, ``"output"`` or ``"metadata"`` in a notebook; ``"file"`` otherwise.
        line: 1-based line in the file or cell source; ``None`` for outputs and metadata.
        kind: ``"jwt"``, ``"bearer"``, ``"tmdb_v3_key"`` or ``"env_value"``.
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


def scan(
    path: str | os.PathLike[str],
    *,
    env_file: str | os.PathLike[str] | None = None,
    allow: Iterable[str | re.Pattern[str]] = (),
) -> list[Finding]:
    """Scan a file or a directory (recursively) for tokens and keys; return the findings.

    Args:
        path: a file or a directory.
        env_file: the ``.env`` whose secret values to look for; default: the nearest
            ``.env`` above ``path`` and above the working directory.
        allow: regexes; a secret value matching any of them is not reported.

    Returns:
        The findings, in file order; empty when nothing was found.

    Raises:
        BearerkitError: ``path`` or ``env_file`` does not exist, a regex is invalid,
            or the ``[tool.bearerkit.scan]`` table in ``pyproject.toml`` is broken.

    >>> from bearerkit.scanner import scan
    >>> for finding in scan("notebooks"):  # doctest: +SKIP
    ...     print(finding)
    notebooks/explore.ipynb: cell 3 output: jwt eyJh…Xk
    """
    return _scan_targets([Path(path)], env_file=env_file, allow=allow).findings


@dataclass
class _Report:
    findings: list[Finding]
    files: int


def _scan_targets(
    targets: list[Path],
    *,
    env_file: str | os.PathLike[str] | None,
    allow: Iterable[str | re.Pattern[str]],
) -> _Report:
    """Scan several files/directories with one set of .env secrets; count files read."""
    for target in targets:
        if not target.exists():
            raise BearerkitError(f"{target}: no such file or directory; check the path")
    extra_allow = compile_allow(allow, origin="allow")
    env_path = None if env_file is None else Path(os.path.abspath(env_file))
    if env_path is not None and not env_path.is_file():
        raise BearerkitError(f"env file {env_file} does not exist; pass an existing file")
    abs_targets = [Path(os.path.abspath(t)) for t in targets]
    secrets = env_secrets(abs_targets, env_path)

    findings: dict[Finding, None] = {}  # a dict keeps order and drops repeats
    seen: set[Path] = set()
    files = 0
    for target, abs_target in zip(targets, abs_targets, strict=True):
        config = load_config(abs_target)
        detector = Detector(secrets, config.allow + extra_allow)
        for shown, real in iter_files(target, abs_target, config):
            if real in seen or real.name == ".env" or real == env_path:
                continue
            seen.add(real)
            # The limits are read here, at call time, so they can be lowered for a test.
            spots = scan_file(
                real,
                detector,
                max_file_bytes=MAX_FILE_BYTES,
                max_notebook_bytes=MAX_NOTEBOOK_BYTES,
            )
            if spots is None:
                continue
            files += 1
            findings.update(dict.fromkeys(_finding(shown, spot) for spot in spots))
    return _Report(list(findings), files)


def _finding(path: Path, spot: Spot) -> Finding:
    """The public form of a hit: where it is and the masked secret, never the secret."""
    hit = spot.hit
    return Finding(path, spot.cell, spot.where, spot.line, hit.kind, mask(hit.secret), hit.env_name)


def _default_root() -> Path:
    """The nearest folder above the working directory with .git or pyproject.toml."""
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            return Path(os.path.relpath(folder))
    return Path(".")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``scan`` arguments to an argparse parser (used by ``bearerkit.cli``).

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="bearerkit scan")
    >>> configure_parser(parser)
    >>> parser.parse_args(["notebooks", "--allow", "^eyJhbGciOiJub25l"]).allow
    ['^eyJhbGciOiJub25l']
    """
    if not parser.description:
        parser.description = "Look for bearer tokens and API keys in notebooks and files."
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to scan (default: the repository root)",
    )
    parser.add_argument(
        "--env-file",
        metavar="FILE",
        help="the .env whose secret values to look for (default: the nearest .env)",
    )
    parser.add_argument(
        "--allow",
        metavar="REGEX",
        action="append",
        default=[],
        help="ignore secrets matching this regex (repeatable)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print the findings only, no summary line"
    )


def run(args: argparse.Namespace) -> int:
    """Run a scan from parsed arguments; print findings; return the exit code (0, 1 or 2).

    Findings go to stdout, one per line; the summary and usage errors go to stderr.

    >>> args = argparse.Namespace(paths=["notebooks"], env_file=None, allow=[], quiet=True)
    >>> run(args)  # doctest: +SKIP
    0
    """
    targets = [Path(p) for p in (getattr(args, "paths", None) or [])] or [_default_root()]
    try:
        report = _scan_targets(
            targets,
            env_file=getattr(args, "env_file", None),
            allow=getattr(args, "allow", None) or (),
        )
    except BearerkitError as exc:
        print(f"bearerkit scan: {exc}", file=sys.stderr)
        return 2
    for finding in report.findings:
        print(finding)
    if not getattr(args, "quiet", False):
        print(_summary(report), file=sys.stderr)
    return 1 if report.findings else 0


def _summary(report: _Report) -> str:
    if not report.findings:
        return f"bearerkit scan: clean ({_plural(report.files, 'file')})"
    files = len({f.path for f in report.findings})
    return (
        f"bearerkit scan: {_plural(len(report.findings), 'possible secret')} in "
        f"{_plural(files, 'file')} (move real tokens to .env and clear notebook outputs; "
        f"mark deliberate fakes with a 'bearerkit: allow-secret' comment)"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
