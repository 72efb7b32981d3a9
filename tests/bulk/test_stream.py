"""Streaming to Parquet folders: parts in order, the manifest, atomic writes, resume, no secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

import bearerkit as bk
from bearerkit.bulk.stream import MANIFEST
from bearerkit.redact import contains_secret
from bearerkit.sandbox import Sandbox
from tests.bulk.conftest import deleted_id, movie_ids, sent
from tests.conftest import FAKE_TOKEN, REPO


def _paginate(api: bk.Client, **kwargs: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return api.paginate("discover/movie", progress=False, **kwargs)  # type: ignore[arg-type]


def _child_env(sb: Sandbox, folder: Path) -> dict[str, str]:
    """The environment of a child process that streams from ``sb`` into ``folder``."""
    return {
        **os.environ,
        "SB_URL": sb.url,
        "SB_TOKEN": sb.token,
        "FOLDER": str(folder),
        "PYTHONPATH": str(REPO),
    }


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_paginate_to_a_folder_writes_one_part_per_page_and_reads_back_in_order(
    api: bk.Client, tmp_path: Path
) -> None:
    folder = tmp_path / "discover"
    df = _paginate(api, max_pages=5, to=folder)
    plain = _paginate(api, max_pages=5)
    assert df["id"].tolist() == plain["id"].tolist()
    assert _files(folder) == [MANIFEST] + [f"part-{n:08d}.parquet" for n in range(1, 6)]
    assert pd.read_parquet(folder)["id"].tolist() == plain["id"].tolist()
    manifest = json.loads((folder / MANIFEST).read_text())
    assert (manifest["pages"], manifest["rows"], manifest["style"]) == (5, 100, "page_number")
    assert manifest["request"]["path"] == "discover/movie" and manifest["complete"] is False
    assert df.attrs["paging"]["folder"] == str(folder)


def test_duckdb_reads_the_folder_in_order(api: bk.Client, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    folder = tmp_path / "discover"
    df = _paginate(api, max_pages=12, to=folder)
    rows = duckdb.sql(f"select id from read_parquet('{folder}/*.parquet')").fetchall()
    assert [r[0] for r in rows] == df["id"].tolist()


def test_collect_false_returns_the_folder(api: bk.Client, tmp_path: Path) -> None:
    out = _paginate(api, max_pages=2, to=tmp_path / "f", collect=False)
    assert out == tmp_path / "f" and len(pd.read_parquet(out)) == 40


def test_resume_from_a_folder_sends_only_the_missing_pages_and_one_more(
    api: bk.Client, sb: Sandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "discover"
    _paginate(api, max_pages=3, to=folder)
    since = len(sb.request_log)
    with pytest.warns(UserWarning, match=r"wrote 160 records from 8 pages to"):
        df = api.paginate("discover/movie", max_pages=8, resume=str(folder), progress=False)
    pages = sorted(int(r.query.get("page", 1)) for r in sb.request_log[since:])
    assert pages == [1, 4, 5, 6, 7, 8]  # the first page again (style and plan), then the rest
    assert df["id"].tolist() == _paginate(api, max_pages=8)["id"].tolist()
    assert len(_files(folder)) == 9


def test_resume_of_a_sequential_style_continues_from_the_stored_cursor(
    sb: Sandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "slack"
    with bk.Client(sb.styles_url, sb.token) as styles:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            styles.paginate("slack/users.list", {"limit": 5}, max_pages=4, to=folder)
        since = len(sb.request_log)
        df = styles.paginate("slack/users.list", {"limit": 5}, resume=folder, progress=False)
    assert df["id"].tolist() == list(range(1, 58))
    assert len(sb.request_log) - since == 1 + (12 - 4)  # the first page again, then 5..12


def test_a_complete_folder_is_read_back_without_a_request(
    api: bk.Client, sb: Sandbox, tmp_path: Path
) -> None:
    with bk.Client(sb.styles_url, sb.token) as styles:
        styles.paginate("offset/items", to=tmp_path / "o", progress=False)
        since = len(sb.request_log)
        df = styles.paginate("offset/items", resume=tmp_path / "o", progress=False)
    assert df["id"].tolist() == list(range(1, 58)) and len(sb.request_log) == since


def test_a_folder_already_holding_one_page_says_one_page(api: bk.Client, tmp_path: Path) -> None:
    # Issue 20 walk: "(complete, 1 pages, 30 rows)".
    _paginate(api, max_pages=1, to=tmp_path / "one")
    with pytest.raises(bk.FolderError, match=r"\(unfinished, 1 page, 20 rows\)"):
        _paginate(api, max_pages=1, to=tmp_path / "one")


def test_a_folder_of_another_request_is_refused(api: bk.Client, tmp_path: Path) -> None:
    folder = tmp_path / "discover"
    _paginate(api, max_pages=2, to=folder)
    with pytest.raises(bk.FolderError, match="another request"):
        api.paginate("discover/tv", max_pages=2, resume=folder)
    with pytest.raises(bk.FolderError, match="another request"):
        api.paginate("discover/movie", {"with_genres": 35}, max_pages=2, resume=folder)
    with pytest.raises(bk.FolderError, match="already holds a run of this request"):
        _paginate(api, max_pages=2, to=folder)
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.csv").write_text("a,b\n")
    with pytest.raises(bk.FolderError, match="did not write"):
        _paginate(api, max_pages=2, to=other)
    assert issubclass(bk.FolderError, bk.BearerkitError)


_CHILD = """
import os, warnings
import bearerkit as bk
warnings.simplefilter("ignore")
api = bk.Client(os.environ["SB_URL"], os.environ["SB_TOKEN"])
api.paginate("discover/movie", max_pages=80, workers=2, progress=False, to=os.environ["FOLDER"])
"""


def test_a_process_killed_mid_run_leaves_nothing_half_written_and_resumes(
    sb: Sandbox, api: bk.Client, tmp_path: Path
) -> None:
    folder = tmp_path / "discover"
    env = _child_env(sb, folder)
    sb.set_latency(0.08)
    try:
        child = subprocess.Popen([sys.executable, "-c", _CHILD], env=env)
        manifest = folder / MANIFEST
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if json.loads(manifest.read_text()).get("pages", 0) >= 12:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        sb.set_latency(0)
    time.sleep(0.5)  # the killed child's requests in flight end up in the log: not ours
    done = json.loads(manifest.read_text())["pages"]
    assert 12 <= done < 80, "the child finished before it could be killed"
    # What a reader sees now is whole pages only: every part file reads.
    assert len(pd.read_parquet(folder)) % 20 == 0
    since = len(sb.request_log)
    df = _paginate(api, max_pages=80, resume=folder)
    assert len(sb.request_log) - since <= (80 - done) + 1
    assert df["id"].tolist() == _paginate(api, max_pages=80)["id"].tolist()
    assert not [n for n in _files(folder) if n.startswith(".")]  # no temporary file left
    assert len([n for n in _files(folder) if n.startswith("part-")]) == 80


_DIES_WRITING = """
import os, signal, warnings
import pyarrow.parquet as pq
import bearerkit as bk

real, calls = pq.write_table, []

def write_half_then_die(table, where, **kwargs):
    calls.append(where)
    if len(calls) == 6:  # the sixth part: half a file on disk, then the process is killed
        with open(where, "wb") as f:
            f.write(b"PAR1" + b"half a part" * 100)
        os.kill(os.getpid(), signal.SIGKILL)
    return real(table, where, **kwargs)

pq.write_table = write_half_then_die
warnings.simplefilter("ignore")
api = bk.Client(os.environ["SB_URL"], os.environ["SB_TOKEN"])
api.paginate("discover/movie", max_pages=20, workers=1, progress=False, to=os.environ["FOLDER"])
"""


def test_a_process_killed_in_the_middle_of_writing_a_part_leaves_no_half_file(
    sb: Sandbox, api: bk.Client, tmp_path: Path
) -> None:
    folder = tmp_path / "discover"
    env = _child_env(sb, folder)
    done = subprocess.run([sys.executable, "-c", _DIES_WRITING], env=env, timeout=120)
    assert done.returncode == -signal.SIGKILL
    leftovers = [n for n in _files(folder) if n.startswith(".")]
    assert len(leftovers) == 1 and ".tmp" in leftovers[0]  # the half file, under a hidden name
    assert json.loads((folder / MANIFEST).read_text())["pages"] == 5
    assert len(pd.read_parquet(folder)) == 100  # readers see the five whole parts only
    df = _paginate(api, max_pages=20, resume=folder)
    assert df["id"].tolist() == _paginate(api, max_pages=20)["id"].tolist()
    assert not [n for n in _files(folder) if n.startswith(".")]


def test_get_each_to_a_folder_resumes_after_a_failure(
    api: bk.Client, sb: Sandbox, tmp_path: Path
) -> None:
    ids = movie_ids(30)
    values = pd.Series([*ids[:20], deleted_id(), *ids[20:]], name="id")
    folder = tmp_path / "details"
    with pytest.raises(bk.NotFoundError) as caught:
        api.get_each("movie/{}", values, workers=1, progress=False, to=folder)
    assert caught.value.partial["id"].tolist() == ids[:20]  # the folder's rows
    assert pd.read_parquet(folder)["id"].tolist() == ids[:20]
    since = len(sb.request_log)
    df = api.get_each("movie/{}", values.drop(20), progress=False, resume=folder)
    assert sorted(sent(sb, since)) == sorted(f"/3/movie/{i}" for i in ids[20:])
    assert df["id"].tolist() == ids
    assert pd.read_parquet(folder)["id"].tolist() == ids


def test_get_each_collect_false_and_skipped_values_kept_in_the_manifest(
    api: bk.Client, tmp_path: Path
) -> None:
    values = pd.Series([*movie_ids(3), deleted_id()], name="id")
    with pytest.warns(UserWarning, match="left out 1 of 4"):
        out = api.get_each("movie/{}", values, errors="skip", to=tmp_path / "d", collect=False)
    assert out == tmp_path / "d"
    manifest = json.loads((out / MANIFEST).read_text())
    assert [v[1] for v in manifest["skipped"].values()] == [404]
    with pytest.warns(UserWarning, match="left out 1 of 4"):
        df = api.get_each("movie/{}", values, errors="skip", resume=out, progress=False)
    assert df["id"].tolist() == movie_ids(3)


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_no_credential_in_any_file_written(api: bk.Client, sb: Sandbox, tmp_path: Path) -> None:
    assert sb.token == FAKE_TOKEN
    _paginate(api, max_pages=3, to=tmp_path / "p")
    api.get_each("movie/{}", movie_ids(5), to=tmp_path / "e", progress=False)
    with bk.Client(sb.styles_url, sb.token) as styles, pytest.warns(UserWarning):
        styles.paginate("slack/users.list", {"limit": 5}, max_pages=2, to=tmp_path / "s")
    data = _all_bytes(tmp_path)
    assert len(data) > 10_000
    assert FAKE_TOKEN.encode() not in data and not contains_secret(data, [FAKE_TOKEN])


def _echo_server(server: HTTPServer, token: str) -> None:
    """Pages that echo the caller's token in a record, and a secret query parameter."""

    def page(request: Request) -> Response:
        n = int(request.args.get("page", 1))
        body = {
            "page": n,
            "total_pages": 3,
            "results": [{"id": n, "note": f"called with Bearer {token}", "n": n * 1.5}]
            + ([{"id": 100 + n, "extra": "only on page 2"}] if n == 2 else []),
        }
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/api/items").respond_with_handler(page)


def test_echoed_tokens_and_secret_params_stay_out_of_the_folder(
    server: HTTPServer, tmp_path: Path
) -> None:
    _echo_server(server, FAKE_TOKEN)
    folder = tmp_path / "echo"
    with bk.Client(server.url_for("/api"), FAKE_TOKEN) as api:
        df = api.paginate("items", {"api_key": "s3cr3t-api-key-value"}, to=folder, progress=False)
    data = _all_bytes(folder)
    assert FAKE_TOKEN.encode() not in data and b"s3cr3t-api-key-value" not in data
    assert df["note"].iloc[0] == "called with Bearer ***"
    # A column that only page 2 has is in every part (readers take the first file's schema).
    assert df["extra"].isna().tolist() == [True, True, False, True]
    assert df["extra"].iloc[2] == "only on page 2"
    assert df["id"].tolist() == [1, 2, 102, 3]


def test_without_pyarrow_the_error_names_the_extra(
    api: bk.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(bk.BearerkitError, match=r"bearerkit\[parquet\]"):
        _paginate(api, max_pages=2, to=tmp_path / "x")


def test_a_sandbox_on_another_port_is_the_same_api_for_resume(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    ids = movie_ids(6)
    with bk.sandbox.start() as first, bk.Client(first.url, first.token) as api:
        api.get_each("movie/{}", ids[:3], to=folder, progress=False)
    with bk.sandbox.start() as second, bk.Client(second.url, second.token) as api:
        assert second.port != first.port
        df = api.get_each("movie/{}", ids, resume=folder, progress=False)
        assert len(sent(second, 0)) == 3
    assert df["id"].tolist() == ids


def test_the_returned_frame_is_what_pandas_reads_from_the_folder(
    api: bk.Client, tmp_path: Path
) -> None:
    df = _paginate(api, max_pages=3, to=tmp_path / "d")
    back = pd.read_parquet(tmp_path / "d")
    df.attrs = back.attrs = {}
    pd.testing.assert_frame_equal(df, back)


def test_a_streamed_run_hands_every_page_on_and_keeps_none(api: bk.Client) -> None:
    from bearerkit.paging.fetch import paginate
    from bearerkit.paging.page import PageRequest

    pages: list[list[object]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = paginate(
            api._get_page,
            PageRequest("GET", "discover/movie"),
            base_url=api.base_url,
            max_pages=4,
            progress=False,
            on_page=lambda records, _next: pages.append(records),
        )
    assert [len(p) for p in pages] == [20, 20, 20, 20]
    assert run.records == [] and run.info["pages"] == 4


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("github/items", {"per_page": 5}),  # Link header with rel="last": planned
        ("offset/items", {"limit": 5}),  # offset + total: planned
        ("slack/users.list", {"limit": 5}),  # cursor
        ("spotify/search", {"q": "x", "type": "track", "limit": 5}),  # next URL
        ("stripe/customers", {"limit": 5}),  # last id
    ],
)
def test_every_style_resumes_from_its_folder_in_order(
    sb: Sandbox, tmp_path: Path, path: str, params: dict[str, object]
) -> None:
    folder = tmp_path / "f"
    with bk.Client(sb.styles_url, sb.token) as styles:
        whole = styles.paginate(path, params, progress=False)
        with pytest.warns(UserWarning, match="not all of them"):
            styles.paginate(path, params, max_pages=3, to=folder, progress=False)
        since = len(sb.request_log)
        df = styles.paginate(path, params, resume=folder, progress=False)
    assert df["id"].tolist() == whole["id"].tolist() and len(df) == 57
    assert len(sb.request_log) - since <= (12 - 3) + 1
