"""Bulk and long runs: get_each against hand-written loops, streaming, resume, dlt.

Four measurements against the sandbox (30 ms latency; the first three with its 40/s
limit), each side by side with the code it replaces:

- ``get_each`` over N ids against ``max(N / rate, N x latency / workers)``, a
  sequential ``requests.Session`` loop and a ``ThreadPoolExecutor`` over ``requests``
  (whose 429s are counted: it has no rate limit of its own);
- a paginate streamed to Parquet (``to=``) against the same paginate in memory;
- a paginate killed at 50% in a subprocess, then resumed from its folder: requests
  sent against the pages missing;
- the same ``Link``-header listing loaded into DuckDB by dlt through
  ``bearerkit.dlt.resource`` and through dlt's own ``RESTClient`` paginator.

Each returns ``report.Row``s for the table.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from measure import CLIENT_RATE, LATENCY, SANDBOX_RATE, TIMEOUT, WORKERS
from report import Row

from bearerkit import Client
from bearerkit.bulk.stream import MANIFEST
from bearerkit.sandbox import Sandbox, catalogue

EACH_TARGET = 1.10  # of max(N / rate, N x latency / workers)
STREAM_TARGET = 0.10  # extra time for writing Parquet, of the in-memory paginate

ROW_NAMES = (
    "get_each: bearerkit",
    "get_each: requests.Session loop",
    "get_each: ThreadPoolExecutor over requests",
    "streaming to Parquet",
    "resume after a kill at 50%",
    "dlt: bearerkit.dlt.resource vs RESTClient",
)


def _settle(quick: bool) -> None:
    time.sleep(0 if quick else 1.0)  # the sandbox's bucket refills (40 in 1 s)


def _count(sb: Sandbox, since: int, status: int | None = None, prefix: str = "") -> int:
    return sum(
        1
        for r in sb.request_log[since:]
        if (status is None or r.status == status) and r.path.startswith(prefix)
    )


def get_each_rows(slow: Sandbox, *, quick: bool) -> list[Row]:
    """N movie details three ways: get_each, a Session loop, a thread pool over requests."""
    n = 40 if quick else 400
    ids = sorted(catalogue.movies_by_id())[:n]
    bound = max(n / SANDBOX_RATE, n * LATENCY / WORKERS)
    headers = {"Authorization": f"Bearer {slow.token}"}

    since = len(slow.request_log)
    with Client(slow.url, slow.token, rate_limit=CLIENT_RATE) as api:
        started = time.perf_counter()
        df = api.get_each("movie/{}", ids, workers=WORKERS, progress=False)
        bk_s = time.perf_counter() - started
    bk_429 = _count(slow, since, 429)
    assert len(df) == n
    _settle(quick)

    since = len(slow.request_log)
    with requests.Session() as session:
        started = time.perf_counter()
        loop = [session.get(f"{slow.url}/movie/{i}", headers=headers, timeout=TIMEOUT) for i in ids]
        loop_s = time.perf_counter() - started
    loop_429 = _count(slow, since, 429)
    assert len(loop) == n
    _settle(quick)

    since = len(slow.request_log)
    with requests.Session() as session, ThreadPoolExecutor(WORKERS) as pool:

        def one(i: int) -> Any:
            return session.get(f"{slow.url}/movie/{i}", headers=headers, timeout=TIMEOUT)

        started = time.perf_counter()
        answers = list(pool.map(one, ids))
        pool_s = time.perf_counter() - started
    pool_429 = _count(slow, since, 429)
    pool_ok = sum(1 for a in answers if a.status_code == 200)
    _settle(quick)

    bounds = f"bound {bound:.2f} s (max(N / {SANDBOX_RATE:g}, N x latency / {WORKERS}))"
    return [
        Row(
            ROW_NAMES[0],
            f"{bk_s:.2f} s for {n} ids, {bk_429}x429",
            bounds,
            bk_s / bound,
            f"<= {EACH_TARGET:.2f}x bound, no 429",
            bk_s / bound <= EACH_TARGET and bk_429 == 0,
        ),
        Row(
            ROW_NAMES[1],
            f"{loop_s:.2f} s, {loop_429}x429",
            bounds,
            loop_s / bound,
            "(baseline)",
            None,
        ),
        Row(
            ROW_NAMES[2],
            f"{pool_s:.2f} s, {pool_429}x429 ({pool_ok} of {n} answered)",
            bounds,
            pool_s / bound,
            "(baseline)",
            None,
        ),
    ]


def stream_row(slow: Sandbox, *, quick: bool) -> Row:
    """A paginate of N pages in memory, then the same run streamed to a Parquet folder."""
    pages = 8 if quick else 200
    import pyarrow.parquet  # noqa: F401  (warm-up: its first import is paid once per kernel)

    with Client(slow.url, slow.token, rate_limit=CLIENT_RATE) as api:
        started = time.perf_counter()
        plain = api.paginate("discover/movie", max_pages=pages, progress=False)
        plain_s = time.perf_counter() - started
        _settle(quick)
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            streamed = api.paginate(
                "discover/movie", max_pages=pages, progress=False, to=Path(tmp) / "discover"
            )
            stream_s = time.perf_counter() - started
    _settle(quick)
    same = streamed["id"].tolist() == plain["id"].tolist()
    extra = stream_s / plain_s - 1
    return Row(
        ROW_NAMES[3],
        f"{stream_s:.2f} s for {pages} pages to Parquet{'' if same else ' (rows differ!)'}",
        f"in memory {plain_s:.2f} s",
        stream_s / plain_s,
        f"<= {1 + STREAM_TARGET:.2f}x",
        extra <= STREAM_TARGET and same,
    )


_CHILD = """
import os, warnings
import bearerkit as bk
warnings.simplefilter("ignore")
api = bk.Client(os.environ["SB_URL"], os.environ["SB_TOKEN"], rate_limit=float(os.environ["RATE"]))
api.paginate("discover/movie", max_pages=int(os.environ["PAGES"]), progress=False,
             to=os.environ["FOLDER"])
"""


def resume_row(slow: Sandbox, *, quick: bool) -> Row:
    """A child process paginating N pages to a folder, killed at half; then resume=folder."""
    pages = 20 if quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "discover"
        env = {
            **os.environ,
            "SB_URL": slow.url,
            "SB_TOKEN": slow.token,
            "RATE": str(CLIENT_RATE),
            "PAGES": str(pages),
            "FOLDER": str(folder),
        }
        child = subprocess.Popen([sys.executable, "-c", _CHILD], env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if json.loads((folder / MANIFEST).read_text()).get("pages", 0) >= pages // 2:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        time.sleep(0.5)  # the child's requests in flight reach the log
        done = json.loads((folder / MANIFEST).read_text())["pages"]
        _settle(quick)
        since = len(slow.request_log)
        with Client(slow.url, slow.token, rate_limit=CLIENT_RATE) as api:
            started = time.perf_counter()
            df = api.paginate("discover/movie", max_pages=pages, progress=False, resume=folder)
            took = time.perf_counter() - started
        sent = _count(slow, since, prefix="/3/discover/")
    _settle(quick)
    missing = pages - done
    whole = len(df) == pages * 20 and df["id"].is_unique
    return Row(
        ROW_NAMES[4],
        f"{sent} requests in {took:.2f} s after a kill at page {done} of {pages}"
        f"{'' if whole else ' (rows differ!)'}",
        f"{missing} pages missing",
        sent / (missing + 1),
        "<= missing + 1 requests",
        sent <= missing + 1 and whole,
    )


def dlt_row(styles: Sandbox, *, quick: bool) -> Row | None:
    """The styles' GitHub listing (Link header, one record a page) into DuckDB, two ways."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    try:
        import dlt
        from dlt.sources.helpers.rest_client import RESTClient
        from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
        from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator
    except ImportError:
        return None
    import bearerkit.dlt as bkdlt

    per_page = 10 if quick else 1
    pages = -(-57 // per_page)

    def load(name: str, resource: Any, tmp: str) -> tuple[float, int]:
        pipeline = dlt.pipeline(
            pipeline_name=name,
            destination=dlt.destinations.duckdb(str(Path(tmp) / f"{name}.duckdb")),
            pipelines_dir=str(Path(tmp) / "pipelines"),
            dataset_name="data",
        )
        started = time.perf_counter()
        pipeline.run(resource)
        took = time.perf_counter() - started
        with pipeline.sql_client() as sql:
            rows = int(sql.execute_sql("select count(*) from github_items")[0][0])
        return took, rows

    with tempfile.TemporaryDirectory() as tmp:
        with Client(styles.styles_url, styles.token) as api:
            ours = bkdlt.resource(api, "github/items", params={"per_page": per_page})
            bk_s, bk_rows = load("bk", ours, tmp)
        rest = RESTClient(
            base_url=styles.styles_url,
            auth=BearerTokenAuth(styles.token),
            paginator=HeaderLinkPaginator(),
        )

        @dlt.resource(name="github_items")
        def theirs() -> Any:
            yield from rest.paginate("github/items", params={"per_page": per_page})

        dlt_s, dlt_rows = load("rest", theirs, tmp)
    return Row(
        ROW_NAMES[5],
        f"{bk_s:.2f} s for {pages} pages ({bk_rows} rows) through bearerkit.dlt.resource",
        f"RESTClient + HeaderLinkPaginator {dlt_s:.2f} s ({dlt_rows} rows)",
        bk_s / dlt_s,
        "(side by side; no target)",
        None,
    )


def bulk_rows(slow: Sandbox, styles: Sandbox, *, quick: bool, step: Any) -> list[Row]:
    """Every bulk measurement, in table order."""
    # The runs stop at a set number of pages on purpose: the "not all pages" note is noise.
    warnings.filterwarnings("ignore", message="paginate wrote", category=UserWarning)
    step("get_each against a Session loop and a thread pool")
    rows = get_each_rows(slow, quick=quick)
    step("paginate streamed to Parquet")
    rows.append(stream_row(slow, quick=quick))
    step("resume after a kill at 50%")
    rows.append(resume_row(slow, quick=quick))
    step("dlt: bearerkit.dlt.resource against RESTClient")
    row = dlt_row(styles, quick=quick)
    if row is not None:
        rows.append(row)
    return rows
