"""The command line: ``bearerkit {genres,discover,sandbox,scan}`` (or ``python -m bearerkit``).

Errors end in one line on stderr and a non-zero exit code, never a traceback:
1 for a bearerkit error (bad token, network, API error), 2 for usage errors
(bad option values, an ``--output`` that cannot be written), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._version import __version__
from .errors import BearerkitError
from .tmdb_kinds import (
    DEFAULT_LANGUAGE,
    FIRST_YEAR,
    KIND_CHOICES,
    KINDS,
    LAST_YEAR,
    check_language,
)

if TYPE_CHECKING:
    import pandas as pd

    from .tmdb import TMDB

__all__ = ["main"]

FORMATS = ("table", "csv", "json", "markdown")
LANG_HELP = f"language for genre names, e.g. en, de, fr-FR (default: {DEFAULT_LANGUAGE})"
DISCOVER_COLUMNS = ("id", KINDS["movie"].title, KINDS["movie"].date, "vote_average", "genres")
# bearerkit.tmdb.BACKENDS, spelled out so that `bearerkit scan` (a pre-commit hook) never
# imports the TMDB layer, the client and pandas (tests/test_cli.py checks they agree).
BACKENDS = ("auto", "sandbox", "tmdb")


class UsageError(Exception):
    """A bad option value found after parsing (an unwritable ``--output``...): exit 2."""


def program_name(argv0: str | None = None) -> str:
    """How the user ran the command line, for usage and help: ``bearerkit`` or ``python -m bearerkit``.

    >>> program_name("/home/me/.venv/lib/python3.12/site-packages/bearerkit/__main__.py")
    'python -m bearerkit'
    >>> program_name("/home/me/.venv/bin/bearerkit")
    'bearerkit'
    """
    name = Path(sys.argv[0] if argv0 is None else argv0).name
    return "python -m bearerkit" if name == "__main__.py" else "bearerkit"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The argument parser for every subcommand (``prog``: default :func:`program_name`)."""
    parser = argparse.ArgumentParser(
        prog=prog or program_name(),
        description="Call TMDB (or the embedded offline sandbox) and print DataFrames. "
        "Put TMDB_TOKEN=<API Read Access Token> in .env for the real API; without it "
        "the embedded sandbox answers.",
    )
    parser.add_argument("--version", action="version", version=f"bearerkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    genres = sub.add_parser(
        "genres",
        help="print TMDB's movie and TV genres side by side",
        description="Print TMDB's genre table: one row per genre id, a name column per "
        "language, and movie/tv flags.",
    )
    genres.add_argument(
        "--kind",
        choices=KIND_CHOICES,
        default="both",
        help="which genre lists (default: both)",
    )
    genres.add_argument(
        "--language",
        action="append",
        type=_language,
        metavar="LANG",
        help=LANG_HELP + "; repeat for several name columns",
    )
    _add_output_options(genres)
    _add_connection_options(genres)
    genres.set_defaults(run=_run_genres)

    discover = sub.add_parser(
        "discover",
        help="print pages of TMDB's discover results",
        description="Fetch pages of /discover/movie or /discover/tv with genre names resolved.",
    )
    discover.add_argument(
        "--kind", choices=tuple(KINDS), default="movie", help="movie or tv (default: movie)"
    )
    discover.add_argument(
        "--pages", type=_positive_int, default=1, help="pages of 20 results (max 500, default 1)"
    )
    discover.add_argument(
        "--with-genres", metavar="GENRES", help="genre names or ids; ',' = all of, '|' = any of"
    )
    discover.add_argument(
        "--sort-by", metavar="ORDER", help="e.g. popularity.desc, vote_average.desc"
    )
    discover.add_argument(
        "--year",
        type=_year,
        help=" (movie) or ".join(f.year_param for f in KINDS.values())
        + f" (tv), {FIRST_YEAR} to {LAST_YEAR}",
    )
    discover.add_argument("--language", type=_language, metavar="LANG", help=LANG_HELP)
    discover.add_argument(
        "--columns",
        default=",".join(DISCOVER_COLUMNS),
        help=f"comma-separated columns to print (default: {','.join(DISCOVER_COLUMNS)}; "
        "movie names are translated for tv; 'all' for every column)",
    )
    _add_output_options(discover)
    _add_connection_options(discover)
    discover.set_defaults(run=_run_discover)

    sandbox = sub.add_parser(
        "sandbox",
        help="run the embedded TMDB sandbox in the foreground",
        description="Serve TMDB-shaped answers on 127.0.0.1 until interrupted (Ctrl-C).",
    )
    sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sandbox.add_argument("--token", help="the bearer token to accept (default: generated)")
    sandbox.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="seconds added to each response"
    )
    sandbox.add_argument(
        "--rate-limit",
        type=float,
        metavar="R",
        help="requests per second before 429 (default: none)",
    )
    sandbox.set_defaults(run=_run_sandbox)

    scan = sub.add_parser(
        "scan",
        help="look for leaked tokens in notebooks and files",
        description="Scan notebooks (sources, outputs, widget state) and files for bearer tokens, "
        "JWTs, TMDB keys and the values in your .env. Exit 1 if anything is found.",
    )
    from .scan import cli as scan_cli

    scan_cli.configure_parser(scan)
    scan.set_defaults(run=scan_cli.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "output", None):
            check_output(args.output)  # before any request: fail fast, fetch nothing
        return int(args.run(args) or 0)
    except BearerkitError as exc:
        return _fail(exc, 1)
    except (UsageError, ValueError) as exc:  # bad values found late (an unknown genre, ...)
        return _fail(exc, 2)
    except KeyboardInterrupt:
        print("bearerkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `python -m bearerkit genres | head`
        return 0
    except Exception as exc:  # a bug: still one line, never a traceback
        return _fail(f"unexpected {type(exc).__name__}: {exc}", 1)


def _fail(message: object, code: int) -> int:
    """Print ``message`` as one line on stderr and return the exit code."""
    print(f"bearerkit: error: {' '.join(str(message).split())}", file=sys.stderr)
    return code


def check_output(path: str) -> None:
    """Refuse an ``--output`` that cannot be written, before anything is fetched.

    Raises:
        UsageError: ``path`` is a folder, its folder does not exist, or it is not writable.
    """
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise UsageError(
            f"--output {path} is a folder; give a file name, e.g. {target / 'out.csv'}"
        )
    if not folder.is_dir():
        raise UsageError(f"--output {path}: the folder {folder} does not exist; create it first")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"--output {path} is not writable (check its permissions)")
    if not target.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--output {path}: the folder {folder} is not writable")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _language(text: str) -> str:
    try:
        return check_language(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a year such as 1999, not {text!r}") from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"must be a year from {FIRST_YEAR} to {LAST_YEAR}, not {value}"
        )
    return value


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="auto (default): TMDB_BACKEND if set, else the real API with a token and the "
        "embedded sandbox without; sandbox: always the sandbox; tmdb: the real API, "
        "failing without a token",
    )
    parser.add_argument(
        "--env-file", metavar="PATH", help="read TMDB_TOKEN / TMDB_BASE_URL from this file"
    )
    parser.add_argument(
        "--cache", action="store_true", help="cache responses on disk (per-user cache directory)"
    )


def _connect(args: argparse.Namespace, language: str | None) -> TMDB:
    from .tmdb import connect  # late: the client and pandas load only for TMDB commands

    return connect(
        language=language or DEFAULT_LANGUAGE,
        backend=args.backend,
        env_file=args.env_file,
        cache=args.cache or None,
    )


def _run_genres(args: argparse.Namespace) -> int:
    languages = args.language or [DEFAULT_LANGUAGE]
    api = _connect(args, languages[0])
    frame = api.genre_table(languages=languages, kind=args.kind)
    _emit(frame, args)
    return 0


def _run_discover(args: argparse.Namespace) -> int:
    api = _connect(args, args.language)
    filters: dict[str, object] = {}
    if args.with_genres:
        filters["with_genres"] = args.with_genres
    if args.sort_by:
        filters["sort_by"] = args.sort_by
    if args.language:
        filters["language"] = args.language
    frame = api.discover(
        args.kind, pages=args.pages, year=args.year, progress=sys.stderr.isatty(), **filters
    )
    if args.columns != "all" and not frame.empty:
        wanted = [c.strip() for c in args.columns.split(",") if c.strip()]
        movie, kind = KINDS["movie"], KINDS[args.kind]
        swap = {movie.title: kind.title, movie.date: kind.date}
        wanted = [swap.get(c, c) for c in wanted]
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise ValueError(
                f"unknown column(s) {', '.join(missing)}; available: {', '.join(frame.columns)}"
            )
        frame = frame[wanted]
    _emit(frame, args)
    return 0


def _run_sandbox(args: argparse.Namespace) -> int:
    from . import sandbox

    return sandbox.serve_forever_cli(
        port=args.port, token=args.token, latency=args.latency, rate_limit=args.rate_limit
    )


def render(frame: pd.DataFrame, fmt: str) -> str:
    """A DataFrame as text in one of :data:`FORMATS`."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, list)).any():
            frame[column] = frame[column].map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, list) else v
            )
        if str(frame[column].dtype).startswith("datetime64"):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return frame.to_markdown(index=False) + "\n"
    return frame.to_string(index=False) + "\n"


def _emit(frame: pd.DataFrame, args: argparse.Namespace) -> None:
    text = render(frame, args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:  # checked up front; a full disk or a race can still fail
            raise UsageError(f"cannot write --output {args.output}: {exc.strerror}") from None
        print(f"bearerkit: wrote {len(frame)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
