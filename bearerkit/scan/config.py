"""What a scan looks for and what it ignores: ``.env`` secrets and ``[tool.bearerkit.scan]``.

Read-only: the ``.env`` files are parsed with ``dotenv_values()`` (never loaded
into the environment) and ``pyproject.toml`` with ``tomllib``. Every broken
setting ends in one :class:`~bearerkit.errors.BearerkitError` that says what to fix.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bearerkit.errors import BearerkitError
from bearerkit.scan.detectors import is_env_secret
from bearerkit.token import find_env_file

__all__ = ["ScanConfig", "compile_allow", "env_secrets", "load_config"]


@dataclass(frozen=True)
class ScanConfig:
    """The ``[tool.bearerkit.scan]`` table of one ``pyproject.toml`` (empty when absent)."""

    root: Path | None = None
    allow: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[str, ...] = ()

    def excludes(self, path: Path) -> bool:
        """Whether ``path`` (absolute) or one of its folders matches an exclude glob."""
        if self.root is None or not self.exclude:
            return False
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return False
        candidates = [rel.as_posix()] + [p.as_posix() for p in rel.parents if p.parts]
        for pattern in self.exclude:
            pattern = pattern.strip("/")
            variants = {pattern, pattern.removeprefix("**/")}
            if any(fnmatch.fnmatchcase(c, v) for c in candidates for v in variants):
                return True
        return False


def env_secrets(targets: list[Path], env_file: Path | None) -> dict[str, str]:
    """Map each secret-looking .env value to its variable name.

    Args:
        targets: the scanned paths, absolute.
        env_file: the one ``.env`` to read; default: the nearest ``.env`` above
            each target and above the working directory (found as
            :func:`bearerkit.token.find_env_file` finds the token's).
    """
    if env_file is not None:
        files = [env_file]
    else:
        starts = [t if t.is_dir() else t.parent for t in targets]
        found = [*(find_env_file(start) for start in starts), find_env_file()]
        files = list(dict.fromkeys(f for f in found if f is not None))
    secrets: dict[str, str] = {}
    for file in files:
        for name, value in _read_env(file).items():
            if value is not None and is_env_secret(name, value):
                secrets.setdefault(value, name)
    return secrets


def _read_env(file: Path) -> dict[str, str | None]:
    """The variables of one .env file; a broken file is a usage error, not a traceback."""
    try:
        return dotenv_values(file, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BearerkitError(
            f"{file}: cannot be read as a UTF-8 .env file ({type(exc).__name__}); "
            "save it as UTF-8 or pass another one with --env-file"
        ) from None


def compile_allow(
    patterns: Iterable[str | re.Pattern[str]], *, origin: str
) -> tuple[re.Pattern[str], ...]:
    """Compile allow-list regexes; ``origin`` names where they came from in the error.

    Raises:
        BearerkitError: a pattern is not a valid regular expression.
    """
    compiled = []
    for pattern in patterns:
        if isinstance(pattern, re.Pattern):
            compiled.append(pattern)
            continue
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise BearerkitError(
                f"{origin}: {pattern!r} is not a valid regular expression ({exc}); fix it"
            ) from None
    return tuple(compiled)


def load_config(target: Path) -> ScanConfig:
    """Read ``[tool.bearerkit.scan]`` from the nearest pyproject.toml above ``target``.

    Raises:
        BearerkitError: the file cannot be read, is not TOML, or the table is broken.
    """
    pyproject = _find_pyproject(target if target.is_dir() else target.parent)
    if pyproject is None:
        return ScanConfig()
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BearerkitError(f"{pyproject}: cannot be read ({exc})") from None
    if "bearerkit" not in text:  # spares a TOML parser on Python 3.10 without tomli
        return ScanConfig(root=pyproject.parent)
    try:
        data = _toml_loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise BearerkitError(f"{pyproject}: not valid TOML ({exc}); fix the file") from None
    table = data.get("tool", {}).get("bearerkit", {}).get("scan", {})
    where = f"{pyproject} [tool.bearerkit.scan]"
    unknown = sorted(set(table) - {"allow", "exclude"})
    if unknown:
        raise BearerkitError(f"{where}: unknown setting(s) {unknown}; use 'allow' and 'exclude'")
    for setting in ("allow", "exclude"):
        value = table.get(setting, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BearerkitError(f"{where}: {setting!r} must be a list of strings")
    return ScanConfig(
        root=pyproject.parent,
        allow=compile_allow(table.get("allow", []), origin=f"{where} allow"),
        exclude=tuple(table.get("exclude", [])),
    )


def _find_pyproject(start: Path) -> Path | None:
    """The pyproject.toml in ``start`` or the nearest folder above it."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder / "pyproject.toml"
    return None


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise BearerkitError(
                "reading [tool.bearerkit.scan] on Python 3.10 needs tomli: pip install tomli"
            ) from None
    return tomllib.loads(text)
