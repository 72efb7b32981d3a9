"""The tutorial notebooks: what they store, how they are built, and that they never leak a token.

Three kinds of test:

- the stored notebooks, read as files: outputs are what a reader without a token
  sees (the sandbox notice, finished progress bars, no harness switches), no cell
  sleeps, every step of the guide is there and worked (01's status-code branch,
  05's PUT, 06's recording), and the shape of a tutorial (title, prose before every
  code cell, a summary, the generated footer);
- tests/notebooks/regenerate.py and harness.py on small notebooks built here;
- every notebook executed with nbclient with a real-looking token in the
  environment: the token never appears in sources, outputs or widget state.

The strict comparison of stored and fresh outputs is nbval's (``pytest notebooks/``, with
tests/notebooks/plugin.py and sanitize.cfg).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.sandbox import Sandbox

from .conftest import FAKE_TOKEN, REPO
from .notebooks import harness, regenerate

NOTEBOOKS_DIR = REPO / "notebooks"
NOTEBOOKS = regenerate.tutorials()
STORED = {p.name: nbformat.read(p, as_version=4) for p in NOTEBOOKS}
CELL_TIMEOUT = 60  # seconds; a stuck cell fails the test instead of hanging it
MAX_CODE_LINES = 15  # "short cells"
# The payload and signature segments are what make the token secret; the header
# segment ({"alg": "HS256"}) is shared by every HS256 JWT, so it proves nothing.
SECRET_PARTS = [FAKE_TOKEN, *FAKE_TOKEN.split(".")[1:]]
HARNESS_WORDS = ("BEARERKIT_SANDBOX", "BEARERKIT_ENV_FILE", "BEARERKIT_RECORD_MODE")
SLEEP = re.compile(r"\bsleep\s*\(")
TQDM_BAR = re.compile(r"(\d+)%\|[^|\n]*\|\s*(\d+)/(\d+)")


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def output_text(output: dict[str, Any]) -> str:
    """Everything a reader can read in one output: stream text, plain/HTML data, errors."""
    if output["output_type"] == "stream":
        return str(output["text"])
    if output["output_type"] == "error":
        return "\n".join([output["ename"], output["evalue"], *output["traceback"]])
    data = output.get("data", {})
    return "\n".join(
        str(data[k]) for k in ("text/plain", "text/html", "text/markdown") if k in data
    )


def outputs_of(cell: nbformat.NotebookNode) -> str:
    return "\n".join(output_text(o) for o in cell.get("outputs", []))


def cell_with(nb: nbformat.NotebookNode, snippet: str) -> nbformat.NotebookNode:
    """The one code cell whose source contains ``snippet``."""
    found = [c for c in code_cells(nb) if snippet in c.source]
    assert len(found) == 1, f"expected one code cell with {snippet!r}, found {len(found)}"
    return found[0]


def cell_exact(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """The one code cell whose whole source is ``source``."""
    found = [c for c in code_cells(nb) if c.source.strip() == source.strip()]
    assert len(found) == 1, f"expected one code cell {source!r}, found {len(found)}"
    return found[0]


def test_the_tutorials_are_numbered_without_gaps() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{n:02d}_" for n in range(1, len(NOTEBOOKS) + 1)]
    names = {p.name for p in NOTEBOOKS}
    assert {"06_your_own_api.ipynb", "07_signing_in.ipynb"} <= names


# -- what the stored notebooks show ---------------------------------------------------


@pytest.mark.parametrize("name", STORED)
def test_stored_outputs_are_what_a_reader_without_a_token_sees(name: str) -> None:
    nb = STORED[name]
    text = "\n".join(outputs_of(c) for c in code_cells(nb))
    assert text.strip(), f"{name}: no stored outputs: run tests/notebooks/regenerate.py"
    for word in HARNESS_WORDS:
        assert word not in text, f"{name}: a stored output mentions the test switch {word}"
    assert str(harness.NO_ENV_FILE) not in text
    assert "sandbox=True" not in text
    # Nothing of the machine the outputs were made on: no checkout, no installed package.
    everything = json.dumps([c.get("outputs", []) for c in code_cells(nb)] + [nb.metadata])
    home = str(Path.home())
    for place in (str(REPO), "site-packages", *([home + "/"] if home != "/" else [])):
        assert place not in everything, f"{name}: a stored output shows {place}"
    if any(connects_automatically(c.source) for c in code_cells(nb)):
        assert "bearerkit: no TMDB_TOKEN found, using the embedded TMDB sandbox" in text


def connects_automatically(source: str) -> bool:
    """``bk.tmdb.connect(`` without pinning the sandbox: a token in .env must reach TMDB."""
    return "bk.tmdb.connect(" in source and 'backend="sandbox"' not in source


@pytest.mark.parametrize("name", STORED)
def test_every_code_cell_ran_and_only_deliberate_errors_are_stored(name: str) -> None:
    for number, cell in enumerate(code_cells(STORED[name]), start=1):
        assert cell.execution_count == number, f"{name}: code cell {number} did not run in order"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" not in cell.metadata.get("tags", []):
            assert not errors, f"{name}: code cell {number} stored an error: {errors}"


@pytest.mark.parametrize("name", STORED)
def test_no_notebook_sleeps(name: str) -> None:
    for cell in code_cells(STORED[name]):
        assert not SLEEP.search(cell.source), f"{name}: a cell sleeps:\n{cell.source}"


@pytest.mark.parametrize("name", STORED)
def test_stored_progress_bars_are_finished(name: str) -> None:
    nb = STORED[name]
    for cell in code_cells(nb):
        for match in TQDM_BAR.finditer(outputs_of(cell)):
            percent, done, total = map(int, match.groups())
            assert (percent, done) == (100, total), f"{name}: unfinished bar {match[0]!r}"
    for model in regenerate.widget_state(nb).values():
        if model["model_name"] in ("FloatProgressModel", "IntProgressModel"):
            assert model["state"]["value"] == model["state"]["max"], f"{name}: {model}"


def test_04_shows_a_finished_progress_bar_and_removes_its_folder() -> None:
    nb = STORED["04_genre_analysis.ipynb"]
    assert TQDM_BAR.search(outputs_of(cell_with(nb, 'tmdb.discover("movie", pages=5)')))
    assert "mkdtemp" not in "\n".join(c.source for c in code_cells(nb))
    assert outputs_of(cell_with(nb, "workdir.cleanup()")).strip() == "False"


def test_01_follows_the_guide_step_by_step() -> None:
    nb = STORED["01_bearer_token_basics.ipynb"]
    request = cell_with(
        nb, 'requests.get(url, headers={"Authorization": f"Bearer {token.value}"}, timeout=10)'
    )
    assert outputs_of(request).strip() == "200"
    branches = [
        c
        for c in code_cells(nb)
        if "if response.status_code == 200:" in c.source
        # As the guide writes it (ruff's formatter turns its quotes double).
        and "print('Error:', response.status_code)" in c.source.replace('"', "'")
    ]
    assert len(branches) == 2, "the guide's status-code branch, taken both ways"
    assert "'name': 'Action'" in outputs_of(branches[0])
    assert outputs_of(branches[1]).strip() == "Error: 404"
    raised = outputs_of(cell_with(nb, "response.raise_for_status()"))
    assert raised.startswith("404 Client Error: Not Found for url:")
    client = cell_with(nb, "bk.Client(sb.url, token)")
    assert "Action" in outputs_of(client)


def test_01_shows_load_token_failing_and_succeeding_from_a_temporary_env_file() -> None:
    nb = STORED["01_bearer_token_basics.ipynb"]
    failing = outputs_of(cell_with(nb, 'bk.load_token("DEMO_API_TOKEN"'))
    assert "DEMO_API_TOKEN is not set" in failing
    loading = cell_with(nb, 'bk.load_token("SANDBOX_TOKEN", env_file=env_file)')
    assert "with tempfile.TemporaryDirectory() as project:" in loading.source
    assert outputs_of(loading).strip() == "SANDBOX_TOKEN in <temporary folder>/.env"


def test_03_watches_a_renewal_on_a_hand_moved_clock() -> None:
    nb = STORED["03_obtaining_a_token.ipynb"]
    assert any("clock=clock" in c.source for c in code_cells(nb))
    assert outputs_of(cell_with(nb, "clock.now += 3600")).strip() == ""
    renewed = cell_exact(nb, 'timed_client.get("authentication")["success"], timed.token_count')
    assert outputs_of(renewed).strip() == "(True, 2)"


def test_05_renames_a_v4_list_with_a_real_put_and_deletes_it() -> None:
    nb = STORED["05_writing_data.ipynb"]
    assert "'status_code': 1" in outputs_of(cell_with(nb, 'lists.post("list"'))
    put = outputs_of(cell_with(nb, 'lists.put(f"list/{list_id}"'))
    assert "'success': True" in put and "'status_code': 12" in put
    details = outputs_of(cell_with(nb, 'details["name"]'))
    assert details.strip() == "('Weekend films', 'Short ones first', 0)"
    added = outputs_of(cell_with(nb, 'lists.post(f"list/{list_id}/items"'))
    assert added.count("'success': True") == 3
    assert outputs_of(cell_with(nb, 'lists.delete(f"list/{list_id}/items"')).strip() == "2"
    assert "'status_code': 13" in outputs_of(cell_exact(nb, 'lists.delete(f"list/{list_id}")'))
    gone = outputs_of(
        cell_with(nb, "except bk.NotFoundError as err:\n    print(err.status_code, err.api_code")
    )
    assert gone.startswith("404 34 ")


def test_06_detects_three_paging_styles_and_replays_its_cassette() -> None:
    nb = STORED["06_your_own_api.ipynb"]
    styles = {
        "items = api.paginate(": "link_header",
        "tracks = api.paginate(": "next_url",
        "rows = api.paginate(": "cursor",
    }
    for snippet, style in styles.items():
        shown = outputs_of(cell_with(nb, snippet))
        assert "(57, 9)" in shown, f"{snippet}: {shown}"  # owner.* flattened, labels, dates
        if snippet != "items = api.paginate(":
            assert repr(style) in shown, f"{snippet}: {shown}"
    paging = outputs_of(cell_exact(nb, 'items.attrs["paging"]'))
    assert "'complete': True" in paging and "'records': 57" in paging
    assert "Pass a paginator" in outputs_of(cell_with(nb, 'api.paginate("unknown/items")'))
    assert "(False, 20)" in outputs_of(cell_with(nb, "max_pages=2"))
    assert outputs_of(cell_with(nb, "for _ in range(8):")).strip() == "Counter({200: 8})"
    assert "57 rows" in outputs_of(cell_exact(nb, "explorer.status"))
    code = outputs_of(cell_exact(nb, "print(explorer.code)"))
    assert "with bk.sandbox.start() as sb" in code and "127.0.0.1" not in code
    assert "404" in outputs_of(cell_exact(nb, "broken.error"))
    dated = outputs_of(cell_with(nb, 'parse_dates="auto"'))
    assert "owner.login" in dated and "2024-01-08 10:07:00+00:00" in dated
    assert "datetime64" in outputs_of(cell_with(nb, "dtypes"))
    assert outputs_of(cell_with(nb, 'record_path="tracks.items"')).strip() == "True"
    # The committed cassette is replayed: the sandbox sees none of the recorded requests.
    assert outputs_of(cell_with(nb, 'use_cassette(CASSETTE, record_mode="once")')).endswith(
        "((57, 9), 0)"
    )
    assert outputs_of(cell_with(nb, "replayed.equals(recorded)")).strip().endswith("\nTrue")
    miss = outputs_of(cell_with(nb, "except bk.CassetteError as err:"))
    assert "nothing was sent" in miss and "cassettes/06_your_own_api.yaml" in miss


def test_06_each_explorer_shows_what_its_own_cell_did() -> None:
    """After Run All, the first explorer shows its table and no error a later cell caused."""
    nb = STORED["06_your_own_api.ipynb"]
    state = regenerate.widget_state(nb)
    for source, has_error in (("explorer = bk.widgets.ApiExplorer(", False), ("broken = ", True)):
        (view,) = [
            o["data"][regenerate.WIDGET_VIEW]["model_id"]
            for o in cell_with(nb, source).outputs
            if regenerate.WIDGET_VIEW in o.get("data", {})
        ]
        models = _models_under(state, view)
        errors = [m["value"] for m in models if "bk-error" in m.get("_dom_classes", [])]
        assert len(errors) == 1 and bool(errors[0]) is has_error, (source, errors)
        if not has_error:
            assert "Not Found" not in json.dumps(models) and "failed" not in json.dumps(models)
    for cell in code_cells(nb)[code_cells(nb).index(cell_with(nb, "explorer = bk.")) + 1 :]:
        assert not re.search(r"\bexplorer\.\w+(\.value)? *=|explorer\.fetch\(", cell.source), (
            f"a later cell changes the displayed explorer:\n{cell.source}"
        )


def _models_under(state: dict[str, Any], model_id: str) -> list[dict[str, Any]]:
    """The saved states of ``model_id`` and every model it refers to."""
    found: list[dict[str, Any]] = []
    todo, seen = [model_id], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in state:
            continue
        seen.add(current)
        found.append(state[current]["state"])
        todo.extend(regenerate._references(state[current]["state"]))
    return found


def test_01_speaks_to_the_reader_and_its_error_shows_no_machine_path() -> None:
    nb = STORED["01_bearer_token_basics.ipynb"]
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "notebook tests" not in prose and "nbval" not in prose
    failing = cell_with(nb, 'bk.Client(sb.url, "not-a-real-token")')
    (error,) = [o for o in failing.outputs if o.output_type == "error"]
    assert error.ename == "AuthError" and "401" in error.evalue
    assert not any("File " in line or ".py" in line for line in error.traceback)


def test_06_cassette_is_committed_and_holds_no_credential() -> None:
    cassettes = sorted(harness.CASSETTES.glob("*.yaml"))
    assert [p.name for p in cassettes] == ["06_your_own_api.yaml"]
    text = cassettes[0].read_text(encoding="utf-8")
    assert "interactions:" in text
    assert "Authorization" not in text and "Bearer" not in text
    assert bk.scan(cassettes[0]) == []


def test_07_signs_in_refreshes_once_and_writes_nothing_to_the_users_data_folder() -> None:
    nb = STORED["07_signing_in.ipynb"]
    logins = [c.source for c in code_cells(nb) if "Login(" in c.source]
    assert len(logins) == 3
    # CI must not leave a sign-in in the real per-user store (store=True is the default).
    assert all("store=store_path" in s or "store=False" in s for s in logins), logins
    assert "tempfile.mkdtemp()" in cell_with(nb, "store_path = ").source
    assert outputs_of(cell_exact(nb, "login.status")).strip() == "'pending'"
    assert "'signed_in'" in outputs_of(cell_with(nb, "login.wait(timeout="))
    assert "'username': 'sandbox-user'" in outputs_of(cell_with(nb, "me = bk.Client("))
    refreshes = cell_exact(nb, "sb.token_requests - before, login.refresh_count")
    assert outputs_of(refreshes).strip() == "(1, 1)"
    assert "('signed_in', 0)" in outputs_of(cell_with(nb, "tomorrow.start()"))
    assert outputs_of(cell_with(nb, "tomorrow.forget()")).strip() == "(True, False)"
    # The one-time code in the address the browser ended on is never shown.
    assert "code=" not in "\n".join(outputs_of(c) for c in code_cells(nb))


# -- the shape of a tutorial -------------------------------------------------------------


@pytest.mark.parametrize("name", STORED)
def test_tutorial_shape(name: str) -> None:
    cells = STORED[name].cells
    first = cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    purpose = first.source.split("\n", 1)[1].strip()
    assert purpose.startswith("This notebook ") and "\n" not in purpose, (
        f"{name}: the title is followed by one sentence on what the notebook teaches"
    )
    for before, cell in itertools.pairwise(cells):
        if cell.cell_type == "code":
            assert before.cell_type == "markdown", f"{name}: no prose before\n{cell.source}"
            lines = len(cell.source.splitlines())
            assert lines <= MAX_CODE_LINES, f"{name}: a {lines}-line cell\n{cell.source}"
    assert cells[-2].cell_type == "markdown" and "## Summary" in cells[-2].source


@pytest.mark.parametrize("index", range(len(NOTEBOOKS)))
def test_navigation_footer_is_the_generated_one(index: int) -> None:
    path = NOTEBOOKS[index]
    footer = STORED[path.name].cells[-1]
    assert footer.get("id") == regenerate.FOOTER_ID
    assert footer.source == regenerate.footer_text(NOTEBOOKS, index)
    others = "\n".join(c.source for c in STORED[path.name].cells[:-1])
    assert not re.search(r"^(Next|Previous):", others, re.MULTILINE), "typed by hand"


def test_footers_link_neighbours_by_title() -> None:
    middle = regenerate.footer_text(NOTEBOOKS, 1)
    assert "Previous: [Bearer tokens: the basics](01_bearer_token_basics.ipynb)" in middle
    assert "Next: [" in middle and "(03_obtaining_a_token.ipynb)" in middle
    assert "Previous" not in regenerate.footer_text(NOTEBOOKS, 0)
    assert "Next" not in regenerate.footer_text(NOTEBOOKS, len(NOTEBOOKS) - 1)


# -- regenerate.py and harness.py --------------------------------------------------------


def test_harness_env_drops_credentials_and_switches_and_finds_no_env_file() -> None:
    env = harness.kernel_env(
        {"TMDB_TOKEN": "x", "OAUTH_CLIENT_SECRET": "y", "BEARERKIT_SANDBOX": "1", "HOME": "/h"}
    )
    assert env["HOME"] == "/h"
    assert not {"TMDB_TOKEN", "OAUTH_CLIENT_SECRET", "BEARERKIT_SANDBOX"} & set(env)
    assert env["BEARERKIT_RECORD_MODE"] == "none"
    assert not Path(env["BEARERKIT_ENV_FILE"]).exists()
    assert "BEARERKIT_RECORD_MODE" not in harness.kernel_env({}, record=True)


def test_nbval_kernels_start_in_the_harness_environment() -> None:
    """The plugin pyproject loads gives nbval's kernel the harness env, not the shell's."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "import os\nprint(os.environ.get('BEARERKIT_RECORD_MODE'), 'TMDB_TOKEN' in os.environ)"
    )
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="none False\n")]
    cell.execution_count = 1
    nb.cells = [cell]
    env = {**os.environ, "TMDB_TOKEN": FAKE_TOKEN, "BEARERKIT_RECORD_MODE": "all"}
    # Not under tmp_path: pytest does not collect from its own base temporary folder.
    with tempfile.TemporaryDirectory(prefix="bearerkit-nbval-") as folder:
        probe = Path(folder) / "probe.ipynb"
        nbformat.write(nb, probe)
        command = [sys.executable, "-m", "pytest", "-c", "pyproject.toml", "--rootdir", "."]
        command += ["-p", "no:cacheprovider", "-q", str(probe)]
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_regenerate_finds_a_notebook_by_number_name_or_path() -> None:
    paths = [Path("notebooks/01_a.ipynb"), Path("notebooks/07_b_c.ipynb")]
    for name in ("07", "07_b_c", "07_b_c.ipynb", "notebooks/07_b_c.ipynb"):
        assert regenerate.find(name, paths) == paths[1]
    with pytest.raises(LookupError, match=r"01_a\.ipynb"):
        regenerate.find("09", paths)


def _bar_notebook() -> nbformat.NotebookNode:
    """A notebook as nbclient stores one tqdm bar: 0% text, final widget state."""
    ids = ["a" * 32, "b" * 32, "c" * 32, "d" * 32]
    models = {
        ids[0]: ("HBoxModel", {"children": [f"IPY_MODEL_{i}" for i in ids[1:]]}),
        ids[1]: ("HTMLModel", {"value": "pages: 100%"}),
        ids[2]: ("FloatProgressModel", {"value": 5.0, "max": 5.0}),
        ids[3]: ("HTMLModel", {"value": " 5/5 [00:01&lt;00:00,  4.1page/s]"}),
    }
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("df = client.paginate('x')")
    cell.id = "bar-cell"
    view = {"model_id": ids[0], "version_major": 2, "version_minor": 0}
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": view,
                "text/plain": "pages:   0%|          | 0/5 [00:00<?, ?page/s]",
            },
        )
    ]
    cell.execution_count = 1
    nb.cells = [cell]
    nb.metadata["widgets"] = {
        regenerate.WIDGET_STATE: {
            "state": {
                i: {
                    "model_name": name,
                    "model_module": "m",
                    "model_module_version": "2",
                    "state": s,
                }
                for i, (name, s) in models.items()
            },
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return nb


def test_finish_progress_bars_stores_the_final_text() -> None:
    nb = _bar_notebook()
    regenerate.finish_progress_bars(nb)
    text = nb.cells[0].outputs[0].data["text/plain"]
    assert text == "pages: 100%|██████████| 5/5 [00:01<00:00,  4.1page/s]"


def test_stable_widget_ids_are_the_same_for_two_runs_with_different_random_ids() -> None:
    first = regenerate.stable_widget_ids(_bar_notebook(), "demo")
    second_input = nbformat.writes(_bar_notebook())
    for old, new in zip("abcd", "9876", strict=True):
        second_input = second_input.replace(old * 32, new * 32)
    second = regenerate.stable_widget_ids(nbformat.reads(second_input, as_version=4), "demo")
    assert nbformat.writes(first) == nbformat.writes(second)
    assert "a" * 32 not in nbformat.writes(first)
    shown = first.cells[0].outputs[0].data["application/vnd.jupyter.widget-view+json"]
    assert shown["model_id"] in regenerate.widget_state(first)


def test_set_footer_replaces_the_old_footer() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T\n\nThis notebook teaches x.")]
    regenerate.set_footer(nb, "old")
    regenerate.set_footer(nb, "new")
    assert [c.source for c in nb.cells] == ["# T\n\nThis notebook teaches x.", "new"]
    assert nb.cells[-1].metadata["tags"] == [regenerate.FOOTER_TAG]


# -- a real-looking token never leaks -------------------------------------------------------


@pytest.fixture(scope="module")
def token_sandbox() -> Iterator[Sandbox]:
    """A sandbox that accepts only the fake token: it plays the real TMDB."""
    with sandbox.start(token=FAKE_TOKEN) as sb:
        yield sb


def token_env(sb: Sandbox) -> dict[str, str]:
    """The harness environment plus the fake token, as a developer with a .env has it."""
    env = harness.kernel_env(os.environ)
    env["TMDB_TOKEN"] = FAKE_TOKEN
    env["TMDB_BASE_URL"] = sb.url
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_with_a_token_and_never_shows_it(path: Path, token_sandbox: Sandbox) -> None:
    before = len(token_sandbox.request_log)
    executed = execute(path, token_env(token_sandbox))

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
    if connects_automatically(code):
        # The notebook must really have used the token against our stand-in TMDB.
        handled = token_sandbox.request_log[before:]
        assert handled, f"{path.name}: connect() never reached TMDB_BASE_URL"
        assert all(r.had_auth for r in handled)
        assert {r.status for r in handled} == {200}, f"{path.name}: {handled}"
