"""Every tutorial notebook runs with a real-looking token and never leaks it.

Each notebook is executed with nbclient in a fresh kernel, in notebooks/, with
``TMDB_TOKEN`` set to the distinctive fake token and ``TMDB_BASE_URL`` pointing at
a sandbox that accepts it: ``bk.tmdb.connect()`` then takes the "real token" path
over real HTTP. The executed notebook (sources, outputs, metadata, saved widget
state) must not contain the token or either of its secret segments. Nothing is
written back to the repository.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from bearerkit import sandbox
from bearerkit.sandbox import Sandbox

from .conftest import FAKE_TOKEN, REPO

NOTEBOOKS_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 60  # seconds; a stuck cell fails the test instead of hanging it
# The payload and signature segments are what make the token secret; the header
# segment ({"alg": "HS256"}) is shared by every HS256 JWT, so it proves nothing.
SECRET_PARTS = [FAKE_TOKEN, *FAKE_TOKEN.split(".")[1:]]


@pytest.fixture(scope="module")
def token_sandbox() -> Iterator[Sandbox]:
    """A sandbox that accepts only the fake token: it plays the real TMDB."""
    with sandbox.start(token=FAKE_TOKEN) as sb:
        yield sb


def kernel_env(sb: Sandbox) -> dict[str, str]:
    """The developer's environment without bearerkit settings, plus the fake token."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("TMDB_", "OAUTH_", "BEARERKIT_"))
    }
    env["TMDB_TOKEN"] = FAKE_TOKEN
    env["TMDB_BASE_URL"] = sb.url
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def execute(path: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Run a copy of the notebook at ``path`` top to bottom; raise on any cell error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
        store_widget_state=True,  # the saved widget state is checked too
    )
    client.execute(env=env)
    return nb


def test_there_are_five_tutorials() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_with_a_token_and_never_shows_it(path: Path, token_sandbox: Sandbox) -> None:
    before = len(token_sandbox.request_log)
    executed = execute(path, kernel_env(token_sandbox))

    text = json.dumps(executed, ensure_ascii=False)
    for part in SECRET_PARTS:
        assert part not in text, (
            f"{path.name}: the token (or part of it) is in the executed notebook"
        )
    outputs = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs, f"{path.name}: no outputs at all: did it really run?"
    # Only cells tagged raises-exception (deliberate error demos) may show an error.
    unexpected = [
        o
        for cell in executed.cells
        if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", [])
        for o in cell.outputs
        if o.output_type == "error"
    ]
    assert not unexpected, f"{path.name}: {unexpected}"

    code = "\n".join(cell.source for cell in executed.cells if cell.cell_type == "code")
    if "bk.tmdb.connect(" in code:
        # The notebook must really have used the token against our stand-in TMDB.
        handled = token_sandbox.request_log[before:]
        assert handled, f"{path.name}: connect() never reached TMDB_BASE_URL"
        assert all(r.had_auth for r in handled)
        assert {r.status for r in handled} == {200}, f"{path.name}: {handled}"
