"""Every third-party import in bearerkit is declared: a core dependency, or an extra's.

A plain `pip install bearerkit` installs only the core list, so a core module that
imports an undeclared or extra-only package breaks for users (tqdm did, in paging).
.ci/check-wheel proves it end to end with the built wheel in a fresh venv.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from bearerkit.scan.config import _toml_loads  # tomllib, or tomli on Python 3.10

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "bearerkit"
PROJECT = _toml_loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# Imported by bearerkit but deliberately in no list, and why.
UNDECLARED = {
    "IPython": "imported only inside a running Jupyter kernel, which always has it",
    "keyring": "used for sign-in tokens when the user installed it; a file store otherwise",
}
# Extra-only packages may be imported only by the modules that need them.
EXTRA_ONLY_IN = {
    "ipywidgets": ("bearerkit/widgets/",),
    "matplotlib": ("bearerkit/widgets/",),
    "pyarrow": ("bearerkit/bulk/",),
    "dlt": ("bearerkit/dlt",),
    "duckdb": ("bearerkit/dlt",),
}


def dist_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\s\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module name -> the bearerkit files importing it (anywhere in the file)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "bearerkit":
                    found.setdefault(top, set()).add(path.relative_to(REPO).as_posix())
    return found


def test_every_import_is_declared_where_it_is_used() -> None:
    core = {dist_name(r) for r in PROJECT["dependencies"]}
    extras = {dist_name(r) for reqs in PROJECT["optional-dependencies"].values() for r in reqs}
    distributions = packages_distributions()
    problems = []
    for module, files in sorted(third_party_imports().items()):
        if module in UNDECLARED:
            continue
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if dists & core:
            continue
        if not dists & extras:
            problems.append(f"{module} ({', '.join(sorted(files))}) is in no dependency list")
            continue
        allowed = EXTRA_ONLY_IN.get(module)
        stray = sorted(f for f in files if not allowed or not f.startswith(allowed))
        if stray:
            problems.append(f"{module} is extra-only but imported by {', '.join(stray)}")
    assert problems == []


def test_paging_progress_needs_no_extra() -> None:
    core = {dist_name(r) for r in PROJECT["dependencies"]}
    assert "tqdm" in core
    assert all(dist_name(r) != "tqdm" for r in PROJECT["optional-dependencies"]["notebook"])
