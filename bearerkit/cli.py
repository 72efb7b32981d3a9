"""The command line: ``python -m bearerkit {genres,discover,sandbox,scan}``.

Errors end in one line on stderr and a non-zero exit code, never a traceback:
1 for a bearerkit error (bad token, network, API error), 2 for usage errors,
130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._version import __version__
from .errors import BearerkitError

if TYPE_CHECKING:
    import pandas as pd

    from .tmdb import TMDB

__all__ = ["main"]

FORMATS = ("table", "csv", "json", "markdown")
LANG_HELP = "language for genre names, e.g. en, de, fr-FR (default: en)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m bearerkit",
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
        choices=("movie", "tv", "both"),
        default="both",
        help="which genre lists (default: both)",
    )
    genres.add_argument(
        "--language",
        action="append",
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
        "--kind", choices=("movie", "tv"), default="movie", help="movie or tv (default: movie)"
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
        "--year", type=int, help="primary_release_year (movie) or first_air_date_year (tv)"
    )
    discover.add_argument("--language", metavar="LANG", help=LANG_HELP)
    discover.add_argument(
        "--columns",
        default="id,title,release_date,vote_average,genres",
        help="comma-separated columns to print (default: id,title,release_date,vote_average,genres; "
        "'all' for every column)",
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
    from . import scanner

    scanner.configure_parser(scan)
    scan.set_defaults(run=scanner.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except BearerkitError as exc:
        print(f"bearerkit: error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # bad option values found late (an unknown genre name, ...)
        print(f"bearerkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bearerkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `python -m bearerkit genres | head`
        return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--sandbox",
        dest="sandbox",
        action="store_true",
        default=None,
        help="use the embedded sandbox even if a token is configured",
    )
    group.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="fail instead of falling back to the sandbox without a token",
    )
    parser.add_argument(
        "--env-file", metavar="PATH", help="read TMDB_TOKEN / TMDB_BASE_URL from this file"
    )
    parser.add_argument(
        "--cache", action="store_true", help="cache responses on disk (per-user cache directory)"
    )


def _connect(args: argparse.Namespace, language: str | None) -> TMDB:
    from . import tmdb

    return tmdb.connect(
        language=language or "en-US",
        sandbox=args.sandbox,
        env_file=args.env_file,
        cache=args.cache or None,
    )


def _run_genres(args: argparse.Namespace) -> int:
    languages = args.language or ["en"]
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
    if args.year:
        filters["primary_release_year" if args.kind == "movie" else "first_air_date_year"] = (
            args.year
        )
    if args.language:
        filters["language"] = args.language
    frame = api.discover(args.kind, pages=args.pages, progress=sys.stderr.isatty(), **filters)
    if args.columns != "all" and not frame.empty:
        wanted = [c.strip() for c in args.columns.split(",") if c.strip()]
        if args.kind == "tv":
            swap = {"title": "name", "release_date": "first_air_date"}
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
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        print(f"bearerkit: wrote {len(frame)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
