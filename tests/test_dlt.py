"""bearerkit.dlt: dlt pipelines over paginate and get_each, end to end, offline from a cassette."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bearerkit as bk
from bearerkit.sandbox import Sandbox
from tests.bulk.conftest import movie_ids

dlt = pytest.importorskip("dlt")
import bearerkit.dlt as bkdlt  # noqa: E402  (after the skip: it needs dlt)


@pytest.fixture(autouse=True)
def quiet_dlt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No telemetry (a request to another host), and dlt's state under the test's folder."""
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))


def _pipeline(tmp_path: Path, name: str) -> Any:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"),
        dataset_name="data",
    )


def _count(pipeline: Any, table: str) -> int:
    with pipeline.sql_client() as client:
        return int(client.execute_sql(f"select count(*) from {table}")[0][0])


def _ids(pipeline: Any, table: str) -> list[Any]:
    with pipeline.sql_client() as client:
        return [r[0] for r in client.execute_sql(f"select id from {table} order by _dlt_id")]


@pytest.fixture
def sb(shared_sandbox: Sandbox) -> Sandbox:
    return shared_sandbox


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[Path]:
    """A cassette of the discover listing (3 pages) and the styles' 57 records, then no server."""
    tape = tmp_path / "cassettes" / "dlt.yaml"
    with bk.sandbox.start() as sb, bk.use_cassette(tape):
        tmdb = bk.Client(sb.url, sb.token)
        with pytest.warns(UserWarning, match="max_pages=3"):
            tmdb.paginate("discover/movie", max_pages=3, progress=False)
        styles = bk.Client(sb.styles_url, sb.token)
        styles.paginate("github/items", {"per_page": 10}, progress=False)
    yield tape


def test_a_pipeline_loads_discover_and_styles_from_a_cassette_with_no_network(
    recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEARERKIT_RECORD_MODE", "none")  # replay only: nothing may be sent
    # The sandbox is stopped: nothing listens there any more.
    with bk.use_cassette(recorded):
        tmdb = bk.Client("http://127.0.0.1:9/3", "replayed")
        styles = bk.Client("http://127.0.0.1:9/styles", "replayed")
        pipeline = _pipeline(tmp_path, "offline")
        with pytest.warns(UserWarning, match="max_pages=3"):
            pipeline.run(bkdlt.resource(tmdb, "discover/movie", max_pages=3, primary_key="id"))
        pipeline.run(bkdlt.resource(styles, "github/items", params={"per_page": 10}))
    assert _count(pipeline, "discover_movie") == 60
    assert _count(pipeline, "github_items") == 57
    assert sorted(_ids(pipeline, "github_items")) == list(range(1, 58))


def test_each_resource_loads_details_in_batches(sb: Sandbox, tmp_path: Path) -> None:
    ids = movie_ids(7)
    with bk.Client(sb.url, sb.token) as api:
        pipeline = _pipeline(tmp_path, "details")
        pipeline.run(bkdlt.each_resource(api, "movie/{}", ids, name="details", batch=3))
    assert sorted(_ids(pipeline, "details")) == sorted(ids)


def test_resource_names_default_to_the_path_and_take_dlt_options(sb: Sandbox) -> None:
    with bk.Client(sb.styles_url, sb.token) as api:
        res = bkdlt.resource(api, "slack/users.list", write_disposition="replace")
        assert res.name == "slack_users_list"
        assert res.write_disposition == "replace"
        pages = list(res)
    assert len(pages) == 57  # dlt flattens the pages into records
    merged = bkdlt.resource(api, "slack/users.list", write_disposition="merge", primary_key="id")
    schema = merged.compute_table_schema()
    assert schema["write_disposition"] == "merge"
    assert schema["columns"]["id"]["primary_key"] is True  # the key dlt merges on


def test_closing_the_generator_early_stops_the_run(sb: Sandbox) -> None:
    from bearerkit.bulk.iterate import iter_pages

    since = len(sb.request_log)
    with bk.Client(sb.styles_url, sb.token) as api:

        def start_pages(emit: Any) -> None:
            from bearerkit.paging.fetch import paginate
            from bearerkit.paging.page import PageRequest

            paginate(
                api._get_page,
                PageRequest("GET", "slack/users.list", {"limit": 1}),
                base_url=api.base_url,
                progress=False,
                on_page=lambda records, _next: emit(records),
            )

        pages = iter_pages(start_pages, buffer=1)
        first = next(pages)
        pages.close()
    assert first[0]["id"] == 1
    assert len(sb.request_log) - since < 10  # not all 57 pages


def test_without_dlt_the_error_names_the_extra(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dlt", None)
    with (
        bk.Client(sb.url, sb.token) as api,
        pytest.raises(bk.BearerkitError, match=r"bearerkit\[dlt\]"),
    ):
        bkdlt.resource(api, "discover/movie")


def test_import_bearerkit_does_not_import_dlt_or_pyarrow() -> None:
    import subprocess

    heavy = "print(sorted(m for m in ('dlt', 'pyarrow', 'duckdb') if m in sys.modules))"
    code = f"import sys, bearerkit; {heavy}; import bearerkit.dlt, bearerkit.bulk; {heavy}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, then = out.stdout.split("\n")[:2]
    assert first == "[]"
    assert "dlt" not in then and "duckdb" not in then  # (pandas itself may load pyarrow)
