"""Which files are read and how: notebook parts, cassettes, and what is never opened."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import new_markdown_cell, new_output

from bearerkit.scan import scan
from tests.scan.fakes import (
    ENV_SECRET,
    JWT,
    OPAQUE,
    PROVIDER_FAKES,
    PROVIDER_IDS,
    V3_KEY,
    code_cell,
    mask,
    write,
    write_nb,
)

# --- notebooks -------------------------------------------------------------------------


def test_finds_a_jwt_in_a_source_cell(proj: Path) -> None:
    nb = write_nb(
        proj / "x.ipynb",
        [new_markdown_cell("# Title"), code_cell(f"import bearerkit\ntoken = '{JWT}'")],
    )
    [finding] = scan(nb)
    assert (finding.path, finding.cell, finding.where, finding.line, finding.kind) == (
        nb,
        2,
        "source",
        2,
        "jwt",
    )


@pytest.mark.parametrize(
    ("output", "kind", "secret"),
    [
        (new_output("stream", name="stdout", text=f"token is {JWT}\n"), "jwt", JWT),
        (
            new_output("execute_result", data={"text/plain": f"'{JWT}'"}, execution_count=1),
            "jwt",
            JWT,
        ),
        (
            new_output(
                "display_data",
                data={"text/html": f"<td>Bearer {OPAQUE}</td>", "text/plain": "<table>"},
            ),
            "bearer",
            OPAQUE,
        ),
        (
            new_output("display_data", data={"text/markdown": f"`Bearer {OPAQUE}`"}),
            "bearer",
            OPAQUE,
        ),
        (
            new_output(
                "display_data",
                data={"application/json": {"headers": {"Authorization": f"Bearer {OPAQUE}"}}},
            ),
            "bearer",
            OPAQUE,
        ),
        (
            # IPython stores a traceback as frames without trailing newlines, in ANSI colour.
            new_output(
                "error",
                ename="HTTPError",
                evalue="401 Client Error",
                traceback=[
                    "\x1b[0;31mHTTPError\x1b[0m                  Traceback",
                    "headers = {'Authorization': 'Bearer \x1b[1m" + OPAQUE,
                    "Cell In[2], line 1",
                ],
            ),
            "bearer",
            OPAQUE,
        ),
        (
            new_output(
                "error",
                ename="HTTPError",
                evalue=f"401 for url: https://api.themoviedb.org/3/movie/550?api_key={V3_KEY}",
                traceback=[],
            ),
            "tmdb_v3_key",
            V3_KEY,
        ),
    ],
    ids=["stream", "text-plain", "text-html", "text-markdown", "json", "traceback", "evalue"],
)
def test_finds_secrets_in_outputs(proj: Path, output: Any, kind: str, secret: str) -> None:
    nb = write_nb(proj / "x.ipynb", [code_cell(), code_cell("run()", [output])])
    [finding] = scan(nb)
    assert (finding.cell, finding.where, finding.line, finding.kind) == (2, "output", None, kind)
    assert finding.preview == mask(secret)


def _raw_notebook(path: Path, cell: dict[str, Any]) -> Path:
    """A notebook written as Jupyter may store it: multi-line strings as lists."""
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    return write(path, json.dumps(nb, indent=1))


@pytest.mark.parametrize(
    "part",
    ["stream", "text-plain", "text-html", "source", "attachment"],
)
def test_a_token_split_across_list_items_is_found(proj: Path, part: str) -> None:
    # Jupyter displays "".join(items); a token cut between two items must be found.
    cut = len(JWT) // 2
    pieces = [f"token = {JWT[:cut]}", f"{JWT[cut:]}\n", "done\n"]
    cell: dict[str, Any] = {
        "cell_type": "code",
        "id": "c1",
        "metadata": {},
        "execution_count": 1,
        "source": "x",
        "outputs": [],
    }
    if part == "stream":
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": pieces}]
    elif part == "source":
        cell["source"] = pieces
    elif part == "attachment":
        cell = {**cell, "cell_type": "markdown", "attachments": {"a.txt": {"text/plain": pieces}}}
        del cell["outputs"], cell["execution_count"]
    else:
        mime = "text/plain" if part == "text-plain" else "text/html"
        data = {mime: pieces}
        cell["outputs"] = [{"output_type": "display_data", "data": data, "metadata": {}}]
    [finding] = scan(_raw_notebook(proj / "split.ipynb", cell))
    assert (finding.kind, finding.preview) == ("jwt", mask(JWT))


def test_traceback_frames_do_not_run_together(proj: Path) -> None:
    # Frames are joined with newlines, as IPython prints them: the tail of one frame and
    # the head of the next must not form a value (here: an .env secret).
    write(proj / ".env", f"MY_API_SECRET={ENV_SECRET}\n")
    head, tail = ENV_SECRET[:12], ENV_SECRET[12:]
    error = {"output_type": "error", "ename": "E", "evalue": "e", "traceback": [head, tail]}
    cell = {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1}
    nb = _raw_notebook(proj / "tb.ipynb", {**cell, "source": "x", "outputs": [error]})
    assert scan(nb) == []


def test_a_secret_shown_as_text_and_html_is_reported_once(proj: Path) -> None:
    data = {"text/plain": f"'{JWT}'", "text/html": f"<pre>{JWT}</pre>"}
    nb = write_nb(proj / "x.ipynb", [code_cell("t", [new_output("display_data", data=data)])])
    assert len(scan(nb)) == 1


def test_finds_secrets_in_widget_state_and_metadata(proj: Path) -> None:
    widget_state = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"abc123": {"model_name": "TextModel", "state": {"value": JWT}}},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    cell = code_cell()
    cell.metadata["tmdb"] = {"api_key": V3_KEY}
    nb = write_nb(proj / "x.ipynb", [cell], metadata={"widgets": widget_state})
    found = {(f.cell, f.where, f.kind) for f in scan(nb)}
    assert found == {(None, "metadata", "jwt"), (1, "metadata", "tmdb_v3_key")}


def test_md5_sums_under_a_bare_key_name_are_not_tmdb_keys(proj: Path) -> None:
    rows = [{"key": hashlib.md5(str(n).encode()).hexdigest(), "n": n} for n in range(12)]
    out = new_output("execute_result", data={"application/json": rows}, execution_count=1)
    cell = code_cell("rows", [out])
    cell.metadata["cache"] = {"key": hashlib.md5(b"meta").hexdigest()}
    nb = write_nb(proj / "hashes.ipynb", [cell])
    assert scan(nb) == []


def test_finds_secrets_in_cell_attachments(proj: Path) -> None:
    cell = new_markdown_cell("![note](attachment:note.txt)")
    cell.attachments = {"note.txt": {"text/plain": f"Bearer {OPAQUE}"}}
    nb = write_nb(proj / "x.ipynb", [cell])
    [finding] = scan(nb)
    assert (finding.cell, finding.where, finding.kind) == (1, "source", "bearer")


@pytest.mark.parametrize("mime", ["image/png", "image/jpeg"])
def test_base64_images_are_not_searched(proj: Path, mime: str) -> None:
    payload = base64.b64encode(hashlib.sha512(b"pixels").digest() * 200).decode()
    # If image payloads were searched, this .env value (a slice of it) would be found.
    write(proj / ".env", f"MY_PLOT_TOKEN={payload[100:140]}\n")
    image = new_output("display_data", data={mime: payload, "text/plain": "<Figure>"})
    nb = write_nb(proj / "plot.ipynb", [code_cell("plot()", [image])])
    assert scan(nb) == []
    as_text = new_output("display_data", data={"text/plain": payload})
    write_nb(proj / "plot.ipynb", [code_cell("plot()", [as_text])])
    assert [f.kind for f in scan(nb)] == ["env_value"]


def test_a_broken_notebook_is_scanned_as_text(proj: Path) -> None:
    nb = write(proj / "broken.ipynb", '{"cells": [\n  "token = ' + JWT + '"\n')
    [finding] = scan(nb)
    assert (finding.where, finding.line, finding.kind) == ("file", 2, "jwt")


@pytest.mark.parametrize(("kind", "token"), PROVIDER_FAKES, ids=PROVIDER_IDS)
def test_finds_provider_tokens_in_notebook_outputs(proj: Path, kind: str, token: str) -> None:
    out = new_output("stream", name="stdout", text=f"client ready: {token}\n")
    [finding] = scan(write_nb(proj / "x.ipynb", [code_cell("go()", [out])]))
    assert (finding.where, finding.kind, finding.preview) == ("output", kind, mask(token))


# --- cassettes -------------------------------------------------------------------------


def _cassette(token: str) -> dict[str, Any]:
    """An interaction as vcrpy records it: the token echoed in a header and a body."""
    return {
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "https://api.example.com/v1/me",
                    "body": None,
                    "headers": {"Accept": ["application/json"]},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Type": ["application/json"]},
                    "body": {"string": json.dumps({"user": "me", "echo": f"\n{token}"})},
                },
            }
        ],
        "version": 1,
    }


@pytest.mark.parametrize(("kind", "token"), PROVIDER_FAKES, ids=PROVIDER_IDS)
@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_finds_provider_tokens_in_cassettes(proj: Path, kind: str, token: str, suffix: str) -> None:
    yaml = pytest.importorskip("yaml")
    data = _cassette(token)
    text = json.dumps(data, indent=2) if suffix == ".json" else yaml.safe_dump(data)
    path = write(proj / "tests" / "cassettes" / f"me{suffix}", text)
    [finding] = scan(proj)
    assert (finding.path, finding.where, finding.kind) == (path, "file", kind)
    assert finding.preview == mask(token)


# --- what is walked and what is read ----------------------------------------------------


def test_directories_are_walked_and_tool_folders_skipped(proj: Path) -> None:
    skipped = [
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".ipynb_checkpoints",
        "demo.egg-info",
        "build",
        "dist",
    ]
    for folder in skipped:
        write(proj / folder / "leak.txt", f"{JWT}\n")
    write(proj / "src" / "pkg" / "leak.txt", f"{JWT}\n")
    assert [f.path for f in scan(proj)] == [proj / "src" / "pkg" / "leak.txt"]


def test_binary_undecodable_and_huge_files_are_skipped(proj: Path) -> None:
    (proj / "data.bin").write_bytes(b"\x00\x01" + JWT.encode())
    (proj / "latin1.txt").write_bytes(b"caf\xe9 " + JWT.encode())
    write(proj / "big.txt", f"{JWT}\n" + "x" * 2000)
    write(proj / "small.txt", f"{JWT}\n")
    write_nb(proj / "big.ipynb", [code_cell(f"t = '{JWT}'\n" + "#" * 2000)])
    found = scan(proj, max_file_bytes=1000, max_notebook_bytes=1000)
    assert [f.path.name for f in found] == ["small.txt"]
    both = scan(proj, max_file_bytes=10_000, max_notebook_bytes=10_000)
    assert [f.path.name for f in both] == ["big.ipynb", "big.txt", "small.txt"]


def _run_with_deadline(seconds: float, func: Any) -> Any:
    """Run ``func`` in a daemon thread; fail (not hang) when it takes too long."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(func()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"scan still running after {seconds} s"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_the_tree_is_skipped_not_opened(proj: Path) -> None:
    os.mkfifo(proj / "pipe.txt")
    write(proj / "leak.txt", f"{JWT}\n")
    found = _run_with_deadline(10, lambda: scan(proj))
    assert [f.path.name for f in found] == ["leak.txt"]
    # Named explicitly, as pre-commit would, it is skipped too.
    assert _run_with_deadline(10, lambda: scan(proj / "pipe.txt")) == []


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_symlink_to_dev_zero_is_skipped(proj: Path) -> None:
    (proj / "zeros.txt").symlink_to("/dev/zero")
    write(proj / "leak.txt", f"{JWT}\n")
    found = _run_with_deadline(10, lambda: scan(proj))
    assert [f.path.name for f in found] == ["leak.txt"]
    assert _run_with_deadline(10, lambda: scan(proj / "zeros.txt")) == []


def test_symlinks_are_not_followed_out_of_the_tree(proj: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "private.txt", f"{JWT}\n")
    (tmp_path / "outside" / "more").mkdir()
    write(tmp_path / "outside" / "more" / "deep.txt", f"{JWT}\n")
    (proj / "private.txt").symlink_to(outside)
    (proj / "folder").symlink_to(tmp_path / "outside" / "more", target_is_directory=True)
    (proj / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    write(proj / "clean.txt", "nothing\n")
    assert scan(proj) == []


def test_a_symlink_inside_the_tree_is_read_once(proj: Path) -> None:
    real = write(proj / "docs" / "notes.md", f"{JWT}\n")
    (proj / "notes-link.md").symlink_to(real)
    assert len(scan(proj)) == 1
    assert [f.path for f in scan(proj / "notes-link.md")] == [proj / "notes-link.md"]
