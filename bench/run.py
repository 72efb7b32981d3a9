"""Benchmark bearerkit against hand-written requests/pandas code, on the local sandbox.

Measures paging, per-request overhead, record conversion, the response cache and
import cost; prints a Markdown table with targets, and writes it with a PNG chart
to ``bench/out/`` (or ``--out``). Exits 0 even when a target is missed (the
table says so); non-zero only when something crashed.

    python bench/run.py            # the full run, about a minute
    python bench/run.py --quick    # every path in a few seconds (CI)
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import imports
import measure
import ratelimits
import report

from bearerkit import sandbox

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


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
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file; give a directory for results.md and bench.png")
    return args


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

    with (
        sandbox.start(latency=measure.LATENCY, rate_limit=measure.SANDBOX_RATE) as slow,
        sandbox.start() as fast,
        sandbox.start(latency=measure.LATENCY) as styles,
    ):
        step("warming up")
        measure.warm_up(slow, settings)
        measure.warm_up(fast, settings)
        step(f"paging {settings.pages} pages, three ways")
        paging = measure.paging(slow, settings)
        step(f"cached re-run of {settings.cache_pages} pages")
        cache = measure.cache_rerun(slow, settings)
        step("paging styles (Link, offset, cursor, next URL, last id)")
        style_runs = measure.paging_styles(styles, settings)
        step("announced rate limits (IETF, OpenAI, GitHub headers)")
        rate_runs = ratelimits.announced_limits(styles, quick=args.quick)
        step(f"per-request overhead, {settings.overhead_calls} calls each")
        overhead = measure.overhead(fast, settings)
        step(f"converting {settings.records:,} records")
        conversion = measure.conversion(fast, settings)
    step(f"import cost, {settings.import_runs} fresh interpreters each")
    import_cost = imports.import_cost(settings)

    step("writing the table and the chart")
    results = report.Results(
        paging,
        overhead,
        conversion,
        cache,
        import_cost,
        styles=tuple(style_runs),
        ratelimits=tuple(rate_runs),
    )
    mode = "quick" if args.quick else "full"
    header = [
        f"## bearerkit benchmark ({mode})",
        "",
        report.machine_line(),
        "",
        report.settings_line(paging),
    ]
    text = report.markdown(report.rows(results), header_lines=header)
    print(text)
    (args.out / "results.md").write_text(text, encoding="utf-8")
    report.chart(results, args.out / "bench.png")
    missed = [row.measure for row in report.rows(results) if row.met is False]
    print(f"Targets missed: {', '.join(missed)}" if missed else "All targets met.")
    print(f"Wrote {args.out / 'results.md'} and {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
