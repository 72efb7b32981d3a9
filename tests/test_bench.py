"""bench/run.py --quick still runs end to end: every row printed and written, a PNG, exit 0.

No timing assertions: the numbers depend on the machine. This only keeps the
benchmark script from rotting as the library changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RUN = BENCH / "run.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUICK_TIMEOUT = 300  # seconds: generous for a loaded CI machine; the run takes ~20 s

# A JWT (the sandbox's token shape) always starts with this.
JWT_PREFIX = "eyJ"

# Every measurement the task asks for, as bench/report.py names the rows.
ROW_NAMES = (
    "paging: bearerkit paginate",
    "paging: requests.get loop",
    "paging: requests.Session loop",
    "per-request overhead",
    "records to DataFrame",
    "cached re-run",
    "cached re-run, new Client",
    "import cost",
    "paging style: Link with last (GitHub)",
    "paging style: offset + total",
    "paging style: cursor (Slack)",
    "paging style: next URL (Spotify)",
    "paging style: last id (Stripe)",
    "paging style: GraphQL connection (GitHub)",
    "revalidated re-run (304s)",
    "announced limit: ietf headers",
    "announced limit: openai headers",
    "announced limit: github headers",
    "get_each: bearerkit",
    "get_each: requests.Session loop",
    "get_each: ThreadPoolExecutor over requests",
    "streaming to Parquet",
    "resume after a kill at 50%",
    "dlt: bearerkit.dlt.resource vs RESTClient",
)


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("bench-out")
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT,
        cwd=out,  # the script must not depend on the cwd
    )
    return done, out


def test_quick_run_exits_zero(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, _ = quick_run
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_row_is_printed_and_written(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = quick_run
    written = (out / "results.md").read_text(encoding="utf-8")
    for name in ROW_NAMES:
        assert f"| {name} |" in done.stdout
        assert f"| {name} |" in written
    table = [line for line in written.splitlines() if line.startswith("|")]
    assert len(table) == len(ROW_NAMES) + 2  # header, separator, one line per row


def test_table_has_the_machine_and_the_columns(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = quick_run
    written = (out / "results.md").read_text(encoding="utf-8")
    assert "| measure | bearerkit | baseline | ratio | target | met? |" in written
    assert "Machine: " in written and "CPUs, Python " in written
    for line in written.splitlines():
        if line.startswith("| ") and not line.startswith(("| measure", "|---")):
            assert line.rstrip().endswith(("| yes |", "| **no** |", "| - |")), line


def test_chart_is_a_png(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    png = (out / "bench.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 5_000  # two plotted panels, not an empty canvas


def test_no_token_in_the_output(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, out = quick_run
    for text in (done.stdout, done.stderr, (out / "results.md").read_text(encoding="utf-8")):
        assert JWT_PREFIX not in text
        assert "Bearer" not in text


def test_bad_option_fails_with_usage() -> None:
    done = subprocess.run(
        [sys.executable, str(RUN), "--no-such-option"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "usage:" in done.stderr


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "results.md"
    target.write_text("not a directory", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "is a file; give a directory" in done.stderr
    assert target.read_text(encoding="utf-8") == "not a directory"


def test_only_runs_the_groups_named(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "revalidate", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert len(table) == 2 and table[1].startswith("| revalidated re-run (304s) |")
    assert "x304 of" in table[1] and "0 of the budget spent" in table[1]
    assert not (tmp_path / "bench.png").exists()  # the chart needs the main group
    assert JWT_PREFIX not in done.stdout + done.stderr


def test_only_refuses_an_unknown_group() -> None:
    done = subprocess.run(
        [sys.executable, str(RUN), "--only", "styles,nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "unknown group nope" in done.stderr
