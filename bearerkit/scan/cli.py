"""The command-line half of the scanner: ``python -m bearerkit scan [PATH ...]``.

Findings go to stdout, one per line; a one-line summary and usage errors go to
stderr. Exit codes: 0 clean, 1 possible secrets found, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bearerkit.errors import BearerkitError
from bearerkit.scan.api import Report, scan_targets

__all__ = ["configure_parser", "run"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``scan`` arguments to an argparse parser (used by :mod:`bearerkit.cli`).

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

    >>> args = argparse.Namespace(paths=["notebooks"], env_file=None, allow=[], quiet=True)
    >>> run(args)  # doctest: +SKIP
    0
    """
    targets = [Path(p) for p in (getattr(args, "paths", None) or [])] or [_default_root()]
    try:
        report = scan_targets(
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


def _default_root() -> Path:
    """The nearest folder above the working directory with .git or pyproject.toml."""
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            return Path(os.path.relpath(folder))
    return Path(".")


def _summary(report: Report) -> str:
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
