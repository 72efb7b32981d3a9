"""Regenerate the tutorial notebooks: navigation footers, stored outputs, then a strict nbval check.

Run from the repository root (or anywhere):

    python tests/notebooks/regenerate.py                     # every notebook
    python tests/notebooks/regenerate.py 02_tmdb_genres 07   # just these (name, number or path)
    python tests/notebooks/regenerate.py --no-check 06       # skip the nbval run
    python tests/notebooks/regenerate.py --record 06         # re-record 06's cassettes

What a reader sees is what gets stored. Each notebook runs top to bottom in a fresh
kernel, in notebooks/, in the harness environment (harness.py): no token, no ``.env``,
so ``bk.tmdb.connect()`` takes the embedded sandbox with the notice a reader gets.
Cassettes that exist are replayed; missing ones are recorded (``--record`` deletes a
notebook's cassettes first). Then, so that a second run changes nothing:

- widget model ids are renumbered deterministically (they are random per run);
- a tqdm progress bar's stored text is its final state (the saved widget state
  already is), not the 0% it showed when it was first displayed.

The "Previous / Next" footer of every notebook is generated here from the titles;
never edit it by hand. Finally the script runs the same strict nbval check as CI.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

if __package__:  # imported as tests.notebooks.regenerate (the tests do)
    from .harness import CASSETTES, NOTEBOOKS, REPO, kernel_env
else:  # run as a script: python tests/notebooks/regenerate.py
    from harness import CASSETTES, NOTEBOOKS, REPO, kernel_env

SANITIZE = Path(__file__).resolve().parent / "sanitize.cfg"
CELL_TIMEOUT = 120  # seconds per cell; every notebook should finish in well under 30 s
FOOTER_ID = "navigation-footer"
FOOTER_TAG = "navigation"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BAR_WIDTH = 10  # characters of a finished tqdm text bar, as tqdm draws it in a notebook


def tutorials() -> list[Path]:
    """Every tutorial notebook, in reading order (their names start with a number)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def find(name: str, paths: list[Path]) -> Path:
    """The tutorial ``name`` means: a file name, a path, a name without .ipynb, or a number.

    >>> find("02", [Path("01_a.ipynb"), Path("02_b.ipynb")]).name
    '02_b.ipynb'
    """
    stem = Path(name).name.removesuffix(".ipynb")
    matches = [p for p in paths if p.stem == stem or p.stem.split("_", 1)[0] == stem]
    if len(matches) != 1:
        known = ", ".join(p.name for p in paths)
        raise LookupError(f"no single notebook matches {name!r} (the tutorials: {known})")
    return matches[0]


def title(nb: nbformat.NotebookNode) -> str:
    """The notebook's H1 (its first markdown cell's first line, without ``#``)."""
    first = next(c for c in nb.cells if c.cell_type == "markdown")
    line = first.source.strip().splitlines()[0]
    if not line.startswith("# "):
        raise ValueError(f"the first markdown cell must start with a '# ' title, not {line!r}")
    return line[2:].strip()


def footer_text(paths: list[Path], index: int) -> str:
    """The navigation footer of ``paths[index]``: links to the previous and next notebook."""
    links = []
    if index > 0:
        prev = paths[index - 1]
        links.append(f"Previous: [{title(nbformat.read(prev, as_version=4))}]({prev.name})")
    if index + 1 < len(paths):
        nxt = paths[index + 1]
        links.append(f"Next: [{title(nbformat.read(nxt, as_version=4))}]({nxt.name})")
    return "---\n\n" + " · ".join(links)


def set_footer(nb: nbformat.NotebookNode, text: str) -> None:
    """Replace (or append) the generated footer cell, always the notebook's last cell."""
    nb.cells = [c for c in nb.cells if c.get("id") != FOOTER_ID]
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = FOOTER_ID
    cell.metadata["tags"] = [FOOTER_TAG]
    nb.cells.append(cell)


def add_navigation(paths: list[Path]) -> None:
    """Write every tutorial's footer (only files whose footer changed are rewritten)."""
    for index, path in enumerate(paths):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        set_footer(nb, footer_text(paths, index))
        if nbformat.writes(nb) != before:
            nbformat.write(nb, path)


def execute(path: Path) -> float:
    """Run ``path`` top to bottom in a fresh kernel and write it back with its outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,  # per-cell timestamps would make every run a diff
        store_widget_state=True,  # a reader opening the file sees the widgets' final state
    )
    # No Output-widget emulation: nbval has none either, so what gets stored is what
    # nbval will see (see the Output-widget trap in the project's notebook notes).
    client.widget_registry = {}
    started = time.perf_counter()
    # record=True: a notebook's record_mode="once" records a cassette that is missing.
    client.execute(env=kernel_env(record=True))
    elapsed = time.perf_counter() - started
    finish_progress_bars(nb)
    nbformat.write(stable_widget_ids(nb, path.stem), path)
    return elapsed


def widget_state(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The saved widget models, by model id (empty when the notebook has none)."""
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def finish_progress_bars(nb: nbformat.NotebookNode) -> None:
    """Store each tqdm bar's text as the saved widget state shows it: finished.

    tqdm's notebook bar is displayed once, when it starts, so its text/plain says 0%
    (or "1page" when the total was not known yet); its widget models are updated to
    the end and saved by nbclient.
    """
    state = widget_state(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                text = _bar_text(state, data[WIDGET_VIEW]["model_id"])
                if text is not None:
                    data["text/plain"] = text


def _bar_text(state: dict[str, Any], model_id: str) -> str | None:
    """tqdm's text for the bar whose box is ``model_id`` (label | bar | counts), else None."""
    box = state.get(model_id, {})
    children = [c.removeprefix("IPY_MODEL_") for c in box.get("state", {}).get("children", [])]
    names = [state.get(c, {}).get("model_name") for c in children]
    if box.get("model_name") != "HBoxModel" or names[1:2] != ["FloatProgressModel"]:
        return None
    if names != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, bar, right = (state[c]["state"] for c in children)
    if not bar.get("max"):
        return None
    filled = round(BAR_WIDTH * min(bar.get("value", 0) / bar["max"], 1.0))
    drawn = "█" * filled + " " * (BAR_WIDTH - filled)
    # tqdm pads with figure spaces (U+2007) in HTML; its text bar uses plain ones.
    label, counts = (
        html.unescape(part.get("value", "")).replace("\u2007", " ") for part in (left, right)
    )
    return f"{label}|{drawn}|{counts}"


def stable_widget_ids(nb: nbformat.NotebookNode, seed: str) -> nbformat.NotebookNode:
    """Renumber the (random) widget model ids, so a rerun writes the same file.

    Models are numbered in a fixed order: the displayed ones cell by cell, each followed
    by the models it refers to (depth first); then any left over, by content.
    """
    state = widget_state(nb)
    if not state:
        return nb
    order: list[str] = []

    def visit(model_id: str) -> None:
        if model_id in order or model_id not in state:
            return
        order.append(model_id)
        for ref in _references(state[model_id].get("state", {})):
            visit(ref)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                visit(view["model_id"])
    rest = sorted(set(state) - set(order), key=lambda i: json.dumps(state[i], sort_keys=True))
    for model_id in rest:
        visit(model_id)
    text = nbformat.writes(nb)
    for number, old in enumerate(order):
        text = text.replace(old, hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()[:32])
    return nbformat.reads(text, as_version=4)


def _references(value: Any) -> list[str]:
    """The model ids a widget's state refers to (``"IPY_MODEL_<id>"`` strings), in order."""
    if isinstance(value, str):
        return [value.removeprefix("IPY_MODEL_")] if value.startswith("IPY_MODEL_") else []
    if isinstance(value, dict):
        return [ref for key in sorted(value) for ref in _references(value[key])]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


def delete_cassettes(path: Path) -> list[Path]:
    """Delete the cassettes ``path`` names (``cassettes/...`` strings in its code)."""
    code = "\n".join(
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
    )
    deleted = []
    for name in sorted(set(re.findall(r"cassettes/[\w./-]+\.(?:yaml|yml|json)", code))):
        cassette = CASSETTES / Path(name).relative_to("cassettes")
        if cassette.is_file():
            cassette.unlink()
            deleted.append(cassette)
    return deleted


def check(paths: list[Path]) -> int:
    """Run strict nbval on ``paths`` (plugin.py sets the harness); return the exit code."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-sanitize-with",
        str(SANITIZE),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-q",
        *map(str, paths),
    ]
    return subprocess.run(command, cwd=REPO, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Regenerate the named notebooks (default: all), then check them with nbval."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        help="notebooks in notebooks/, by file name, name without .ipynb, number (07) or path",
    )
    parser.add_argument("--no-check", action="store_true", help="do not run nbval afterwards")
    parser.add_argument(
        "--record", action="store_true", help="delete the notebooks' cassettes and record anew"
    )
    args = parser.parse_args(argv)
    everything = tutorials()
    try:
        paths = [find(name, everything) for name in args.notebooks] or everything
    except LookupError as error:
        parser.error(str(error))
    add_navigation(everything)
    for path in paths:
        if args.record:
            for cassette in delete_cassettes(path):
                print(f"{path.name}: deleted {cassette.relative_to(REPO)}", flush=True)
        print(f"{path.name}: executing ...", end=" ", flush=True)
        print(f"{execute(path):.1f} s", flush=True)
    return 0 if args.no_check else check(paths)


if __name__ == "__main__":
    sys.exit(main())
