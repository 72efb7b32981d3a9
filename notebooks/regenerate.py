"""Re-execute the tutorial notebooks in place, store their outputs, then check them with nbval.

Run from the repository root (or anywhere):

    .venv/bin/python notebooks/regenerate.py                       # every notebook
    .venv/bin/python notebooks/regenerate.py 02_tmdb_genres.ipynb  # just these
    .venv/bin/python notebooks/regenerate.py --no-check            # skip the nbval run

Each notebook runs in a fresh kernel, in notebooks/, with BEARERKIT_SANDBOX=1 and
no TMDB_*/OAUTH_* variables: the stored outputs always come from the embedded
sandbox, never from a developer's own token or .env. Afterwards the script runs
the same strict nbval check as CI on the notebooks it wrote.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
REPO = NOTEBOOKS.parent
SANITIZE = NOTEBOOKS / "sanitize.cfg"
CELL_TIMEOUT = 120  # seconds per cell; every notebook should finish in well under 30 s
DROPPED_PREFIXES = ("TMDB_", "OAUTH_", "BEARERKIT_")


def kernel_env() -> dict[str, str]:
    """The kernel's environment: sandbox pinned, no credentials, loopback never proxied."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(DROPPED_PREFIXES)}
    env["BEARERKIT_SANDBOX"] = "1"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def execute(path: Path) -> float:
    """Run ``path`` top to bottom in a fresh kernel and write it back with its outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,  # per-cell timestamps would make every run a diff
    )
    # No Output-widget emulation: nbval has none either, so what gets stored is what
    # nbval will see (see the Output-widget trap in the project's notebook notes).
    client.widget_registry = {}
    started = time.perf_counter()
    client.execute(env=kernel_env())
    elapsed = time.perf_counter() - started
    nbformat.write(nb, path)
    return elapsed


def check(paths: list[Path]) -> int:
    """Run strict nbval on ``paths``; return pytest's exit code."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-sanitize-with",
        str(SANITIZE),
        "-p",
        "no:cacheprovider",
        "-q",
        *map(str, paths),
    ]
    return subprocess.run(command, cwd=REPO, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Regenerate the named notebooks (default: all), then check them with nbval."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names in notebooks/")
    parser.add_argument("--no-check", action="store_true", help="do not run nbval afterwards")
    args = parser.parse_args(argv)
    paths = [NOTEBOOKS / Path(n).name for n in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        if not path.is_file():
            parser.error(f"no such notebook: {path}")
    for path in paths:
        print(f"{path.name}: executing ...", end=" ", flush=True)
        print(f"{execute(path):.1f} s", flush=True)
    return 0 if args.no_check else check(paths)


if __name__ == "__main__":
    sys.exit(main())
