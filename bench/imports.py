"""Import cost: fresh interpreters running ``import bearerkit`` against ``import pandas, requests``.

``import bearerkit`` loads only the error classes (everything else is lazy), so it is
also timed with the client touched (``bearerkit.Client``: pandas, requests and the
client's own modules), which is what every notebook pays before its first request.

    python bench/imports.py [RUNS]    # this row alone, 15 runs by default
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from measure import Settings

IMPORT_TIMEOUT = 120.0  # seconds for one `python -c "import ..."` (a cold disk is slow)
COMMANDS = {
    "bearerkit": "import bearerkit",
    "core": "import bearerkit; bearerkit.Client",
    "baseline": "import pandas, requests",
}


@dataclass(frozen=True)
class ImportCost:
    """Median seconds for a fresh interpreter to run each import."""

    runs: int
    bearerkit_s: float
    baseline_s: float
    bearerkit_cpu_s: float | None  # median CPU time of the child (user + sys); None off Unix
    baseline_cpu_s: float | None
    core_s: float = 0.0  # `import bearerkit; bearerkit.Client`: the client and its dependencies
    core_cpu_s: float | None = None


def import_cost(settings: Settings) -> ImportCost:
    """Median wall time of fresh interpreters running ``import bearerkit`` / ``import pandas, requests``.

    With ``import_warmup`` the interpreters write and reuse bytecode under a private
    ``PYTHONPYCACHEPREFIX``, as an installed package would (this container sets
    PYTHONDONTWRITEBYTECODE, which would recompile bearerkit on every import).
    """
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bearerkit-pycache-") as pycache:
        if settings.import_warmup:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pycache

        def once(code: str) -> tuple[float, float | None]:
            cpu_before = _children_cpu()
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", code], check=True, timeout=IMPORT_TIMEOUT, env=env
            )
            wall = time.perf_counter() - started
            cpu_after = _children_cpu()
            return wall, (
                cpu_after - cpu_before if cpu_after is not None and cpu_before is not None else None
            )

        if settings.import_warmup:
            for code in COMMANDS.values():
                once(code)  # write the bytecode and warm the disk cache outside the timing
        walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
        cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for i in range(settings.import_runs):
            names = list(COMMANDS) if i % 2 == 0 else list(COMMANDS)[::-1]  # no order bias
            for name in names:
                wall, cpu = once(COMMANDS[name])
                walls[name].append(wall)
                if cpu is not None:
                    cpus[name].append(cpu)
    return ImportCost(
        settings.import_runs,
        statistics.median(walls["bearerkit"]),
        statistics.median(walls["baseline"]),
        statistics.median(cpus["bearerkit"]) if cpus["bearerkit"] else None,
        statistics.median(cpus["baseline"]) if cpus["baseline"] else None,
        statistics.median(walls["core"]),
        statistics.median(cpus["core"]) if cpus["core"] else None,
    )


def _children_cpu() -> float | None:
    """User + system CPU seconds of finished child processes so far (None where unsupported)."""
    try:
        import resource  # Unix only
    except ImportError:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    from measure import FULL

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else FULL.import_runs
    cost = import_cost(Settings(**{**FULL.__dict__, "import_runs": runs}))
    base = cost.baseline_s
    print(f"import pandas, requests            {base * 1000:6.1f} ms  (median of {runs})")
    print(
        f"import bearerkit                   {cost.bearerkit_s * 1000:6.1f} ms  {cost.bearerkit_s / base:.3f}x"
    )
    print(
        f"import bearerkit; bearerkit.Client {cost.core_s * 1000:6.1f} ms  {cost.core_s / base:.3f}x"
    )
