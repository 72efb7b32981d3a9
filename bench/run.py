"""Benchmark bearerkit against hand-written requests/pandas code, on the local sandbox.

Measures paging, per-request overhead, record conversion, the response cache and
import cost; prints a Markdown table with targets, and writes it with a PNG chart
to ``bench/out/`` (or ``--out``). Exits 0 even when a target is missed (the
table says so); non-zero only when something crashed.

    python bench/run.py            # the full run, about a minute
    python bench/run.py --quick    # every path in a few seconds (CI)
    python bench/run.py --only styles,revalidate   # some groups (table only, no chart)

Groups for ``--only``: ``main`` (paging, cache, overhead, conversion, import cost),
``styles`` (paging styles, GraphQL among them), ``revalidate`` (a cached re-run
answered by 304s), ``ratelimits`` (announced rate limits).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import bulk
import imports
import measure
import ratelimits
import report

from bearerkit import sandbox

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
GROUPS = ("main", "styles", "revalidate", "ratelimits", "bulk")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: ``--quick`` and ``--out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few pages and repeats (for CI)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"directory for results.md and bench.png (default {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--only",
        type=_groups,
        default=GROUPS,
        metavar="GROUP[,GROUP...]",
        help=f"measure only these groups: {', '.join(GROUPS)} (default: all)",
    )
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file; give a directory for results.md and bench.png")
    return args


def _groups(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(g.strip() for g in text.split(",") if g.strip()))
    unknown = [g for g in chosen if g not in GROUPS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown group {', '.join(unknown) or '(none)'}; choose from {', '.join(GROUPS)}"
        )
    return chosen


@dataclass
class _Main:
    paging: measure.Paging
    cache: measure.CacheRun
    overhead: measure.Overhead
    conversion: measure.Conversion


_STARTED = time.perf_counter()


def step(name: str) -> None:
    """Say what is being measured, and when (stderr, so stdout stays the report)."""
    print(
        f"bench: [{time.perf_counter() - _STARTED:5.1f} s] {name} ...", file=sys.stderr, flush=True
    )


def main(argv: list[str] | None = None) -> int:
    """Run every measurement, print and write the table and the chart; return the exit code.

    >>> main(["--quick", "--out", "/tmp/bench-out"])  # doctest: +SKIP
    0
    """
    args = parse_args(argv)
    settings = measure.QUICK if args.quick else measure.FULL
    # The runs fetch a set number of pages on purpose: paginate's "incomplete" warning is noise here.
    warnings.filterwarnings("ignore", message="paginate returned", category=UserWarning)
    args.out.mkdir(parents=True, exist_ok=True)

    only = args.only
    main_runs: _Main | None = None
    style_runs: list[measure.StylePaging] = []
    rate_runs: list[ratelimits.RateRun] = []
    revalidate = None
    bulk_rows: list[report.Row] = []
    with (
        sandbox.start(latency=measure.LATENCY, rate_limit=measure.SANDBOX_RATE) as slow,
        sandbox.start() as fast,
        sandbox.start(latency=measure.LATENCY) as styles,
    ):
        if "main" in only:
            step("warming up")
            measure.warm_up(slow, settings)
            measure.warm_up(fast, settings)
            step(f"paging {settings.pages} pages, three ways")
            paging = measure.paging(slow, settings)
            step(f"cached re-run of {settings.cache_pages} pages")
            cache = measure.cache_rerun(slow, settings)
            step(f"per-request overhead, {settings.overhead_calls} calls each")
            overhead = measure.overhead(fast, settings)
            step(f"converting {settings.records:,} records")
            conversion = measure.conversion(fast, settings)
            main_runs = _Main(paging, cache, overhead, conversion)
        if "styles" in only:
            step("paging styles (Link, offset, cursor, next URL, last id, GraphQL)")
            style_runs = measure.paging_styles(styles, settings)
        if "revalidate" in only:
            step("revalidated re-run (conditional requests, 304s)")
            revalidate = measure.revalidated_rerun(styles, settings)
        if "ratelimits" in only:
            step("announced rate limits (IETF, OpenAI, GitHub headers)")
            rate_runs = ratelimits.announced_limits(styles, quick=args.quick)
        if "bulk" in only:
            bulk_rows = bulk.bulk_rows(slow, styles, quick=args.quick, step=step)
    import_cost = None
    if "main" in only:
        step(f"import cost, {settings.import_runs} fresh interpreters each")
        import_cost = imports.import_cost(settings)

    step("writing the table" + (" and the chart" if main_runs is not None else ""))
    results = report.Results(
        main_runs.paging if main_runs else None,
        main_runs.overhead if main_runs else None,
        main_runs.conversion if main_runs else None,
        main_runs.cache if main_runs else None,
        import_cost,
        styles=tuple(style_runs),
        ratelimits=tuple(rate_runs),
        revalidate=revalidate,
    )
    mode = "quick" if args.quick else "full"
    header = [
        f"## bearerkit benchmark ({mode})",
        "",
        report.machine_line(),
        "",
        report.settings_line(results.paging),
    ]
    table = report.rows(results) + bulk_rows
    text = report.markdown(table, header_lines=header)
    print(text)
    (args.out / "results.md").write_text(text, encoding="utf-8")
    written = [args.out / "results.md"]
    if main_runs is not None:
        report.chart(results, args.out / "bench.png")
        written.append(args.out / "bench.png")
    missed = [row.measure for row in table if row.met is False]
    print(f"Targets missed: {', '.join(missed)}" if missed else "All targets met.")
    print(f"Wrote {' and '.join(str(path) for path in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
