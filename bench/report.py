"""Turn the measurements into a Markdown table (with targets) and a PNG chart."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from imports import ImportCost
from measure import (
    CLIENT_RATE,
    GRAPHQL_RUN,
    LATENCY,
    REVALIDATE_RUN,
    SANDBOX_RATE,
    STYLE_RUNS,
    WORKERS,
    CacheRun,
    Conversion,
    Overhead,
    Paging,
    RevalidateRun,
    StylePaging,
)
from ratelimits import DIALECTS as RATE_DIALECTS
from ratelimits import RateRun

# Targets, as ratios to the baseline (or to the bound, for paging).
PAGING_TARGET = 1.15
CONCURRENT_STYLE_TARGET = 1.10  # of (1 + ceil((N - 1) / workers)) x latency
REVALIDATE_TARGET = 1.15  # of N 304 round trips by a plain Session, with 0 budget spent
OVERHEAD_TARGET = 1.10
CONVERSION_TARGET = 1.00
CACHE_TARGET = 0.05
IMPORT_TARGET = 1.05  # issue 20: back to the cost of `import pandas, requests`

# Row names, in table order; tests/test_bench.py checks every one is printed.
ROW_NAMES = (
    "paging: bearerkit paginate",
    "paging: requests.get loop",
    "paging: requests.Session loop",
    "per-request overhead",
    "records to DataFrame",
    "cached re-run",
    "cached re-run, new Client",
    "import cost",
    *(run[0] for run in STYLE_RUNS),
    GRAPHQL_RUN,
    REVALIDATE_RUN,
)


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    measure: str
    bearerkit: str
    baseline: str
    ratio: float
    target: str
    met: bool | None  # None: informational, no target


@dataclass(frozen=True)
class Results:
    """Everything one run measured."""

    paging: Paging | None
    overhead: Overhead | None
    conversion: Conversion | None
    cache: CacheRun | None
    imports: ImportCost | None
    styles: tuple[StylePaging, ...] = ()
    ratelimits: tuple[RateRun, ...] = ()
    revalidate: RevalidateRun | None = None


def machine_line() -> str:
    """Where this ran: CPU, core count, Python and OS."""
    cpu = platform.processor() or "unknown processor"
    return (
        f"Machine: {platform.machine()} ({cpu}), {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}"
    )


def settings_line(paging: Paging | None) -> str:
    """The sandbox and client settings the paging numbers depend on."""
    if paging is None:
        return f"Sandbox: {LATENCY * 1000:g} ms latency; paginate(workers={WORKERS})"
    return (
        f"Sandbox: {LATENCY * 1000:g} ms latency, {SANDBOX_RATE:g} requests/s limit; "
        f"bearerkit Client(rate_limit={CLIENT_RATE:g}), paginate(workers={WORKERS}); "
        f"bound for {paging.pages} pages = max(N / {SANDBOX_RATE:g}, N x latency / {WORKERS}) "
        f"= {paging.bound_s:.2f} s"
    )


def rows(results: Results) -> list[Row]:
    """The table rows of what was measured, in :data:`ROW_NAMES` order."""
    p, o, c, k, i = (
        results.paging,
        results.overhead,
        results.conversion,
        results.cache,
        results.imports,
    )
    main = (
        _main_rows(p, o, c, k, i)
        if p is not None and o is not None and c is not None and k is not None and i is not None
        else []
    )
    return (
        main
        + [_style_row(s) for s in results.styles]
        + ([_revalidate_row(results.revalidate)] if results.revalidate is not None else [])
        + [_rate_row(r) for r in results.ratelimits]
    )


def _revalidate_row(r: RevalidateRun) -> Row:
    """A revalidated re-run against N 304 round trips by a plain Session; no budget spent."""
    ratio = r.bearerkit_s / r.baseline_s
    met = (
        ratio <= REVALIDATE_TARGET
        and r.budget_spent == 0
        and r.sent == r.not_modified == r.pages
        and r.same_frame
    )
    return Row(
        REVALIDATE_RUN,
        f"{r.bearerkit_s:.2f} s for {r.pages} pages ({r.not_modified}x304 of {r.sent} sent; "
        f"{r.budget_spent} of the budget spent{'' if r.same_frame else '; frame differs'})",
        f"{r.pages} 304 round trips by a Session {r.baseline_s:.2f} s "
        f"(N x latency {r.latency_bound_s:.2f} s)",
        ratio,
        f"<= {REVALIDATE_TARGET:.2f}x, 0 budget",
        met,
    )


def _main_rows(p: Paging, o: Overhead, c: Conversion, k: CacheRun, i: ImportCost) -> list[Row]:
    """The paging, overhead, conversion, cache and import rows (all measured together)."""
    bound = f"bound {p.bound_s:.2f} s"
    bk_paging = p.bearerkit_s / p.bound_s
    overhead_ratio = o.bearerkit_median_us / o.bare_median_us
    conversion_ratio = c.bearerkit_s / c.pandas_s
    cache_ratio = k.cached_s / k.uncached_s
    import_ratio = i.bearerkit_s / i.baseline_s
    return [
        Row(
            ROW_NAMES[0],
            f"{p.bearerkit_s:.2f} s, {p.bearerkit_429}x429",
            bound,
            bk_paging,
            f"<= {PAGING_TARGET:.2f}x bound, no 429",
            bk_paging <= PAGING_TARGET and p.bearerkit_429 == 0,
        ),
        Row(
            ROW_NAMES[1],
            f"{p.get_loop_s:.2f} s, {p.get_loop_429}x429",
            bound,
            p.get_loop_s / p.bound_s,
            "(baseline)",
            None,
        ),
        Row(
            ROW_NAMES[2],
            f"{p.session_loop_s:.2f} s, {p.session_loop_429}x429",
            bound,
            p.session_loop_s / p.bound_s,
            "(baseline)",
            None,
        ),
        Row(
            ROW_NAMES[3],
            f"{o.bearerkit_median_us:.0f} us/call (median of {o.calls}; total {o.bearerkit_total_s:.2f} s)",
            f"session.get+json {o.bare_median_us:.0f} us (total {o.bare_total_s:.2f} s)",
            overhead_ratio,
            f"<= {OVERHEAD_TARGET:.2f}x",
            overhead_ratio <= OVERHEAD_TARGET,
        ),
        Row(
            ROW_NAMES[4],
            f"{c.bearerkit_s * 1000:.1f} ms for {c.records:,} records",
            f"json_normalize+explode+map+regroup {c.pandas_s * 1000:.1f} ms",
            conversion_ratio,
            f"<= {CONVERSION_TARGET:.2f}x",
            conversion_ratio <= CONVERSION_TARGET,
        ),
        Row(
            ROW_NAMES[5],
            f"{k.cached_s * 1000:.0f} ms for {k.pages} pages (CPU {k.cached_cpu_s * 1000:.0f} ms; "
            f"{k.sent_on_rerun} sent)",
            f"uncached {k.uncached_s:.2f} s",
            cache_ratio,
            f"< {CACHE_TARGET:.0%}",
            cache_ratio < CACHE_TARGET,
        ),
        Row(
            ROW_NAMES[6],
            f"{k.fresh_client_s * 1000:.0f} ms for {k.pages} pages ({k.sent_by_fresh_client} sent)",
            f"uncached {k.uncached_s:.2f} s",
            k.fresh_client_s / k.uncached_s,
            "(kernel restart; no target)",
            None,
        ),
        Row(
            ROW_NAMES[7],
            f"import bearerkit {i.bearerkit_s * 1000:.0f} ms (median of {i.runs}){_cpu(i.bearerkit_cpu_s)};"
            f" with bearerkit.Client {i.core_s * 1000:.0f} ms ({i.core_s / i.baseline_s:.2f}x)",
            f"import pandas, requests {i.baseline_s * 1000:.0f} ms{_cpu(i.baseline_cpu_s)}",
            import_ratio,
            f"<= {IMPORT_TARGET:.2f}x",
            import_ratio <= IMPORT_TARGET,
        ),
    ]


def _rate_row(r: RateRun) -> Row:
    """Requests against an announced budget: time against ``requests / rate``, no refusal.

    GitHub's row is for information: its epoch reset is in whole seconds, up to a
    second late for a one-second window (GitHub's own windows are an hour).
    """
    ratio = r.seconds / r.bound_s
    target = r.dialect != RATE_DIALECTS[-1]
    return Row(
        f"announced limit: {r.dialect} headers",
        f"{r.seconds:.2f} s for {r.requests} requests, {r.refusals} refused",
        f"bound {r.bound_s:.2f} s ({r.requests} / {r.rate} per s)",
        ratio,
        f"<= {PAGING_TARGET:.2f}x bound, none refused" if target else "(whole-second epoch reset)",
        (ratio <= PAGING_TARGET and r.refusals == 0) if target else None,
    )


def _style_row(s: StylePaging) -> Row:
    """A paging style against its latency bound (concurrent: also one page at a time)."""
    ratio = s.bearerkit_s / s.bound_s
    target = CONCURRENT_STYLE_TARGET if s.concurrent else PAGING_TARGET
    if s.concurrent:
        baseline = f"bound {s.bound_s:.2f} s ((1 + ceil((N - 1) / {WORKERS})) x latency)"
        if s.one_at_a_time_s is not None:
            baseline += f"; workers=1 {s.one_at_a_time_s:.2f} s"
        if s.session_threads_s is not None:
            baseline += f"; {WORKERS} Session threads {s.session_threads_s:.2f} s"
    else:
        baseline = f"bound {s.bound_s:.2f} s (N x latency)"
    return Row(
        s.name,
        f"{s.bearerkit_s:.2f} s for {s.pages} pages",
        baseline,
        ratio,
        f"<= {target:.2f}x bound",
        ratio <= target,
    )


def _cpu(seconds: float | None) -> str:
    return f"; CPU {seconds * 1000:.0f} ms" if seconds is not None else ""


def markdown(table: list[Row], *, header_lines: list[str]) -> str:
    """A Markdown table under a few plain lines (machine, settings)."""
    lines = [*header_lines, ""]
    lines.append("| measure | bearerkit | baseline | ratio | target | met? |")
    lines.append("|---|---|---|---|---|---|")
    for row in table:
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        ratio = f"{row.ratio:.1%}" if row.measure in ROW_NAMES[5:7] else f"{row.ratio:.2f}x"
        lines.append(
            f"| {row.measure} | {row.bearerkit} | {row.baseline} | {ratio} | {row.target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def chart(results: Results, path: Path) -> None:
    """Paging times against the bound (left) and the other ratios against their targets (right)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: CI, ssh, and a subprocess under pytest
    import matplotlib.pyplot as plt

    p = results.paging
    if p is None:
        raise ValueError("the chart needs the paging measurements (a run without --only)")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    names = ["bearerkit\npaginate", "requests.get\nloop", "Session\nloop"]
    times = [p.bearerkit_s, p.get_loop_s, p.session_loop_s]
    left.bar(names, times, color=["tab:blue", "tab:gray", "tab:gray"])
    left.axhline(p.bound_s, color="black", linestyle="--", label=f"bound {p.bound_s:.2f} s")
    left.axhline(
        p.bound_s * PAGING_TARGET,
        color="tab:red",
        linestyle=":",
        label=f"target {PAGING_TARGET}x bound",
    )
    left.set_ylabel("seconds")
    left.set_title(
        f"{p.pages} discover pages ({LATENCY * 1000:g} ms latency, {SANDBOX_RATE:g}/s limit)"
    )
    left.legend(loc="lower right")

    chart_targets = {
        "per-request overhead": OVERHEAD_TARGET,
        "records to DataFrame": CONVERSION_TARGET,
        "cached re-run": CACHE_TARGET,
        "import cost": IMPORT_TARGET,
    }
    table = [row for row in rows(results) if chart_targets.get(row.measure) is not None]
    targets = [chart_targets[row.measure] for row in table]
    labels = [row.measure for row in table]
    ratios = [row.ratio for row in table]
    y = range(len(table))
    right.barh(list(y), ratios, color=["tab:green" if row.met else "tab:red" for row in table])
    right.scatter(targets, list(y), marker="|", s=400, color="black", label="target", zorder=3)
    for row_y, ratio in zip(y, ratios, strict=True):
        right.annotate(
            f"{ratio:.2f}x", (ratio, row_y), xytext=(4, 0), textcoords="offset points", va="center"
        )
    right.set_xlim(0, max(*ratios, *targets) * 1.4)  # room for the labels and the legend
    right.set_yticks(list(y), labels)
    right.invert_yaxis()
    right.set_xlabel("bearerkit / baseline (lower is better)")
    right.set_title("Ratios to the hand-written baseline")
    right.legend(loc="upper right")
    fig.savefig(path, dpi=110)
    plt.close(fig)
