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
"""

from __future__ import annotations

import argparse
import base64
import binascii
import bisect
import fnmatch
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values

from bearerkit.errors import BearerkitError

__all__ = ["Finding", "configure_parser", "run", "scan"]

Where = Literal["source", "output", "metadata", "file"]

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
ALLOW_MARKERS = ("bearerkit: allow-secret", "noqa: secret")
IMAGE_MIMES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"}
)
PLACEHOLDER_MARKERS = (
    "your_",
    "your-",
    "<",
    ">",
    "{",
    "}",
    "$",
    "...",
    "…",
    "placeholder",
    "changeme",
    "change-me",
    "paste-your",
    "paste_your",
)

# Each pattern starts with a literal so the regex engine can skip ahead quickly;
# what a lookbehind would check (the character before) is checked in Python.
_JWT = re.compile(r"(eyJ[A-Za-z0-9_-]{10,})\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
_BEARER = re.compile(r"(?i)bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)")
_V3_KEY = re.compile(
    r"(?i)key[\"']?[ \t]*[:=,][ \t]*(?:[rbfu]?[\"'][ \t]*)?([0-9a-f]{32})(?![0-9a-z])"
)
_V3_KEY_NAME = re.compile(r"(?i)^(?:\w*api[_-]?key|(?:tmdb[_-]?)?key)$")
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")
_SECRET_NAME = re.compile(
    r"(?i)TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|(?:^|_)(?:PASS|AUTH|PWD)(?:_|$)"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NEWLINE = re.compile(r"\n")
_MIN_BEARER = 20
_MIN_ENV_VALUE = 8
# Priority when two detectors see the same text: the .env match is the surest.
_PRIORITY = {"env_value": 0, "jwt": 1, "tmdb_v3_key": 2, "bearer": 3}


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

    >>> from bearerkit.scan import scan
    >>> for finding in scan("notebooks"):  # doctest: +SKIP
    ...     print(finding)
    notebooks/explore.ipynb: cell 3 output: jwt eyJh…Xk
    """
    return _scan_targets([Path(path)], env_file=env_file, allow=allow).findings


@dataclass
class _Report:
    findings: list[Finding]
    files: int


@dataclass(frozen=True)
class _Hit:
    kind: str
    secret: str
    start: int
    end: int
    env_name: str | None = None


@dataclass(frozen=True)
class _Config:
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
    extra_allow = _compile_allow(allow, origin="allow")
    env_path = None if env_file is None else Path(os.path.abspath(env_file))
    if env_path is not None and not env_path.is_file():
        raise BearerkitError(f"env file {env_file} does not exist; pass an existing file")
    abs_targets = [Path(os.path.abspath(t)) for t in targets]
    env_secrets = _env_secrets(abs_targets, env_path)

    findings: dict[Finding, None] = {}  # a dict keeps order and drops repeats
    seen: set[Path] = set()
    files = 0
    for target, abs_target in zip(targets, abs_targets, strict=True):
        config = _load_config(abs_target)
        detector = _Detector(env_secrets, config.allow + extra_allow)
        for shown, real in _iter_files(target, abs_target, config):
            if real in seen or real.name == ".env" or real == env_path:
                continue
            seen.add(real)
            file_findings = _scan_file(shown, real, detector)
            if file_findings is not None:
                files += 1
                findings.update(dict.fromkeys(file_findings))
    return _Report(list(findings), files)


def _iter_files(shown: Path, real: Path, config: _Config) -> Iterator[tuple[Path, Path]]:
    """Yield (path as shown, absolute path) for every file under a target."""
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


def _scan_file(shown: Path, real: Path, detector: _Detector) -> list[Finding] | None:
    """Scan one file; ``None`` when it was skipped (binary, too big, unreadable)."""
    notebook = real.suffix == ".ipynb"
    text = _read_text(real, MAX_NOTEBOOK_BYTES if notebook else MAX_FILE_BYTES)
    if text is None:
        return None
    if notebook:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("cells"), list):
            return list(_scan_notebook(shown, data, detector))
    # Not a notebook, or a broken/old-format one: its raw text can still leak.
    return list(detector.text(text, path=shown, cell=None, where="file", numbered=True))


def _read_text(path: Path, limit: int) -> str | None:
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


def _scan_notebook(path: Path, nb: dict[str, Any], detector: _Detector) -> Iterator[Finding]:
    yield from detector.tree(nb.get("metadata"), path=path, cell=None, where="metadata")
    for number, cell in enumerate(nb["cells"], 1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            yield from detector.text(source, path=path, cell=number, where="source", numbered=True)
        # Attachments are pasted into the cell by its author, so they count as source.
        yield from detector.tree(cell.get("attachments"), path=path, cell=number, where="source")
        yield from detector.tree(cell.get("metadata"), path=path, cell=number, where="metadata")
        yield from detector.tree(cell.get("outputs"), path=path, cell=number, where="output")


class _Detector:
    """Runs every detector over text, applying placeholders and the allow-list."""

    def __init__(self, env_secrets: dict[str, str], allow: tuple[re.Pattern[str], ...]) -> None:
        self._env_secrets = env_secrets
        self._allow = allow
        self._env_re = (
            re.compile("|".join(re.escape(v) for v in sorted(env_secrets, key=len, reverse=True)))
            if env_secrets
            else None
        )

    def text(
        self, text: str, *, path: Path, cell: int | None, where: Where, numbered: bool
    ) -> Iterator[Finding]:
        """Findings in a block of text; an allow marker covers its own line."""
        if "\x1b" in text:
            text = _ANSI.sub("", text)  # colour codes would glue onto a token's edges
        # One pass of each regex over the whole block: far faster than line by line.
        hits = self._hits(text)
        if not hits:
            return
        line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        for hit in hits:
            index = bisect.bisect_right(line_starts, hit.start) - 1
            end = text.find("\n", hit.start)
            line = text[line_starts[index] : len(text) if end < 0 else end]
            if not any(marker in line for marker in ALLOW_MARKERS):
                yield self._finding(hit, path, cell, where, index + 1 if numbered else None)

    def tree(self, obj: Any, *, path: Path, cell: int | None, where: Where) -> Iterator[Finding]:
        """Findings in every string of a JSON value (outputs, metadata, widget state)."""
        for key, value in _strings(obj):
            if key is not None and _V3_KEY_NAME.match(key) and _HEX32.fullmatch(value.strip()):
                secret = value.strip()
                if self._reportable(secret):
                    yield self._finding(_Hit("tmdb_v3_key", secret, 0, 0), path, cell, where, None)
                continue
            yield from self.text(value, path=path, cell=cell, where=where, numbered=False)

    def _finding(
        self, hit: _Hit, path: Path, cell: int | None, where: Where, line: int | None
    ) -> Finding:
        return Finding(path, cell, where, line, hit.kind, _mask(hit.secret), hit.env_name)

    def _hits(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        if self._env_re is not None:
            for m in self._env_re.finditer(text):
                name = self._env_secrets[m.group()]
                hits.append(_Hit("env_value", m.group(), m.start(), m.end(), name))
        for m in _JWT.finditer(text):
            if (
                not _glued(text, m.start(), "-")
                and _is_jwt_header(m.group(1))
                and not _truncated(text, m.end())
            ):
                hits.append(_Hit("jwt", m.group(), m.start(), m.end()))
        for m in _V3_KEY.finditer(text):
            if _is_key_name(text, m.start()):
                hits.append(_Hit("tmdb_v3_key", m.group(1), m.start(1), m.end(1)))
        for m in _BEARER.finditer(text):
            if _glued(text, m.start(), ""):
                continue  # "Xbearer": part of another word
            raw = m.group(1)
            value = raw.rstrip(".")  # a sentence's full stop is not part of the token
            if "..." in raw or text[m.end(1) : m.end(1) + 1] in ("{", "$", "…"):
                continue  # "Bearer abc...", "Bearer sk_{token}": an example, not a token
            if _is_token_like(value):
                hits.append(_Hit("bearer", value, m.start(1), m.start(1) + len(value)))
        chosen: list[_Hit] = []
        for hit in sorted(hits, key=lambda h: (_PRIORITY[h.kind], h.start)):
            overlaps = any(hit.start < c.end and c.start < hit.end for c in chosen)
            if not overlaps and self._reportable(hit.secret):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)

    def _reportable(self, secret: str) -> bool:
        return not _is_placeholder(secret) and not any(p.search(secret) for p in self._allow)


def _strings(obj: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    """Yield (nearest dict key, text) for every string in a JSON value, skipping images."""
    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k not in IMAGE_MIMES:
                yield from _strings(v, str(k))
    elif isinstance(obj, list):
        if obj and all(isinstance(x, str) for x in obj):
            # nbformat stores multi-line text as a list of lines; tracebacks as a list
            # of frames without newlines, which must not run together.
            yield key, "".join(x if x.endswith("\n") else x + "\n" for x in obj)
        else:
            for item in obj:
                yield from _strings(item, key)


def _is_jwt_header(segment: str) -> bool:
    """Whether a base64url segment decodes to a JSON header with "alg" or "typ"."""
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


def _glued(text: str, start: int, extra: str) -> bool:
    """Whether the match at ``start`` continues a word (letters, digits, _ or ``extra``)."""
    if start == 0:
        return False
    before = text[start - 1]
    return before.isalnum() or before == "_" or before in extra


def _is_key_name(text: str, start: int) -> bool:
    """Whether the "key" at ``start`` ends a key-like name: api_key, apikey, tmdb_key, key."""
    before = text[max(0, start - 5) : start].lower()
    if before.endswith(("api", "api_", "api-")):
        return True
    for prefix in ("tmdb_", "tmdb-", "tmdb", ""):
        if before.endswith(prefix) and not _glued(text, start - len(prefix), "-"):
            return True
    return False


def _truncated(text: str, end: int) -> bool:
    """Whether a match is cut short with an ellipsis, as in documentation examples."""
    return text.startswith(("...", "…"), end)


def _is_token_like(value: str) -> bool:
    """Whether a Bearer value looks random rather than like a word or a variable name."""
    if len(value) < _MIN_BEARER:
        return False
    # "authorization_header_value", "TMDB_READ_ACCESS_TOKEN": names, not tokens.
    wordy = not any(c.isdigit() for c in value) and (value.islower() or value.isupper())
    return not wordy


def _is_placeholder(value: str) -> bool:
    lowered = value.lower()
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS):
        return True
    return len(set(lowered) - set("-_. ")) <= 1


def _mask(secret: str) -> str:
    """First 4 and last 2 characters; fewer when that would give away a short value."""
    if len(secret) >= 16:
        return f"{secret[:4]}…{secret[-2:]}"
    if len(secret) >= _MIN_ENV_VALUE:
        return f"{secret[:2]}…"
    return "…"


def _find_upwards(start: Path, name: str) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _env_secrets(targets: list[Path], env_file: Path | None) -> dict[str, str]:
    """Map each secret-looking .env value to its variable name."""
    if env_file is not None:
        files = [env_file]
    else:
        starts = [t if t.is_dir() else t.parent for t in targets] + [Path.cwd()]
        found = (_find_upwards(start, ".env") for start in starts)
        files = list(dict.fromkeys(f for f in found if f is not None))
    secrets: dict[str, str] = {}
    for file in files:
        for name, value in dotenv_values(file).items():
            if (
                value
                and len(value) >= _MIN_ENV_VALUE
                and _SECRET_NAME.search(name)
                and not _is_placeholder(value)
            ):
                secrets.setdefault(value, name)
    return secrets


def _compile_allow(
    patterns: Iterable[str | re.Pattern[str]], *, origin: str
) -> tuple[re.Pattern[str], ...]:
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


def _load_config(target: Path) -> _Config:
    """Read ``[tool.bearerkit.scan]`` from the nearest pyproject.toml above ``target``."""
    pyproject = _find_upwards(target if target.is_dir() else target.parent, "pyproject.toml")
    if pyproject is None:
        return _Config()
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BearerkitError(f"{pyproject}: cannot be read ({exc})") from None
    if "bearerkit" not in text:  # spares a TOML parser on Python 3.10 without tomli
        return _Config(root=pyproject.parent)
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
    return _Config(
        root=pyproject.parent,
        allow=_compile_allow(table.get("allow", []), origin=f"{where} allow"),
        exclude=tuple(table.get("exclude", [])),
    )


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
